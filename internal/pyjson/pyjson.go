// Package pyjson reads and writes JSON objects as the AWS CLI keeps them in
// its caches (~/.aws/sso/cache, ~/.aws/login/cache): written by Python's
// json.dumps (", " and ": " separators, non-ASCII escaped), read by every
// tool that shares the cache, each of which may add fields of its own. An
// Object keeps every field it read, in order, so that a rewrite loses
// nothing another tool put there.
package pyjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Object is a JSON object with its fields in the order they came, every
// one kept as read.
type Object struct {
	fields map[string]json.RawMessage
	order  []string
}

// New is an empty object.
func New() *Object { return &Object{fields: map[string]json.RawMessage{}} }

// Parse reads one JSON object; its error says, for a message about the
// file, what is wrong ("it is not a JSON object", ...).
func Parse(data []byte) (*Object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	o := New()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("it is not a JSON object")
	}
	invalid := errors.New("it is not valid JSON")
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, invalid
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, invalid
		}
		if _, dup := o.fields[key]; !dup {
			o.order = append(o.order, key)
		}
		o.fields[key] = raw
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, invalid
	}
	if len(bytes.TrimSpace(data[dec.InputOffset():])) > 0 {
		return nil, errors.New("it has data after the JSON object")
	}
	return o, nil
}

// Raw is a field as read, and whether it is there.
func (o *Object) Raw(key string) (json.RawMessage, bool) {
	raw, ok := o.fields[key]
	return raw, ok
}

// String is a string field ("" when absent or null); ok is false when it
// is there but not a string.
func (o *Object) String(key string) (string, bool) {
	raw, ok := o.fields[key]
	if !ok || string(raw) == "null" {
		return "", true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// SetRaw sets a field to a JSON value, after the others when it is new.
func (o *Object) SetRaw(key string, raw []byte) {
	if _, ok := o.fields[key]; !ok {
		o.order = append(o.order, key)
	}
	o.fields[key] = raw
}

// SetString sets a string field as json.dumps writes it; "" deletes it.
func (o *Object) SetString(key, v string) {
	if v == "" {
		o.Delete(key)
		return
	}
	o.SetRaw(key, []byte(String(v)))
}

// Delete removes a field.
func (o *Object) Delete(key string) {
	if _, ok := o.fields[key]; !ok {
		return
	}
	delete(o.fields, key)
	o.order = slices.DeleteFunc(o.order, func(k string) bool { return k == key })
}

// Encode writes the fields, those in first in that order and then the
// others as they came, as Python's json.dumps spaces them.
func (o *Object) Encode(first []string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	keys := slices.Clone(first)
	for _, k := range o.order {
		if !slices.Contains(first, k) {
			keys = append(keys, k)
		}
	}
	n := 0
	for _, k := range keys {
		raw, ok := o.fields[k]
		if !ok {
			continue
		}
		if n > 0 {
			b.WriteString(", ")
		}
		n++
		b.WriteString(String(k))
		b.WriteString(": ")
		b.Write(Value(raw))
	}
	b.WriteByte('}')
	return b.Bytes()
}

// String is s as Python's json.dumps writes it (ensure_ascii).
func String(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || r > 0x7e:
			if r == utf8.RuneError {
				r = 0xfffd
			}
			if r > 0xffff {
				r1, r2 := utf16.EncodeRune(r)
				fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Strings is a list of strings as json.dumps writes it.
func Strings(list []string) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = String(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Value re-spaces a JSON value the way json.dumps does; a value that does
// not parse is kept as it is.
func Value(raw json.RawMessage) []byte {
	var compact bytes.Buffer
	if json.Compact(&compact, raw) != nil {
		return raw
	}
	in := compact.Bytes()
	var out bytes.Buffer
	inString := false
	for i := 0; i < len(in); i++ {
		c := in[i]
		out.WriteByte(c)
		switch {
		case inString && c == '\\':
			i++
			if i < len(in) {
				out.WriteByte(in[i])
			}
		case c == '"':
			inString = !inString
		case !inString && (c == ',' || c == ':'):
			out.WriteByte(' ')
		}
	}
	return out.Bytes()
}
