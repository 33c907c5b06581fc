// Command goclient is a real AWS SDK for Go v2 client for awsenv's end-to-end
// tests: it loads the SDK's default configuration (config.LoadDefaultConfig,
// so the credential chain, AWS_ENDPOINT_URL_STS and the container
// credentials variables are read exactly as any Go program reads them) and
// calls STS GetCallerIdentity in a loop, printing one line per call.
//
//	goclient [-for 12s] [-every 200ms] [-n 0] [-account]
//
// Each successful call prints "ok N ARN" on stdout (with -account followed
// by " account=ID" when the credentials carry an account id: the SDK's
// aws.Credentials.AccountID, from credential_process's AccountId, the
// container credentials' AccountId or aws_account_id); a failed one prints
// "call N: ERROR" on stderr and the loop goes on. The exit status is 1 if
// any call failed (2 if the configuration could not be loaded).
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
	flag.Parse()
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
	for i := 1; i <= *count || time.Now().Before(end); i++ {
		out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			failed++
			fmt.Fprintf(os.Stderr, "call %d: %v\n", i, err)
		} else {
			account := ""
			if cr, err := cfg.Credentials.Retrieve(ctx); *showAccount && err == nil && cr.AccountID != "" {
				account = " account=" + cr.AccountID
			}
			fmt.Printf("ok %d %s%s\n", i, aws.ToString(out.Arn), account)
		}
		time.Sleep(*every)
	}
	if failed > 0 {
		os.Exit(1)
	}
}
