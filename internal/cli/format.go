package cli

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/awsenv/awsenv/internal/credfile"
	"github.com/awsenv/awsenv/internal/exports"
	"github.com/awsenv/awsenv/internal/shellenv"
)

// print writes g to stdout in format (env: statements for sh), at once.
func (s *session) print(format string, sh shellenv.Shell, g *got) error {
	var err error
	if format == "env" {
		err = s.emit(sh, exports.Changes(g.target(s), g.creds))
	} else {
		err = s.writeFormat(format, g.label, g)
	}
	if err != nil {
		return err
	}
	return s.flush()
}

// writeFormat renders g for --format json, credentials or process into the
// buffered output; env is handled by the caller (it needs the shell).
func (s *session) writeFormat(format, profile string, g *got) error {
	switch format {
	case "json":
		// The keys of the old generate-sts-role-token, plus the ARN.
		v := map[string]string{
			"access_key":    g.creds.AccessKeyID,
			"secret_key":    g.creds.SecretAccessKey,
			"session_token": g.creds.Token,
			"expiration":    rfc3339(g.creds.Expiration),
		}
		if g.arn != "" {
			v["arn"] = g.arn
		}
		return s.writeJSON(v)
	case "process":
		return s.writeJSON(processJSON(g))
	case "credentials":
		s.out.Write(credfile.Apply(nil, profile, credfile.Values{
			AccessKeyID: g.creds.AccessKeyID, SecretAccessKey: g.creds.SecretAccessKey,
			SessionToken: g.creds.Token, Expiration: g.creds.Expiration,
		}))
		return nil
	}
	return usagef("unknown --format %q: use env, json, credentials or process", format)
}

// processJSON is the credential_process output the AWS SDKs and CLI read.
func processJSON(g *got) any {
	type out struct {
		Version         int
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string
		SessionToken    string `json:",omitempty"`
		Expiration      string `json:",omitempty"`
	}
	return out{1, g.creds.AccessKeyID, g.creds.SecretAccessKey, g.creds.Token, rfc3339(g.creds.Expiration)}
}

func (s *session) writeJSON(v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	s.out.Write(append(data, '\n'))
	return nil
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func checkFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return usagef("unknown --format %q: use %s", format, fmt.Sprint(allowed))
}
