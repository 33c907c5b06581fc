package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// scaleConfig is a generated ~/.aws/config of n profiles, as sso populate
// and organisation tooling write them: role, IAM Identity Center and plain
// profiles, and one [sso-session].
func scaleConfig(n int) string {
	var b strings.Builder
	b.WriteString("[default]\nregion = eu-west-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\n[profile base]\nregion = eu-west-1\n\n")
	for i := range n {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, "[profile p%d]\nrole_arn = arn:aws:iam::%012d:role/admin\nsource_profile = base\nregion = eu-west-1\n\n", i, i)
		case 1:
			fmt.Fprintf(&b, "[profile p%d]\nsso_session = corp\nsso_account_id = %012d\nsso_role_name = ReadOnly\nregion = eu-west-1\n\n", i, i)
		default:
			fmt.Fprintf(&b, "[profile p%d]\nregion = us-east-1\noutput = json\n\n", i)
		}
	}
	return b.String()
}

// BenchmarkLoadProfiles: list and every rebuild of the index parse the
// whole of ~/.aws/config.
func BenchmarkLoadProfiles(b *testing.B) {
	for _, n := range []int{10, 5000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			dir := b.TempDir()
			cfg := filepath.Join(dir, "config")
			data := scaleConfig(n)
			if err := os.WriteFile(cfg, []byte(data), 0o600); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				ps, err := LoadProfiles(cfg, filepath.Join(dir, "credentials"))
				if err != nil || len(ps.Names()) != n+2 {
					b.Fatal(err)
				}
			}
		})
	}
}
