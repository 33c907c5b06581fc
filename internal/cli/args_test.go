package cli

import (
	"reflect"
	"strings"
	"testing"

	"github.com/awsenv/awsenv/internal/config"
)

func TestReorderArgs(t *testing.T) {
	app := newApp(&IO{})
	tests := []struct {
		in, want string
		err      bool
	}{
		{in: "awsenv switch work --shell fish", want: "awsenv switch --shell fish -- work"},
		{in: "awsenv role admin --account work --duration 2h", want: "awsenv role --account work --duration 2h -- admin"},
		{in: "awsenv role --account=work admin --force", want: "awsenv role --account=work --force -- admin"},
		{in: "awsenv exec work --role ro -- aws s3 ls --recursive", want: "awsenv exec --role ro -- work -- aws s3 ls --recursive"},
		{in: "awsenv exec work -- env", want: "awsenv exec -- work -- env"},
		{in: "awsenv switch -- -weird", want: "awsenv switch -- -weird"},
		{in: "awsenv switch work --shell", err: true},
		{in: "awsenv role admin --account -- x", err: true},
		{in: "awsenv nosuch a --b", want: "awsenv nosuch a --b"},
		{in: "awsenv now", want: "awsenv now"},
	}
	for _, tt := range tests {
		got, err := reorderArgs(app, strings.Fields(tt.in))
		if (err != nil) != tt.err {
			t.Errorf("%q: error %v", tt.in, err)
			continue
		}
		if !tt.err && !reflect.DeepEqual(got, strings.Fields(tt.want)) {
			t.Errorf("%q:\n got %q\nwant %q", tt.in, got, strings.Fields(tt.want))
		}
	}
}

func FuzzReorderArgs(f *testing.F) {
	app := newApp(&IO{})
	f.Add("role admin --account work -- x")
	f.Add("exec work --role r -- a b")
	f.Fuzz(func(t *testing.T, s string) {
		args := append([]string{"awsenv"}, strings.Fields(s)...)
		out, err := reorderArgs(app, args)
		if err != nil {
			return
		}
		// Nothing is lost or invented: the same words, plus at most one "--".
		count := func(a []string) map[string]int {
			m := map[string]int{}
			for _, w := range a {
				m[w]++
			}
			return m
		}
		in, o := count(args), count(out)
		if o["--"] > in["--"]+1 {
			t.Fatalf("%q -> %q", args, out)
		}
		o["--"], in["--"] = 0, 0
		if !reflect.DeepEqual(in, o) {
			t.Fatalf("%q -> %q", args, out)
		}
	})
}

// The exported region: the account's, else the caller's, else the
// partition's default.
func TestRegion(t *testing.T) {
	env := map[string]string{}
	s := &session{io: &IO{Getenv: func(k string) string { return env[k] }}}
	for _, tt := range []struct {
		acc  config.Account
		env  map[string]string
		want string
	}{
		{config.Account{Region: "eu-west-1", Partition: "aws"}, map[string]string{"AWS_REGION": "x-y-1"}, "eu-west-1"},
		{config.Account{Partition: "aws"}, map[string]string{"AWS_DEFAULT_REGION": "ap-south-1"}, "ap-south-1"},
		{config.Account{Partition: "aws"}, nil, "us-east-1"},
		{config.Account{Partition: "aws-us-gov"}, nil, "us-gov-west-1"},
		{config.Account{Partition: "aws-cn"}, nil, "cn-north-1"},
		{config.Account{Partition: "aws-cn"}, map[string]string{"AWS_REGION": "cn-northwest-1"}, "cn-northwest-1"},
	} {
		env = tt.env
		if got := s.region(&tt.acc); got != tt.want {
			t.Errorf("%+v with %v: %s, want %s", tt.acc, tt.env, got, tt.want)
		}
	}
}
