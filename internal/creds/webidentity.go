package creds

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/awsquery"
	"github.com/awsenv/awsenv/internal/fsutil"
	"github.com/awsenv/awsenv/internal/stsapi"
	"github.com/awsenv/awsenv/internal/xerr"
)

// WebIdentity is a role's credentials from AssumeRoleWithWebIdentity: no
// long-lived key at all, the OIDC ID token is the proof.
type WebIdentity struct {
	Endpoint    Endpoint
	RoleARN     string
	SessionName string
	Duration    time.Duration
	// Token returns the ID token: read from a file, or from a login.
	Token func(ctx context.Context) (string, error)
	arn   string
}

// maxTokenFile bounds a web identity token file: STS takes tokens of up to
// 20000 characters.
const maxTokenFile = 64 << 10

// TokenFile reads an ID token from a file (web_identity_token_file,
// --token-file), as Kubernetes and CI systems write them: through the one
// safe reader (a FIFO or a device is refused, a byte order mark dropped, a
// NUL refused), one line of a compact JWT, surrounding white space trimmed.
// Anything else is refused before STS sees it: a second line or a space
// means the wrong file, or two tokens.
func TokenFile(path string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		const hint = "point it at the file that holds the ID token (one line, header.payload.signature)"
		data, err := fsutil.ReadText(path, maxTokenFile)
		if err != nil {
			var re *fsutil.ReadError
			switch {
			case errors.As(err, &re):
				return "", fmt.Errorf("cannot read the web identity token file %s: %s: %s", path, re.Problem, hint)
			case errors.Is(err, fs.ErrNotExist):
				return "", fmt.Errorf("cannot read the web identity token file %s: it does not exist: %s", path, hint)
			}
			return "", fmt.Errorf("cannot read the web identity token file %s: %v: %s", path, xerr.Root(err), hint)
		}
		tok := strings.TrimSpace(string(data))
		switch {
		case tok == "":
			return "", fmt.Errorf("the web identity token file %s is empty: %s", path, hint)
		case strings.ContainsAny(tok, "\r\n"):
			return "", fmt.Errorf("the web identity token file %s holds more than one line: %s", path, hint)
		case strings.Count(tok, ".") != 2 || strings.IndexFunc(tok, notJWT) >= 0:
			return "", fmt.Errorf("the web identity token file %s does not hold a JWT: %s", path, hint)
		}
		return tok, nil
	}
}

// notJWT is true for a character that is neither base64url nor the dot
// between a compact JWT's parts.
func notJWT(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
}

// Retrieve gets the token and calls AssumeRoleWithWebIdentity once.
func (p *WebIdentity) Retrieve(ctx context.Context) (aws.Credentials, error) {
	tok, err := p.Token(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	client, err := stsClient(p.Endpoint, nil, 3)
	if err != nil {
		return aws.Credentials{}, err
	}
	var out *stsapi.WebIdentity
	err = call(ctx, p.Endpoint, "AssumeRoleWithWebIdentity", func(ctx context.Context) (err error) {
		out, err = client.AssumeRoleWithWebIdentity(ctx, stsapi.WebIdentityInput{
			RoleARN: p.RoleARN, SessionName: p.SessionName, Token: tok, Duration: p.Duration,
		})
		return err
	})
	if err != nil {
		var api *awsquery.CallError
		if errors.As(err, &api) && api.Action == "AssumeRoleWithWebIdentity" && api.Code == "AccessDenied" {
			return aws.Credentials{}, api.Reworded(fmt.Sprintf("sts refused to assume %s with the web identity (AccessDenied): the role does not exist or its trust policy does not accept this identity provider, audience or subject", p.RoleARN))
		}
		return aws.Credentials{}, err
	}
	p.arn = out.ARN
	cr := fromSTS(&out.Credentials, "awsenv-web-identity")
	cr.AccountID = accountOfFirst(out.ARN, p.RoleARN)
	return cr, nil
}

// ARN is the assumed-role ARN of the last Retrieve.
func (p *WebIdentity) ARN() string { return p.arn }
