package config

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoadAccounts: the accounts file is read on every shell switch.
func BenchmarkLoadAccounts(b *testing.B) {
	for _, n := range []int{10, 1000, 5000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			data := scaleAccounts(n)
			path := filepath.Join(b.TempDir(), "accounts.json")
			if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
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
