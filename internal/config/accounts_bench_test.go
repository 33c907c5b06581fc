package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkLoadAccounts: the accounts file is read on every shell switch.
func BenchmarkLoadAccounts(b *testing.B) {
	for _, n := range []int{10, 1000, 5000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var sb strings.Builder
			sb.WriteString("{\n")
			for i := range n {
				if i > 0 {
					sb.WriteString(",\n")
				}
				if i%2 == 0 {
					fmt.Fprintf(&sb, "  \"acct%d\": \"arn:aws:iam::%012d:\"", i, i)
				} else {
					fmt.Fprintf(&sb, `  "acct%d": {"arn": "arn:aws:iam::%012d:", "region": "eu-west-1", "session_duration": "8h", "roles": {"admin": "arn:aws:iam::%012d:role/admin"}}`, i, i, i)
				}
			}
			sb.WriteString("\n}\n")
			path := filepath.Join(b.TempDir(), "accounts.json")
			if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(sb.Len()))
			b.ReportAllocs()
			for b.Loop() {
				accs, err := LoadAccounts(path, false)
				if err != nil || len(accs.All()) != n {
					b.Fatal(err)
				}
			}
		})
	}
}
