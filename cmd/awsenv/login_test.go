// The end-to-end scripts drive real Unix shells, FIFOs and process groups.

//go:build unix

package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// loginARN is who signs in at the stand-in's sign-in service.
const loginARN = "arn:aws:iam::123456789012:user/login-user"

func init() {
	// awslogin setup | expire | end CODE | code ERRFILE VAR | waitfile F: the stand-in's
	// sign-in service of aws login, AWS_ENDPOINT_URL_SIGNIN pointed at it,
	// $LOGIN_ARN and $LOGIN_FILE (the AWS CLI's cache file of that login);
	// the cached credentials made expired (the refresh token kept); every
	// login ended with the OAuth2ErrorCode CODE; the cross-device flow
	// whose address ERRFILE holds followed as a browser on another device
	// would, and the code its page shows put in $VAR; wait until file F
	// exists.
	scriptCmds["awslogin"] = func(ts *testscript.TestScript, neg bool, args []string) {
		srv := fixtureOf(ts).srv
		switch args[0] {
		case "setup":
			sum := sha256.Sum256([]byte(loginARN))
			ts.Setenv("AWS_ENDPOINT_URL_SIGNIN", ts.Getenv("STS"))
			ts.Setenv("LOGIN_ARN", loginARN)
			ts.Setenv("LOGIN_FILE", filepath.Join(ts.Getenv("HOME"), ".aws", "login", "cache", hex.EncodeToString(sum[:])+".json"))
		case "expire":
			path := ts.Getenv("LOGIN_FILE")
			data, err := os.ReadFile(path)
			ts.Check(err)
			re := regexp.MustCompile(`"expiresAt": ?"[^"]*"`)
			if !re.Match(data) {
				ts.Fatalf("no expiresAt in %s", path)
			}
			ts.Check(os.WriteFile(path, re.ReplaceAll(data, []byte(`"expiresAt": "2020-01-01T00:00:00Z"`)), 0o600))
		case "end":
			srv.EndAWSLogins(args[1])
		case "waitfile":
			// A generous outer limit: the event is awaited, not a window.
			path := ts.MkAbs(args[1])
			for end := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
				if _, err := os.Stat(path); err == nil {
					break
				}
				if time.Now().After(end) {
					ts.Fatalf("%s did not appear", args[1])
				}
			}
		case "code":
			m := regexp.MustCompile(`https?://\S+/v1/authorize\?\S+`).FindString(ts.ReadFile(args[1]))
			if m == "" {
				ts.Fatalf("no sign-in address in %s", args[1])
			}
			resp, err := http.Get(m)
			ts.Check(err)
			page, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			ts.Check(err)
			_, code, ok := strings.Cut(string(page), "Code: ")
			if !ok {
				ts.Fatalf("the confirmation page shows no code: %q", page)
			}
			code = strings.TrimSpace(code)
			if _, err := base64.StdEncoding.DecodeString(code); err != nil {
				ts.Fatalf("the code %q is not base64", code)
			}
			ts.Setenv(args[2], code)
		default:
			ts.Fatalf("awslogin: unknown subcommand %q", args[0])
		}
	}
}
