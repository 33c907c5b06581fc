package xerr

import "testing"

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
