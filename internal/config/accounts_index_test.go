package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// parseBothWays is ParseAccounts by the fast path and by encoding/json alone.
func parseBothWays(data []byte) (fast, slow []*Account, fastErr, slowErr error) {
	fast, fastErr = ParseAccounts(data)
	slow, slowErr = parseAccountsStream(bytes.TrimPrefix(data, []byte(bom)), false)
	return
}

// FuzzParseAccountsFastPath: the fast path gives what encoding/json alone
// gives, accounts and error messages alike.
func FuzzParseAccountsFastPath(f *testing.F) {
	for _, s := range []string{
		`{"personal": "arn:aws:iam::987654321012:", "work": {"arn": "arn:aws:iam::012123456789", "region": "eu-west-1", "roles": {"admin": "arn:aws:iam::012123456789:role/x"}}}`,
		`{"a": {"arn": "arn:aws:iam::123456789012:", "session_duration": 3600, "mfa_serial": "arn:aws:iam::123456789012:mfa/a", "mfa_process": " pass otp "}}`,
		`{"a": {"arn": "arn:aws:iam::123456789012:", "session_duration": "8h"}}`,
		`{"a": {"arn": "arn:aws:iam::123456789012:", "session_duration": 1e3}}`,
		`{"a": {"arn": "arn:aws:iam::123456789012:", "session_duration": null}}`,
		`{"a": {"arn": "arn:aws:iam::123456789012:", "region": null}}`,
		`{"a": {"ARN": "arn:aws:iam::123456789012:"}}`,
		`{"a": {"arn": "arn:aws:iam::123456789012:", "arn": "arn:aws:iam::123456789013:"}}`,
		`{"a": {"arn": "arn:aws:iam::123456789012:", "roles": {"r": "arn:aws:iam::1:role/r", "r": "arn:aws:iam::1:role/s"}}}`,
		`{"a": {"arn": "arn:aws:iam::123456789012:", "roles": {"r": "arn:aws:iam::1:user/r"}}}`,
		`{"a": {"arn": "arn:aws:iam::123456789012:", "roles": {"r\u00e9": "arn:aws:iam::1:role/r"}}}`,
		`{"a": {"arn": "arn:aws:iam::123456789012:", "roles": []}}`,
		`{"a": {"arn": "arn:aws:iam::123456789012:", "roles": {}}}`,
		`{"a": {"arn": "arn:aws:iam::123456789012:", "keys": "keyring"}}`,
		`{"a": {"arn": "arn:aws:iam::123456789012:", "unknown": 1}}`,
		`{"a": {"web_identity": {"issuer": "https://idp.example", "client_id": "c", "role_arn": "arn:aws:iam::123456789012:role/r"}}}`,
		`{"\u0061": "arn:aws:iam::123456789012:"}`,
		`{"a\"b": "arn:aws:iam::123456789012:"}`,
		`{"é": "arn:aws:iam::123456789012:"}`,
		"{\"a\xff\": \"arn:aws:iam::123456789012:\"}",
		"{\"a\": \"arn:aws:iam::123456789012:\xff\"}",
		`{"a": "arn:aws:iam::123456789012:\u0041"}`,
		`{"a": "arn:aws:iam::123456789012:", "a": "arn:aws:iam::123456789012:"}`,
		`{"a": 1}`, `{"a": [1]}`, `{"a": true}`, `{"a": {}}`, `{}`, `[]`, `"x"`, `{"a": "x"} {}`, `{"a": "x",}`, ``,
		" \r\n\t{ \"a\" :\r\n \"arn:aws:iam::123456789012:\" , \"b\" : { \"arn\" : \"arn:aws:iam::123456789012:\" } } \n",
		"\xef\xbb\xbf{\"a\": \"arn:aws:iam::123456789012:\"}\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, slow, fastErr, slowErr := parseBothWays(data)
		if fmt.Sprint(fastErr) != fmt.Sprint(slowErr) {
			t.Fatalf("fast path error %v, encoding/json error %v", fastErr, slowErr)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("fast path\n%+v\nencoding/json\n%+v", fast, slow)
		}
	})
}

// scaleAccounts is an accounts file of n entries of both forms.
func scaleAccounts(n int) string {
	var sb strings.Builder
	sb.WriteString("{\n")
	for i := range n {
		if i > 0 {
			sb.WriteString(",\n")
		}
		if i%2 == 0 {
			fmt.Fprintf(&sb, "  \"acct%d\": \"arn:aws:iam::%012d:\"", i, i)
		} else {
			fmt.Fprintf(&sb, `  "acct%d": {"arn": "arn:aws:iam::%012d:", "region": "eu-west-1", "session_duration": "8h", "roles": {"admin": "arn:aws:iam::%012d:role/admin"}}`, i, i, i)
		}
	}
	sb.WriteString("\n}\n")
	return sb.String()
}

// spanIndex is an AccountIndex kept in memory.
type spanIndex struct {
	spans []AccountSpan
	asked int
}

func (ix *spanIndex) Span(name string) (AccountSpan, bool, error) {
	ix.asked++
	for _, sp := range ix.spans {
		if sp.Name == name {
			return sp, true, nil
		}
	}
	return AccountSpan{}, false, nil
}

func (ix *spanIndex) Names() ([]string, error) {
	var names []string
	for _, sp := range ix.spans {
		names = append(names, sp.Name)
	}
	return names, nil
}

// Rows: the in-memory index holds none, so Rows parses the file.
func (ix *spanIndex) Rows() ([]AccountRow, error) { return nil, nil }

func writeAccountsFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "accounts.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadAccountsSpans(t *testing.T) {
	for _, prefix := range []string{"", "\xef\xbb\xbf", "\xef\xbb\xbf\xef\xbb\xbf"} {
		t.Run(fmt.Sprintf("%q", prefix), func(t *testing.T) {
			content := prefix + " {\"a\": \"arn:aws:iam::123456789012:\",\r\n \"b\" : {\"arn\": \"arn:aws:iam::123456789012:\", \"roles\": {\"r\": \"arn:aws:iam::1:role/r\"}}}\n"
			path := writeAccountsFile(t, content)
			accs, spans, st, err := LoadAccountsSpans(path, false)
			if err != nil {
				t.Fatal(err)
			}
			if st == nil || st.Size() != int64(len(content)) {
				t.Fatalf("file info %v", st)
			}
			want := []string{`"a": "arn:aws:iam::123456789012:"`, `"b" : {"arn": "arn:aws:iam::123456789012:", "roles": {"r": "arn:aws:iam::1:role/r"}}`}
			if len(spans) != len(want) || len(accs.All()) != len(want) {
				t.Fatalf("spans %+v", spans)
			}
			for i, sp := range spans {
				if got := content[sp.Start:sp.End]; got != want[i] || sp.Name != accs.All()[i].Name {
					t.Errorf("span %d (%s) cuts %q, want %q", i, sp.Name, got, want[i])
				}
			}
		})
	}
	accs, spans, st, err := LoadAccountsSpans(filepath.Join(t.TempDir(), "none.json"), true)
	if err != nil || spans != nil || st != nil || len(accs.Names()) != 0 {
		t.Errorf("missing optional file: %v %v %v %v", accs, spans, st, err)
	}
}

func TestIndexedAccounts(t *testing.T) {
	content := scaleAccounts(40)
	path := writeAccountsFile(t, content)
	full, spans, _, err := LoadAccountsSpans(path, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("same answers as a full load", func(t *testing.T) {
		ix := &spanIndex{spans: spans}
		accs := IndexedAccounts(path, ix)
		if !reflect.DeepEqual(accs.Names(), full.Names()) {
			t.Errorf("Names %v, want %v", accs.Names(), full.Names())
		}
		for _, n := range []string{"acct7", "acct0", "acct7", "nope"} {
			got, err := accs.Entry(n)
			if err != nil || !reflect.DeepEqual(got, full.Get(n)) {
				t.Errorf("Entry(%q) = %+v, %v; want %+v", n, got, err, full.Get(n))
			}
		}
		if accs.lazy == nil {
			t.Error("a few entries read the whole file")
		}
		if !reflect.DeepEqual(accs.All(), full.All()) {
			t.Error("All differs from a full load")
		}
	})
	t.Run("many lookups read the whole file once", func(t *testing.T) {
		accs := IndexedAccounts(path, &spanIndex{spans: spans})
		for i := range 40 {
			n := fmt.Sprint("acct", i)
			if got := accs.Get(n); !reflect.DeepEqual(got, full.Get(n)) {
				t.Fatalf("Get(%q) = %+v", n, got)
			}
		}
		if accs.lazy != nil || len(accs.list) != 40 {
			t.Error("the whole file was not read")
		}
	})
	t.Run("an entry changed under the index is read afresh", func(t *testing.T) {
		edited := strings.Replace(content, `"acct7": {"arn": "arn:aws:iam::000000000007:", "region": "eu-west-1"`, `"acct7": {"arn": "arn:aws:iam::000000000007:", "region": "eu-west-2"`, 1)
		if len(edited) != len(content) || edited == content {
			t.Fatal("bad edit")
		}
		p := writeAccountsFile(t, edited)
		accs := IndexedAccounts(p, &spanIndex{spans: spans})
		if got := accs.Get("acct7"); got == nil || got.Region != "eu-west-2" {
			t.Errorf("acct7 = %+v, want the edited region", got)
		}
	})
	t.Run("a file broken under the index is an error", func(t *testing.T) {
		p := writeAccountsFile(t, strings.Replace(content, `"acct7"`, `"acct7`, 1))
		accs := IndexedAccounts(p, &spanIndex{spans: spans})
		if _, err := accs.Entry("acct7"); err == nil || !strings.Contains(err.Error(), "malformed accounts file") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("an index that points elsewhere is not believed", func(t *testing.T) {
		moved := append([]AccountSpan(nil), spans...)
		moved[7].Name, moved[8].Name = moved[8].Name, moved[7].Name
		accs := IndexedAccounts(path, &spanIndex{spans: moved})
		if got := accs.Get("acct7"); !reflect.DeepEqual(got, full.Get("acct7")) {
			t.Errorf("acct7 = %+v", got)
		}
	})
}

// BenchmarkIndexedAccountsEntry: what a switch reads of an indexed file.
func BenchmarkIndexedAccountsEntry(b *testing.B) {
	path := filepath.Join(b.TempDir(), "accounts.json")
	if err := os.WriteFile(path, []byte(scaleAccounts(5000)), 0o600); err != nil {
		b.Fatal(err)
	}
	_, spans, _, err := LoadAccountsSpans(path, false)
	if err != nil {
		b.Fatal(err)
	}
	m := map[string]AccountSpan{}
	for _, sp := range spans {
		m[sp.Name] = sp
	}
	ix := mapIndex(m)
	b.ReportAllocs()
	for b.Loop() {
		if acc, err := IndexedAccounts(path, ix).Entry("acct2501"); err != nil || acc == nil {
			b.Fatal(err)
		}
	}
}

type mapIndex map[string]AccountSpan

func (m mapIndex) Span(name string) (AccountSpan, bool, error) { sp, ok := m[name]; return sp, ok, nil }
func (m mapIndex) Names() ([]string, error)                    { return nil, nil }
func (m mapIndex) Rows() ([]AccountRow, error)                 { return nil, nil }
