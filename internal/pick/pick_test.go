package pick

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// keys hands the picker one chunk per read, as a terminal delivers keys.
type keys struct{ chunks []string }

func (k *keys) Read(b []byte) (int, error) {
	if len(k.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(b, k.chunks[0])
	k.chunks = k.chunks[1:]
	return n, nil
}

var rows = []Row{
	{Value: "personal", Cells: []string{"personal", "987654321012", "-", "no session"}, Match: "personal 987654321012"},
	{Value: "work", Cells: []string{"work", "012123456789", "eu-west-1", "session, 7h59m left"}, Match: "work 012123456789"},
	{Value: "work-admin", Cells: []string{"work-admin", "012123456789", "eu-west-1", "-"}, Match: "work-admin 012123456789"},
}

func TestChoose(t *testing.T) {
	for _, tc := range []struct {
		name   string
		chunks []string
		want   string
		err    error
	}{
		{"typed then enter", []string{"w", "o", "\r"}, "work", nil},
		{"typed in one read", []string{"wo\r"}, "work", nil},
		{"down arrow", []string{"wo", "\x1b[B", "\r"}, "work-admin", nil},
		{"application-mode arrows", []string{"\x1bOB", "\x1bOB", "\x1bOA", "\r"}, "work", nil},
		{"no query: first row", []string{"\r"}, "personal", nil},
		{"account id", []string{"9876\r"}, "personal", nil},
		{"backspace", []string{"px", "\x7f", "\x7f", "wo\r"}, "work", nil},
		{"enter on no match waits", []string{"zzz", "\r", "\x15", "wo\r"}, "work", nil},
		{"esc", []string{"wo", "\x1b"}, "", ErrCancelled},
		{"ctrl-c", []string{"\x03"}, "", ErrCancelled},
		{"end of input", []string{"wo"}, "", ErrCancelled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			got, err := Choose(Screen{In: &keys{tc.chunks}, Out: &out, Width: 80, Height: 24}, "switch to> ", []string{"NAME", "ACCOUNT", "REGION", "SESSION"}, rows)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Fatalf("Choose = %q, %v; want %q, %v", got, err, tc.want, tc.err)
			}
			if !strings.HasSuffix(out.String(), "\r\x1b[J") {
				t.Errorf("the picker did not erase itself at the end: %q", out.String()[max(0, out.Len()-40):])
			}
		})
	}
}

func TestDrawFitsTheWidth(t *testing.T) {
	var out bytes.Buffer
	Choose(Screen{In: &keys{[]string{"\x1b"}}, Out: &out, Width: 20, Height: 24}, "switch to> ", nil, rows)
	for _, l := range strings.Split(out.String(), "\r\n") {
		l = l[strings.LastIndex(l, "\x1b[J")+1:]
		if i := strings.Index(l, "\x1b["); i >= 0 {
			l = l[:i]
		}
		if n := len([]rune(l)); n >= 20 {
			t.Errorf("line of %d columns on a 20-column screen: %q", n, l)
		}
	}
}
