package console

import (
	"slices"
	"strings"
	"testing"
)

// Issue 22: a service shortcut lands on that service's console page, in the
// region asked for. The expected addresses are the ones the AWS console
// itself shows in the address bar for these pages: regional services on
// REGION.console.aws.amazon.com with ?region=REGION, global ones (IAM,
// Route 53, billing, CloudFront) on console.aws.amazon.com without one.
func TestServiceDestination(t *testing.T) {
	for _, tt := range []struct{ name, partition, region, want string }{
		{"s3", "aws", "eu-west-1", "https://eu-west-1.console.aws.amazon.com/s3/buckets?region=eu-west-1"},
		{"ec2", "aws", "us-east-2", "https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2#Home:"},
		{"lambda", "aws", "eu-central-1", "https://eu-central-1.console.aws.amazon.com/lambda/home?region=eu-central-1#/functions"},
		{"logs", "aws", "eu-west-1", "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups"},
		{"cloudwatch", "aws", "ap-southeast-2", "https://ap-southeast-2.console.aws.amazon.com/cloudwatch/home?region=ap-southeast-2"},
		{"cfn", "aws", "us-west-2", "https://us-west-2.console.aws.amazon.com/cloudformation/home?region=us-west-2#/stacks"},
		{"rds", "aws", "eu-west-1", "https://eu-west-1.console.aws.amazon.com/rds/home?region=eu-west-1#databases:"},
		{"dynamodb", "aws", "us-east-1", "https://us-east-1.console.aws.amazon.com/dynamodbv2/home?region=us-east-1#tables"},
		{"ecs", "aws", "eu-north-1", "https://eu-north-1.console.aws.amazon.com/ecs/v2/clusters?region=eu-north-1"},
		{"eks", "aws", "eu-west-1", "https://eu-west-1.console.aws.amazon.com/eks/home?region=eu-west-1#/clusters"},
		{"sqs", "aws", "eu-west-1", "https://eu-west-1.console.aws.amazon.com/sqs/v3/home?region=eu-west-1#/queues"},
		{"sns", "aws", "eu-west-1", "https://eu-west-1.console.aws.amazon.com/sns/v3/home?region=eu-west-1#/topics"},
		{"kms", "aws", "eu-west-1", "https://eu-west-1.console.aws.amazon.com/kms/home?region=eu-west-1#/kms/keys"},
		{"secretsmanager", "aws", "eu-west-1", "https://eu-west-1.console.aws.amazon.com/secretsmanager/listsecrets?region=eu-west-1"},
		{"ssm", "aws", "eu-west-1", "https://eu-west-1.console.aws.amazon.com/systems-manager/home?region=eu-west-1"},
		{"vpc", "aws", "eu-west-1", "https://eu-west-1.console.aws.amazon.com/vpcconsole/home?region=eu-west-1#vpcs:"},
		{"iam", "aws", "eu-west-1", "https://console.aws.amazon.com/iam/home#/home"},
		{"route53", "aws", "eu-west-1", "https://console.aws.amazon.com/route53/v2/home#Dashboard"},
		{"billing", "aws", "eu-west-1", "https://console.aws.amazon.com/billing/home#/"},
		{"S3", "aws-us-gov", "us-gov-west-1", "https://us-gov-west-1.console.amazonaws-us-gov.com/s3/buckets?region=us-gov-west-1"},
		{"ec2", "aws-cn", "cn-north-1", "https://cn-north-1.console.amazonaws.cn/ec2/home?region=cn-north-1#Home:"},
	} {
		got, err := ServiceDestination(tt.name, tt.partition, tt.region)
		if err != nil || got != tt.want {
			t.Errorf("%s in %s: %q, %v; want %q", tt.name, tt.region, got, err, tt.want)
		}
	}
}

func TestServiceTable(t *testing.T) {
	if n := len(Services()); n < 40 {
		t.Errorf("%d shortcuts, want 40 or more", n)
	}
	names := map[string]bool{}
	for i, s := range Services() {
		if i > 0 && Services()[i-1].Name >= s.Name {
			t.Errorf("%s is out of order", s.Name)
		}
		if !strings.HasPrefix(s.Path, "/") || strings.ContainsAny(s.Path, "?#") || s.Title == "" {
			t.Errorf("%s: path %q, title %q", s.Name, s.Path, s.Title)
		}
		for _, n := range append([]string{s.Name}, s.Aliases...) {
			if names[n] || n != strings.ToLower(n) {
				t.Errorf("shortcut %q is taken twice or not lowercase", n)
			}
			names[n] = true
		}
	}
	for _, want := range []string{"s3", "ec2", "iam", "lambda", "logs", "cloudwatch", "cloudformation", "rds", "dynamodb",
		"ecs", "eks", "sqs", "sns", "kms", "secretsmanager", "ssm", "route53", "vpc", "billing"} {
		if !names[want] {
			t.Errorf("no shortcut %q", want)
		}
	}
}

// An unknown shortcut names the nearest ones and where the list is.
func TestServiceDidYouMean(t *testing.T) {
	for _, tt := range []struct {
		name string
		want []string
	}{
		{"lamda", []string{"lambda"}},
		{"cloudform", []string{"cloudformation"}},
		{"dynamo", []string{"dynamodb"}},
		{"ec3", []string{"ec2", "ecr", "ecs"}},
	} {
		if got := Suggest(tt.name); !slices.Equal(got, tt.want) {
			t.Errorf("Suggest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	_, err := ServiceDestination("lamda", "aws", "eu-west-1")
	if err == nil || err.Error() != `unknown console service "lamda": did you mean lambda? awsenv console --services lists them, or give --destination URL` {
		t.Errorf("error: %v", err)
	}
	_, err = ServiceDestination("zzzzzzzzzz", "aws", "eu-west-1")
	if err == nil || err.Error() != `unknown console service "zzzzzzzzzz": awsenv console --services lists them, or give --destination URL` {
		t.Errorf("error: %v", err)
	}
}

// Issue 22: in a browser with multi-session support on, console addresses
// carry the session's label (https://docs.aws.amazon.com/awsconsolehelpdocs/latest/gsg/multisession.html:
// https://000000000000-aaaaaaaa.us-east-1.console.aws.amazon.com/...). A
// destination copied from there names a session that is already signed
// in; the link lands on the same page without it, in the session it adds.
func TestWithoutSession(t *testing.T) {
	for in, want := range map[string]string{
		"https://123456789012-ab12cd34.eu-west-1.console.aws.amazon.com/s3/buckets?region=eu-west-1": "https://eu-west-1.console.aws.amazon.com/s3/buckets?region=eu-west-1",
		"https://123456789012-ab12cd34.console.aws.amazon.com/iam/home#/roles":                       "https://console.aws.amazon.com/iam/home#/roles",
		"https://123456789012-ab12cd34.us-gov-west-1.console.amazonaws-us-gov.com/ec2/home":          "https://us-gov-west-1.console.amazonaws-us-gov.com/ec2/home",
		"https://eu-west-1.console.aws.amazon.com/s3/buckets?region=eu-west-1":                       "https://eu-west-1.console.aws.amazon.com/s3/buckets?region=eu-west-1",
		"https://s3.console.aws.amazon.com/s3/home":                                                  "https://s3.console.aws.amazon.com/s3/home",
		"https://123456789012-ab12cd34.example.com/":                                                 "https://123456789012-ab12cd34.example.com/",
		"https://12345678901-ab12cd34.eu-west-1.console.aws.amazon.com/":                             "https://12345678901-ab12cd34.eu-west-1.console.aws.amazon.com/",
	} {
		if got := WithoutSession(in); got != want {
			t.Errorf("WithoutSession(%q) = %q, want %q", in, got, want)
		}
	}
}
