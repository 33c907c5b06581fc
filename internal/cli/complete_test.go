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

func (f fakeSource) about() map[string]string {
	*f.reads++
	return map[string]string{"work": "account 123456789012, eu-west-1", "prod-admin": "profile (role)"}
}

// The descriptions zsh and fish show: a name's account id and region, a
// flag's and a command's usage, nothing for a value without one.
func TestDescriptions(t *testing.T) {
	app := newApp(&IO{Getenv: func(string) string { return "" }, Now: time.Now})
	tests := []struct{ words, cand, want string }{
		{"ec2switch |", "work", "account 123456789012, eu-west-1"},
		{"ec2switch |", "prod-admin", "profile (role)"},
		{"ec2switch |", "personal", ""},
		{"ec2mfa --account |", "work", "account 123456789012, eu-west-1"},
		{"ec2switch --se", "--serve", "export a local credential server's address instead of fixed credentials: it…"},
		{"awsenv sw", "switch", "print the statements that switch the shell to an account (no network call)"},
		{"awsenv init |", "bash", ""},
	}
	for _, tt := range tests {
		words := strings.Fields(strings.ReplaceAll(tt.words, "|", ""))
		if strings.HasSuffix(tt.words, "|") {
			words = append(words, "")
		}
		reads := 0
		get := func() completionSource { return fakeSource{&reads} }
		cands, kind, cmd := complete(app, words, get)
		if !strings.Contains(" "+strings.Join(cands, " ")+" ", " "+tt.cand+" ") {
			t.Fatalf("%q: %q is not a candidate: %q", tt.words, tt.cand, cands)
		}
		if got := description(app, kind, cmd, tt.cand, get); got != tt.want {
			t.Errorf("%q %s: %q, want %q", tt.words, tt.cand, got, tt.want)
		}
	}
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
		{"awsenv |", "help switch mfa now list forget clear role console write exec process web-identity add doctor sso login logout saml keys rotate init sandbox version", false},
		{"awsenv sw", "switch", false},
		{"awsenv exec |", "work personal prod-admin", true},
		{"awsenv exec work --role |", "admin readonly", true},
		{"awsenv exec work -- |", "", false},
		{"awsenv write p |", "work personal prod-admin", true},
		{"awsenv write |", "", false},
		{"awsenv role --format |", "env json credentials process", false},
		{"awsenv console --format |", "link json", false},
		// Issue 22: the SERVICE shortcuts after NAME, and the browsers.
		{"awsenv console work l", "lambda logs", false},
		{"awsenv console --region eu-west-1 work cloudf", "cloudformation cloudfront", false},
		{"awsenv console w", "work", true},
		{"awsenv console work s3 |", "", false},
		{"awsenv console --browser |", "default firefox chrome chromium edge brave", false},
		{"awsenv console --browser=f", "--browser=firefox", false},
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
