package cli

import (
	"strings"
	"testing"
	"time"
)

type fakeSource struct{ reads *int }

func (f fakeSource) names() []string {
	*f.reads++
	return []string{"work", "personal", "prod-admin"}
}

func (f fakeSource) roles(account string) []string {
	*f.reads++
	if account == "personal" {
		return nil
	}
	return []string{"admin", "readonly"}
}

func TestCompletions(t *testing.T) {
	app := newApp(&IO{Getenv: func(string) string { return "" }, Now: time.Now})
	tests := []struct {
		words string // the command line, "|" where the cursor's word is empty
		want  string
		reads bool // needs the setup
	}{
		{"ec2switch |", "work personal prod-admin", true},
		{"ec2switch p", "personal prod-admin", true},
		{"ec2switch --sh", "--shell", false},
		{"ec2switch --se", "--serve", false},
		{"ec2switch work |", "", false},
		{"ec2role |", "admin readonly", true},
		{"ec2role --account personal |", "", true},
		{"ec2mfa --account |", "work personal prod-admin", true},
		{"ec2mfa --account=w", "--account=work", true},
		{"awsenv |", "help switch mfa now list forget clear role console write exec process web-identity add doctor sso saml keys rotate init sandbox", false},
		{"awsenv sw", "switch", false},
		{"awsenv exec |", "work personal prod-admin", true},
		{"awsenv exec work --role |", "admin readonly", true},
		{"awsenv exec work -- |", "", false},
		{"awsenv write p |", "work personal prod-admin", true},
		{"awsenv write |", "", false},
		{"awsenv role --format |", "env json credentials process", false},
		{"awsenv console --format |", "link json", false},
		{"awsenv init |", "bash zsh fish powershell", false},
		{"awsenv help r", "role rotate", false},
		{"awsenv role --dur", "--duration", false},
		{"awsenv nosuch |", "", false},
	}
	for _, tt := range tests {
		words := strings.Fields(strings.ReplaceAll(tt.words, "|", ""))
		if strings.HasSuffix(tt.words, "|") {
			words = append(words, "")
		}
		reads := 0
		got := strings.Join(completions(app, words, func() completionSource { return fakeSource{&reads} }), " ")
		if got != tt.want {
			t.Errorf("%q: %q, want %q", tt.words, got, tt.want)
		}
		if (reads > 0) != tt.reads {
			t.Errorf("%q read the setup %d times", tt.words, reads)
		}
	}
}
