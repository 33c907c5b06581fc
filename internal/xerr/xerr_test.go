package xerr

import (
	"strings"
	"testing"
)

func TestDidYouMean(t *testing.T) {
	names := []string{"work", "personal", "admin", "readonly", "switch"}
	for _, tt := range []struct{ s, want string }{
		{"wrok", " (did you mean work?)"},
		{"wor", " (did you mean work?)"},
		{"persnal", " (did you mean personal?)"},
		{"admn", " (did you mean admin?)"},
		{"readonyl", " (did you mean readonly?)"},
		{"swich", " (did you mean switch?)"},
		{"xyz", ""},
		{"prod", ""},
		{"", ""},
	} {
		if got := DidYouMean(tt.s, names); got != tt.want {
			t.Errorf("DidYouMean(%q) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestOneLineAndClip(t *testing.T) {
	if got := OneLine("  the key\nwas refused.\n"); got != "the key was refused" {
		t.Errorf("OneLine: %q", got)
	}
	if got := Clip("a\nb\r\n\tc\x1b[31m\x7f", 10); got != "a b c [31m" {
		t.Errorf("Clip of control characters: %q", got)
	}
	if got := Clip(strings.Repeat("é", 12), 10); got != strings.Repeat("é", 10)+"..." {
		t.Errorf("Clip cuts runes, not bytes: %q", got)
	}
}
