package cli

import (
	"reflect"
	"strings"
	"testing"
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
