// Command baseline is the yardstick of bench/run.sh: the least a Go program
// can do for `awsenv switch`: read the accounts file and the two key files
// of one account and print the same export statements, with no quoting
// care, no cache and no error handling worth the name.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	dir, name := os.Args[1], os.Args[2]
	var accounts map[string]json.RawMessage
	data, _ := os.ReadFile(filepath.Join(dir, "accounts.json"))
	json.Unmarshal(data, &accounts)
	var acc struct{ Region string }
	json.Unmarshal(accounts[name], &acc)
	ak, _ := os.ReadFile(filepath.Join(dir, name+".access_key"))
	sk, _ := os.ReadFile(filepath.Join(dir, name+".secret_key"))
	a, s := strings.TrimSpace(string(ak)), strings.TrimSpace(string(sk))
	w := bufio.NewWriter(os.Stdout)
	for _, kv := range [][2]string{
		{"AWS_ACCESS_KEY_ID", a}, {"AWS_SECRET_ACCESS_KEY", s}, {"AWS_ACCESS_KEY", a}, {"AWS_SECRET_KEY", s},
		{"AWS_REGION", acc.Region}, {"AWS_DEFAULT_REGION", acc.Region}, {"AWSENV_ACCOUNT", name}, {"MY_AWS_SET_FOR", name},
	} {
		w.WriteString("export " + kv[0] + "='" + kv[1] + "'\n")
	}
	for _, n := range []string{"AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DELEGATION_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "AWS_SESSION_EXPIRATION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"} {
		w.WriteString("unset -v " + n + "\n")
	}
	w.Flush()
	os.Stderr.WriteString("Set keys for " + name + " AWS account\n")
}
