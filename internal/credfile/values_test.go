package credfile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A value from the network that would add lines to the credentials file
// (a [default] section with a credential_process) is refused by the writer
// itself, whoever calls it, and the file keeps every byte; no secret is in
// the message.
func TestUpdateRefusesValuesThatWouldAddLines(t *testing.T) {
	good := func() Values {
		return Values{AccessKeyID: "ASIAEXAMPLE000000001", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCY", SessionToken: "FQoGZXIvYXdz/+=",
			Expiration: time.Now().Add(time.Hour), Region: "eu-west-1"}
	}
	const before = "[other]\naws_access_key_id = AKIAOTHEREXAMPLE0000\naws_secret_access_key = othersecret\n"
	for name, change := range map[string]func(*Values){
		"secret with a section":   func(v *Values) { v.SecretAccessKey = "s3cr3t\n[default]\ncredential_process = sh -c evil" },
		"token with a CR":         func(v *Values) { v.SessionToken = "FQoG\rcredential_process = evil" },
		"key id with escape":      func(v *Values) { v.AccessKeyID = "ASIA\x1b[2J" },
		"region with a line":      func(v *Values) { v.Region = "eu-west-1\n[profile x]" },
		"token with a space":      func(v *Values) { v.SessionToken = "FQoG en" },
		"secret with a non-ASCII": func(v *Values) { v.SecretAccessKey = "s3cr3t\u2028x" },
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "credentials")
			if err := os.WriteFile(path, []byte(before), 0o600); err != nil {
				t.Fatal(err)
			}
			v := good()
			change(&v)
			err := Update(context.Background(), path, "default", v)
			if err == nil {
				t.Fatal("written")
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || strings.ContainsAny(msg, "\n\r\x1b") || strings.Contains(msg, "s3cr3t") || strings.Contains(msg, "FQoG") {
				t.Errorf("message %q", msg)
			}
			if data, _ := os.ReadFile(path); string(data) != before {
				t.Errorf("the file changed:\n%q", data)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "credentials")
	if err := Update(context.Background(), path, "default", good()); err != nil {
		t.Errorf("good values: %v", err)
	}
}
