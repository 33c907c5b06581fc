// Package render writes a command's credentials in the format asked for:
// statements for a shell, the JSON of the old generate-sts-role-token, an
// INI profile, or credential_process JSON. It is the one registry of
// output formats (a new format is one more entry here), the one owner of
// the environment variables awsenv sets (exports.go), and the quoting that
// makes shell statements inert (shell.go, quote.go).
package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/credfile"
)

// Output is what a format may show.
type Output struct {
	Creds   aws.Credentials
	Account string // AWSENV_ACCOUNT
	Label   string // MY_AWS_SET_FOR, and the INI profile's name
	Region  string
	ARN     string // the principal, when known
	Shell   Shell
	// ConsoleLink is a console sign-in link (console --format json).
	ConsoleLink string
	// Login is the aws login session the credentials come from (env).
	Login Login
}

// A format writes an Output.
type format struct {
	name  string
	about string
	write func(w io.Writer, o Output) error
}

var formats = []format{
	{"env", "shell statements", writeEnv},
	{"json", "JSON with access_key, secret_key, session_token, expiration", writeJSON},
	{"credentials", "an INI profile for ~/.aws/credentials", writeINI},
	{"process", "credential_process JSON", writeProcess},
}

// Usage describes the formats among allowed, for a flag's help.
func Usage(allowed ...string) string {
	var parts []string
	for _, f := range formats {
		if contains(allowed, f.name) {
			parts = append(parts, f.name+" ("+f.about+")")
		}
	}
	return strings.Join(parts, ", ")
}

// Check says whether name is one of the allowed formats.
func Check(name string, allowed ...string) error {
	if contains(allowed, name) {
		for _, f := range formats {
			if f.name == name {
				return nil
			}
		}
	}
	return fmt.Errorf("unknown --format %q: use %s", name, strings.Join(allowed, ", "))
}

// Write writes o in the named format.
func Write(w io.Writer, name string, o Output) error {
	for _, f := range formats {
		if f.name == name {
			return f.write(w, o)
		}
	}
	return fmt.Errorf("unknown --format %q", name)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func writeEnv(w io.Writer, o Output) error {
	return Statements(w, o.Shell, Changes(Target{Account: o.Account, Label: o.Label, Region: o.Region, Login: o.Login}, o.Creds))
}

// writeJSON: the keys of the old generate-sts-role-token and
// generate_keys.py, plus the ARN and, for console, the sign-in link.
func writeJSON(w io.Writer, o Output) error {
	v := map[string]string{
		"access_key":    o.Creds.AccessKeyID,
		"secret_key":    o.Creds.SecretAccessKey,
		"session_token": o.Creds.SessionToken,
		"expiration":    rfc3339(o.Creds),
	}
	if o.ARN != "" {
		v["arn"] = o.ARN
	}
	if o.ConsoleLink != "" {
		v["console_access"] = o.ConsoleLink
	}
	return encode(w, v)
}

// writeINI is a profile as write puts it into ~/.aws/credentials: with its
// region and account id, which the AWS CLI and SDKs read from there too.
func writeINI(w io.Writer, o Output) error {
	v := Values(o.Creds)
	v.Region = o.Region
	_, err := w.Write(credfile.Apply(nil, o.Label, v))
	return err
}

// Values are credentials as a credentials-file profile holds them, with
// their account id when known.
func Values(c aws.Credentials) credfile.Values { return credfile.FromCredentials(c) }

// writeProcess is the credential_process output the AWS SDKs and CLI read.
func writeProcess(w io.Writer, o Output) error {
	type out struct {
		Version         int
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string
		SessionToken    string `json:",omitempty"`
		Expiration      string `json:",omitempty"`
		AccountID       string `json:"AccountId,omitempty"`
	}
	return encode(w, out{1, o.Creds.AccessKeyID, o.Creds.SecretAccessKey, o.Creds.SessionToken, rfc3339(o.Creds), o.Creds.AccountID})
}

// encode writes indented JSON; links keep their & (no HTML escaping).
func encode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func rfc3339(c aws.Credentials) string {
	if !c.CanExpire || c.Expires.IsZero() {
		return ""
	}
	return c.Expires.UTC().Format(time.RFC3339)
}
