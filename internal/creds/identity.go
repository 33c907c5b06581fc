package creds

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/stsapi"
)

// CallerIdentity asks STS whose credentials p gives (GetCallerIdentity),
// with the endpoint's timeout and explained errors.
func CallerIdentity(ctx context.Context, e Endpoint, p aws.CredentialsProvider) (*stsapi.Identity, error) {
	client, err := e.Client(p, 3)
	if err != nil {
		return nil, err
	}
	var id *stsapi.Identity
	err = e.call(ctx, func(ctx context.Context) (err error) {
		id, err = client.GetCallerIdentity(ctx)
		return err
	})
	return id, err
}
