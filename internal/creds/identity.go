package creds

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/awsenv/awsenv/internal/stsapi"
)

// CallerIdentity asks STS whose credentials p gives (GetCallerIdentity),
// with the endpoint's timeout and explained errors.
func CallerIdentity(ctx context.Context, e Endpoint, p aws.CredentialsProvider) (*stsapi.Identity, error) {
	client, err := stsClient(e, p, 3)
	if err != nil {
		return nil, err
	}
	var id *stsapi.Identity
	err = call(ctx, e, "GetCallerIdentity", func(ctx context.Context) (err error) {
		id, err = client.GetCallerIdentity(ctx)
		return err
	})
	return id, err
}

// AccountOf is the account id of an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:...),
// "" when it has none.
func AccountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && len(parts[4]) == 12 && strings.Trim(parts[4], "0123456789") == "" {
		return parts[4]
	}
	return ""
}

// accountOfFirst is the account id of the first of arns that names one: the
// principal STS returned (an assumed role's account), then the role asked for.
func accountOfFirst(arns ...string) string {
	for _, a := range arns {
		if id := AccountOf(a); id != "" {
			return id
		}
	}
	return ""
}
