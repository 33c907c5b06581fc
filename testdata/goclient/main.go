// Command goclient is a real AWS SDK for Go v2 client for awsenv's end-to-end
// tests: it loads the SDK's default configuration (config.LoadDefaultConfig,
// so the credential chain, AWS_ENDPOINT_URL_STS and the container
// credentials variables are read exactly as any Go program reads them) and
// calls STS GetCallerIdentity in a loop, printing one line per call.
//
//	goclient [-for 12s] [-every 200ms] [-n 0] [-keys 0] [-account]
//
// With -keys K it calls until it has signed with K different access keys
// (K-1 refreshes), and -for is only an outer limit: a test waits for the
// refreshes, not for a time. Each successful call prints "ok N ARN" on
// stdout (with -account followed by " account=ID" when the credentials
// carry an account id: the SDK's aws.Credentials.AccountID, from
// credential_process's AccountId, the container credentials' AccountId or
// aws_account_id); a failed one prints "call N: ERROR" on stderr and the
// loop goes on. The exit status is 1 if any call failed or fewer than K
// keys were seen (2 if the configuration could not be loaded).
//
// It is its own module, so that the main module does not depend on the SDK's
// config package; build it with `go build` in this folder.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	total := flag.Duration("for", 0, "keep calling for this long")
	every := flag.Duration("every", 200*time.Millisecond, "pause between calls")
	count := flag.Int("n", 0, "make this many calls (with -for: at least this many)")
	showAccount := flag.Bool("account", false, "print the credentials' account id after the ARN")
	keys := flag.Int("keys", 0, "call until signed with this many different access keys (-for is then the outer limit)")
	flag.Parse()
	if *keys > 0 && *total <= 0 {
		*total = 3 * time.Minute
	}
	if *total <= 0 && *count <= 0 {
		*count = 1
	}
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "goclient: %v\n", err)
		os.Exit(2)
	}
	client := sts.NewFromConfig(cfg)
	end := time.Now().Add(*total)
	failed := 0
	seen := map[string]bool{}
	more := func(i int) bool {
		if i <= *count {
			return true
		}
		if *keys > 0 {
			return len(seen) < *keys && time.Now().Before(end)
		}
		return time.Now().Before(end)
	}
	for i := 1; more(i); i++ {
		out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			failed++
			fmt.Fprintf(os.Stderr, "call %d: %v\n", i, err)
		} else {
			account := ""
			// The cache hands out what the call was signed with.
			if cr, err := cfg.Credentials.Retrieve(ctx); err == nil {
				seen[cr.AccessKeyID] = true
				if *showAccount && cr.AccountID != "" {
					account = " account=" + cr.AccountID
				}
			}
			fmt.Printf("ok %d %s%s\n", i, aws.ToString(out.Arn), account)
		}
		time.Sleep(*every)
	}
	if len(seen) < *keys {
		fmt.Fprintf(os.Stderr, "goclient: signed with %d different keys, want %d\n", len(seen), *keys)
		failed++
	}
	if failed > 0 {
		os.Exit(1)
	}
}
