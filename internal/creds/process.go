package creds

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/proc"
)

// Process runs a credential_process command and reads its JSON, as the
// AWS CLI does: {"Version": 1, "AccessKeyId", "SecretAccessKey",
// "SessionToken", "Expiration"}.
type Process struct {
	Command string
	Stderr  io.Writer
	Timeout time.Duration // default 2 minutes
	// Env is added to the command's environment.
	Env []string
}

// Retrieve runs the command once.
func (p *Process) Retrieve(ctx context.Context) (aws.Credentials, error) {
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	out, err := proc.Output(ctx, proc.Command{
		Name: "credential_process", Line: p.Command, Stderr: p.Stderr, Env: p.Env, Timeout: timeout,
	})
	if err != nil {
		return aws.Credentials{}, err
	}
	var v struct {
		Version         int
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string
		SessionToken    string
		Expiration      *time.Time
	}
	if err := json.Unmarshal(out, &v); err != nil || v.Version != 1 || v.AccessKeyID == "" || v.SecretAccessKey == "" {
		return aws.Credentials{}, fmt.Errorf("credential_process %q did not print credential_process JSON (Version 1, AccessKeyId, SecretAccessKey)", p.Command)
	}
	c := aws.Credentials{AccessKeyID: v.AccessKeyID, SecretAccessKey: v.SecretAccessKey, SessionToken: v.SessionToken, Source: "credential_process"}
	if v.Expiration != nil {
		c.CanExpire, c.Expires = true, v.Expiration.UTC()
		if err := expiredAtReceipt(fmt.Sprintf("credential_process %q", p.Command), c.Expires, time.Now()); err != nil {
			return aws.Credentials{}, err
		}
	}
	return c, nil
}
