package creds

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", p.Command)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, p.Stderr
	if len(p.Env) > 0 {
		cmd.Env = append(os.Environ(), p.Env...)
	}
	// The command's own children (ykman, op, a script's pipeline) go with
	// it when it times out: kill its whole process group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return aws.Credentials{}, fmt.Errorf("credential_process %q did not finish within %s", p.Command, timeout)
		}
		return aws.Credentials{}, fmt.Errorf("credential_process %q failed: %v", p.Command, err)
	}
	var v struct {
		Version         int
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string
		SessionToken    string
		Expiration      *time.Time
	}
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || v.Version != 1 || v.AccessKeyID == "" || v.SecretAccessKey == "" {
		return aws.Credentials{}, fmt.Errorf("credential_process %q did not print credential_process JSON (Version 1, AccessKeyId, SecretAccessKey)", p.Command)
	}
	c := aws.Credentials{AccessKeyID: v.AccessKeyID, SecretAccessKey: v.SecretAccessKey, SessionToken: v.SessionToken, Source: "credential_process"}
	if v.Expiration != nil {
		c.CanExpire, c.Expires = true, v.Expiration.UTC()
	}
	return c, nil
}
