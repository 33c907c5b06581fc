package config

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// This file is the fast path of ParseAccounts. encoding/json's token stream
// costs about a microsecond a token, which at thousands of accounts is most
// of a switch; here the file is checked once with json.Valid and then cut
// into entries by hand, and the common shapes of an entry (plain strings,
// the known keys, a roles object of plain strings) are decoded without
// encoding/json. Anything else, and every error, goes the slow way, so
// messages and corner cases (escapes, null, keys in other cases, unknown
// keys) are encoding/json's exactly. FuzzParseAccountsFastPath holds the
// two ways (parseEntry with fast true and false) to the same answers.

// member is one "name": value pair of a JSON object, as byte offsets.
type member struct {
	keyStart, keyEnd int // the key with its quotes
	valStart, valEnd int
}

// splitObject cuts a JSON document whose top level is an object into its
// members, in order. ok is false when data is not valid JSON or not an
// object: the caller then takes the slow path for its error.
func splitObject(data []byte) (members []member, ok bool) {
	if !json.Valid(data) {
		return nil, false
	}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, false
	}
	members = make([]member, 0, bytes.Count(data, []byte{'\n'})+1)
	i = skipSpace(data, i+1)
	if data[i] == '}' {
		return members, true
	}
	for {
		var m member
		m.keyStart = i
		i = skipString(data, i)
		m.keyEnd = i
		i = skipSpace(data, i)
		i = skipSpace(data, i+1) // the colon
		m.valStart = i
		i = skipValue(data, i)
		m.valEnd = i
		members = append(members, m)
		i = skipSpace(data, i)
		if data[i] == '}' {
			return members, true
		}
		i = skipSpace(data, i+1) // the comma
	}
}

// skipSpace returns the offset of the first byte at or after i that is not
// JSON white space.
func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the offset just past the string that starts at
// data[i] == '"'; data is valid JSON.
func skipString(data []byte, i int) int {
	i++
	for {
		j := bytes.IndexByte(data[i:], '"')
		if j < 0 {
			return len(data)
		}
		i += j
		k := i - 1
		for data[k] == '\\' {
			k--
		}
		if (i-1-k)%2 == 0 { // an even number of backslashes: not escaped
			return i + 1
		}
		i++
	}
}

// skipValue returns the offset just past the value that starts at data[i];
// data is valid JSON.
func skipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				i = skipString(data, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(data) { // a number, true, false or null
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// plainString returns the content of a JSON string that decodes to its
// own bytes: no escapes, nothing encoding/json would replace. ok is false
// for any other value.
func plainString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	s := raw[1 : len(raw)-1]
	for _, c := range s {
		if c == '\\' || c == '"' || c < 0x20 {
			return "", false
		}
		if c >= utf8.RuneSelf {
			if !utf8.Valid(s) {
				return "", false
			}
			break
		}
	}
	return string(s), true
}

// plainStringIf is plainString when fast, else never ok.
func plainStringIf(fast bool, raw []byte) (string, bool) {
	if !fast {
		return "", false
	}
	return plainString(raw)
}

// decodeObjectFast fills obj from an entry's object when it has only
// known keys, once each, with plain values (roles and session_duration are
// kept raw, as encoding/json keeps a RawMessage). ok is false for anything
// else; obj is then untouched and encoding/json decodes the entry.
func decodeObjectFast(raw []byte, obj *accountObject) bool {
	var buf [8]member
	members, ok := splitMembers(raw, buf[:0])
	if !ok {
		return false
	}
	var o accountObject
	var seen [6]bool
	for _, m := range members {
		key, ok := plainString(raw[m.keyStart:m.keyEnd])
		if !ok {
			return false
		}
		val := raw[m.valStart:m.valEnd]
		var field *string
		slot := 0
		switch key {
		case "arn":
			field, slot = &o.ARN, 0
		case "region":
			field, slot = &o.Region, 1
		case "mfa_serial":
			field, slot = &o.MFASerial, 2
		case "mfa_process":
			field, slot = &o.MFAProcess, 3
		case "session_duration":
			slot = 4
			if val[0] != '"' && (val[0] < '0' || val[0] > '9') {
				return false
			}
			o.SessionDuration = json.RawMessage(val)
		case "roles":
			slot = 5
			if val[0] != '{' {
				return false
			}
			o.Roles = json.RawMessage(val)
		default:
			return false // web_identity, keys, unknown keys, keys in another case
		}
		if seen[slot] {
			return false // encoding/json keeps the last one
		}
		seen[slot] = true
		if field != nil {
			s, ok := plainString(val)
			if !ok {
				return false
			}
			*field = s
		}
	}
	*obj = o
	return true
}

// splitMembers is splitObject for a value already known to be valid JSON
// (a part of a valid file), appending to members.
func splitMembers(raw []byte, members []member) ([]member, bool) {
	if len(raw) < 2 || raw[0] != '{' {
		return nil, false
	}
	i := skipSpace(raw, 1)
	if raw[i] == '}' {
		return members, true
	}
	for i < len(raw) {
		if raw[i] != '"' {
			return nil, false
		}
		var m member
		m.keyStart = i
		i = skipString(raw, i)
		m.keyEnd = i
		i = skipSpace(raw, i)
		if i >= len(raw) || raw[i] != ':' {
			return nil, false
		}
		i = skipSpace(raw, i+1)
		if i >= len(raw) {
			return nil, false
		}
		m.valStart = i
		i = skipValue(raw, i)
		m.valEnd = i
		members = append(members, m)
		i = skipSpace(raw, i)
		if i >= len(raw) {
			return nil, false
		}
		if raw[i] == '}' {
			return members, true
		}
		if raw[i] != ',' {
			return nil, false
		}
		i = skipSpace(raw, i+1)
	}
	return nil, false
}

// rolesFast parses a roles object whose names and ARNs are plain strings
// (plainStringIf fast), all of them role ARNs, no name twice. ok is false
// for anything else: the slow path then finds the first problem and says
// what it is.
func rolesFast(raw []byte, fast bool) (roles map[string]string, names []string, ok bool) {
	var buf [8]member
	members, ok := splitMembers(raw, buf[:0])
	if !ok {
		return nil, nil, false
	}
	roles = make(map[string]string, len(members))
	names = make([]string, 0, len(members))
	for _, m := range members {
		role, ok1 := plainStringIf(fast, raw[m.keyStart:m.keyEnd])
		arn, ok2 := plainStringIf(fast, raw[m.valStart:m.valEnd])
		if !ok1 || !ok2 || !validRoleARN(arn) {
			return nil, nil, false
		}
		if _, dup := roles[role]; dup {
			return nil, nil, false
		}
		roles[role] = arn
		names = append(names, role)
	}
	return roles, names, true
}

// unmarshalUnless decodes raw into v with encoding/json unless done, when
// the fast path already has.
func unmarshalUnless(done bool, raw []byte, v any) error {
	if done {
		return nil
	}
	return json.Unmarshal(raw, v)
}

// unquoteKey decodes a JSON string the way encoding/json does.
func unquoteKey(raw []byte) string {
	if s, ok := plainString(raw); ok {
		return s
	}
	var s string
	json.Unmarshal(raw, &s) // part of a valid document: it decodes
	return s
}
