//go:build unix

package creds

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestProcess(t *testing.T) {
	const keys = `"Version": 1, "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "SECRETKEY"`
	tests := []struct {
		name    string
		p       Process
		wantErr []string
	}{
		{"keys", Process{Command: `echo '{` + keys + `}'`}, nil},
		{"env is passed", Process{Command: `echo "{\"Version\": 1, \"AccessKeyId\": \"$KEY_ID\", \"SecretAccessKey\": \"x\"}"`, Env: []string{"KEY_ID=ASIAEXAMPLE"}}, nil},
		{"not json", Process{Command: `echo SECRETKEY`}, []string{`credential_process "echo SECRETKEY" did not print credential_process JSON`}},
		{"version 2", Process{Command: `echo '{"Version": 2}'`}, []string{"did not print credential_process JSON"}},
		{"fails", Process{Command: `echo '{` + keys + `}'; exit 3`}, []string{"credential_process", "failed: exit status 3"}},
		{"hangs", Process{Command: `echo '{` + keys + `}'; sleep 5`, Timeout: 200 * time.Millisecond}, []string{"did not finish within 200ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			tt.p.Stderr = &stderr
			c, err := tt.p.Retrieve(context.Background())
			if tt.wantErr == nil {
				if err != nil || c.AccessKeyID != "ASIAEXAMPLE" || c.Source != "credential_process" || c.CanExpire {
					t.Errorf("Retrieve = %+v, %v", c, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Retrieve = %+v, want an error", c)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(strings.ReplaceAll(err.Error(), strconv.Quote(tt.p.Command), ""), "SECRETKEY") {
				t.Errorf("error %q repeats the command's output", err)
			}
		})
	}
}

func TestProcessExpiration(t *testing.T) {
	p := Process{Command: `echo '{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S", "SessionToken": "T", "Expiration": "2030-01-02T03:04:05+02:00"}'`}
	c, err := p.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2030, 1, 2, 1, 4, 5, 0, time.UTC)
	if !c.CanExpire || !c.Expires.Equal(want) || c.Expires.Location() != time.UTC || c.SessionToken != "T" {
		t.Errorf("Retrieve = %+v, want it to expire at %v", c, want)
	}
}
