package console

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Service is a console page a short name stands for.
type Service struct {
	Name    string
	Aliases []string
	Title   string
	// Path is the page's path on the console host, Fragment what follows
	// its "#" (the console's own client-side route), if anything.
	Path, Fragment string
	// Global services have one console for every region: their pages
	// carry no region.
	Global bool
}

// services are the console's most used pages, by the names people type.
// The paths are the ones the console itself shows in the address bar.
var services = []Service{
	{Name: "acm", Title: "Certificate Manager", Path: "/acm/home", Fragment: "/certificates/list"},
	{Name: "amplify", Title: "Amplify", Path: "/amplify/apps"},
	{Name: "apigateway", Aliases: []string{"apigw"}, Title: "API Gateway", Path: "/apigateway/main/apis"},
	{Name: "athena", Title: "Athena", Path: "/athena/home"},
	{Name: "autoscaling", Aliases: []string{"asg"}, Title: "EC2 Auto Scaling groups", Path: "/ec2/home", Fragment: "AutoScalingGroups:"},
	{Name: "backup", Title: "AWS Backup", Path: "/backup/home"},
	{Name: "batch", Title: "AWS Batch", Path: "/batch/home"},
	{Name: "bedrock", Title: "Bedrock", Path: "/bedrock/home"},
	{Name: "billing", Title: "Billing and Cost Management", Path: "/billing/home", Fragment: "/", Global: true},
	{Name: "cloudformation", Aliases: []string{"cfn"}, Title: "CloudFormation stacks", Path: "/cloudformation/home", Fragment: "/stacks"},
	{Name: "cloudfront", Aliases: []string{"cf"}, Title: "CloudFront distributions", Path: "/cloudfront/v4/home", Fragment: "/distributions", Global: true},
	{Name: "cloudtrail", Title: "CloudTrail", Path: "/cloudtrailv2/home", Fragment: "/dashboard"},
	{Name: "cloudwatch", Aliases: []string{"cw"}, Title: "CloudWatch", Path: "/cloudwatch/home"},
	{Name: "codebuild", Title: "CodeBuild projects", Path: "/codesuite/codebuild/projects"},
	{Name: "codecommit", Title: "CodeCommit repositories", Path: "/codesuite/codecommit/repositories"},
	{Name: "codedeploy", Title: "CodeDeploy applications", Path: "/codesuite/codedeploy/applications"},
	{Name: "codepipeline", Title: "CodePipeline pipelines", Path: "/codesuite/codepipeline/pipelines"},
	{Name: "cognito", Title: "Cognito user pools", Path: "/cognito/v2/idp/user-pools"},
	{Name: "config", Title: "AWS Config", Path: "/config/home"},
	{Name: "costexplorer", Aliases: []string{"ce", "cost"}, Title: "Cost Explorer", Path: "/costmanagement/home", Fragment: "/cost-explorer", Global: true},
	{Name: "dynamodb", Aliases: []string{"ddb"}, Title: "DynamoDB tables", Path: "/dynamodbv2/home", Fragment: "tables"},
	{Name: "ec2", Title: "EC2", Path: "/ec2/home", Fragment: "Home:"},
	{Name: "ecr", Title: "ECR repositories", Path: "/ecr/private-registry/repositories"},
	{Name: "ecs", Title: "ECS clusters", Path: "/ecs/v2/clusters"},
	{Name: "efs", Title: "EFS file systems", Path: "/efs/home", Fragment: "/file-systems"},
	{Name: "eks", Title: "EKS clusters", Path: "/eks/home", Fragment: "/clusters"},
	{Name: "elasticache", Title: "ElastiCache", Path: "/elasticache/home"},
	{Name: "elb", Aliases: []string{"alb", "nlb"}, Title: "EC2 load balancers", Path: "/ec2/home", Fragment: "LoadBalancers:"},
	{Name: "emr", Title: "EMR", Path: "/emr/home"},
	{Name: "eventbridge", Aliases: []string{"events"}, Title: "EventBridge", Path: "/events/home"},
	{Name: "glue", Title: "Glue", Path: "/glue/home"},
	{Name: "guardduty", Title: "GuardDuty", Path: "/guardduty/home"},
	{Name: "iam", Title: "IAM", Path: "/iam/home", Fragment: "/home", Global: true},
	{Name: "identitycenter", Aliases: []string{"sso"}, Title: "IAM Identity Center", Path: "/singlesignon/home"},
	{Name: "kinesis", Title: "Kinesis data streams", Path: "/kinesis/home"},
	{Name: "kms", Title: "KMS keys", Path: "/kms/home", Fragment: "/kms/keys"},
	{Name: "lambda", Title: "Lambda functions", Path: "/lambda/home", Fragment: "/functions"},
	{Name: "logs", Title: "CloudWatch log groups", Path: "/cloudwatch/home", Fragment: "logsV2:log-groups"},
	{Name: "msk", Aliases: []string{"kafka"}, Title: "MSK clusters", Path: "/msk/home"},
	{Name: "opensearch", Aliases: []string{"es"}, Title: "OpenSearch Service", Path: "/aos/home"},
	{Name: "organizations", Aliases: []string{"org"}, Title: "AWS Organizations", Path: "/organizations/v2/home", Global: true},
	{Name: "rds", Title: "RDS databases", Path: "/rds/home", Fragment: "databases:"},
	{Name: "redshift", Title: "Redshift", Path: "/redshiftv2/home"},
	{Name: "route53", Aliases: []string{"r53", "dns"}, Title: "Route 53", Path: "/route53/v2/home", Fragment: "Dashboard", Global: true},
	{Name: "s3", Title: "S3 buckets", Path: "/s3/buckets"},
	{Name: "sagemaker", Title: "SageMaker", Path: "/sagemaker/home"},
	{Name: "secretsmanager", Aliases: []string{"secrets"}, Title: "Secrets Manager", Path: "/secretsmanager/listsecrets"},
	{Name: "securityhub", Title: "Security Hub", Path: "/securityhub/home"},
	{Name: "ses", Title: "Simple Email Service", Path: "/ses/home"},
	{Name: "sns", Title: "SNS topics", Path: "/sns/v3/home", Fragment: "/topics"},
	{Name: "sqs", Title: "SQS queues", Path: "/sqs/v3/home", Fragment: "/queues"},
	{Name: "ssm", Aliases: []string{"systemsmanager"}, Title: "Systems Manager", Path: "/systems-manager/home"},
	{Name: "stepfunctions", Aliases: []string{"sfn", "states"}, Title: "Step Functions state machines", Path: "/states/home", Fragment: "/statemachines"},
	{Name: "support", Title: "Support Center", Path: "/support/home", Global: true},
	{Name: "vpc", Title: "VPCs", Path: "/vpcconsole/home", Fragment: "vpcs:"},
	{Name: "waf", Title: "WAF web ACLs", Path: "/wafv2/homev2/web-acls"},
}

// Services are the shortcuts, sorted by name.
func Services() []Service { return services }

// ServiceNames are the shortcuts and their aliases, sorted.
func ServiceNames() []string {
	var names []string
	for _, s := range services {
		names = append(names, s.Name)
		names = append(names, s.Aliases...)
	}
	sort.Strings(names)
	return names
}

// LookupService finds a shortcut by its name or an alias, in any case.
func LookupService(name string) (Service, bool) {
	name = strings.ToLower(name)
	for _, s := range services {
		if s.Name == name {
			return s, true
		}
		for _, a := range s.Aliases {
			if a == name {
				return s, true
			}
		}
	}
	return Service{}, false
}

// consoleHost is the console's host in a partition.
func consoleHost(partition string) string {
	switch partition {
	case "aws-us-gov":
		return "console.amazonaws-us-gov.com"
	case "aws-cn":
		return "console.amazonaws.cn"
	}
	return "console.aws.amazon.com"
}

// URL is the service's console page: on the region's own console host,
// with the region in the query, as the console writes it, for a regional
// service; on the partition's console host for a global one.
func (s Service) URL(partition, region string) string {
	u := url.URL{Scheme: "https", Host: consoleHost(partition), Path: s.Path, Fragment: s.Fragment}
	if !s.Global {
		u.Host = region + "." + u.Host
		u.RawQuery = "region=" + url.QueryEscape(region)
	}
	return u.String()
}

// ServiceDestination is the page the shortcut name stands for in a
// partition and region; an unknown name is an error that suggests the
// nearest shortcuts.
func ServiceDestination(name, partition, region string) (string, error) {
	s, ok := LookupService(name)
	if !ok {
		hint := "awsenv console --services lists them"
		if near := Suggest(name); len(near) > 0 {
			hint = "did you mean " + strings.Join(near, " or ") + "? " + hint
		}
		return "", fmt.Errorf("unknown console service %q: %s, or give --destination URL", name, hint)
	}
	return s.URL(partition, region), nil
}

// Suggest are the shortcuts nearest to a mistyped name: the ones it is a
// prefix of, else the ones within two edits, at most three.
func Suggest(name string) []string {
	name = strings.ToLower(name)
	var near []string
	if name != "" {
		for _, n := range ServiceNames() {
			if strings.HasPrefix(n, name) {
				near = append(near, n)
			}
		}
	}
	if len(near) == 0 {
		best := 3
		for _, n := range ServiceNames() {
			switch d := edits(name, n); {
			case d < best:
				best, near = d, []string{n}
			case d == best:
				near = append(near, n)
			}
		}
	}
	if len(near) > 3 {
		near = near[:3]
	}
	return near
}

// edits is the Levenshtein distance between a and b.
func edits(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// WithoutSession is dest without the multi-session label that the console
// puts in front of its host in a browser with multi-session support on
// (ACCOUNT-xxxxxxxx.REGION.console.aws.amazon.com): that label names a
// session already signed in, and a sign-in link must land in the session
// it makes. Any other address is returned as it is.
func WithoutSession(dest string) string {
	u, err := url.Parse(dest)
	if err != nil {
		return dest
	}
	label, rest, ok := strings.Cut(u.Host, ".")
	account, id, dash := strings.Cut(label, "-")
	if !ok || !dash || len(account) != 12 || strings.Trim(account, "0123456789") != "" || id == "" ||
		strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789") != "" || !isConsoleHost(rest) {
		return dest
	}
	u.Host = rest
	return u.String()
}

// isConsoleHost says whether host is a partition's console host or one of
// its regional hosts.
func isConsoleHost(host string) bool {
	for _, p := range []string{"aws", "aws-us-gov", "aws-cn"} {
		if c := consoleHost(p); host == c || strings.HasSuffix(host, "."+c) {
			return true
		}
	}
	return false
}
