package pyjson

import "testing"

// A rewrite keeps every field another tool put there, in its place, and
// writes as Python's json.dumps does.
func TestRoundTrip(t *testing.T) {
	o, err := Parse([]byte(`{"b":1,"extra":{"x":[1,2],"y":"é"},"a":"v"}`))
	if err != nil {
		t.Fatal(err)
	}
	o.SetString("a", "w")
	o.SetString("new", "ü\n")
	got := string(o.Encode([]string{"a", "b"}))
	want := `{"a": "w", "b": 1, "extra": {"x": [1, 2], "y": "é"}, "new": "\u00fc\n"}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	o.SetString("a", "")
	o.Delete("extra")
	if got := string(o.Encode(nil)); got != `{"b": 1, "new": "\u00fc\n"}` {
		t.Errorf("after deletes: %s", got)
	}
	if s, ok := o.String("b"); ok || s != "" {
		t.Errorf("a number read as a string: %q %v", s, ok)
	}
}

func TestParseRefuses(t *testing.T) {
	for in, want := range map[string]string{
		`[1]`:      "it is not a JSON object",
		`{"a":`:    "it is not valid JSON",
		`{"a":1}x`: "it has data after the JSON object",
	} {
		if _, err := Parse([]byte(in)); err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}
