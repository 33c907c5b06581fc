package creds

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/signin"
)

// Login is the credentials of an `aws login` session, which signin keeps
// in the AWS CLI's login cache and renews with the session's refresh token
// (one process at a time) once less than Window is left.
type Login struct {
	Client  *signin.Client
	Session signin.Session
	Window  time.Duration
}

// Retrieve returns the session's credentials, renewed when they need it.
func (l *Login) Retrieve(ctx context.Context) (aws.Credentials, error) {
	return l.Client.Credentials(ctx, l.Session, l.Window)
}
