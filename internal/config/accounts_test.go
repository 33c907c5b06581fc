package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/fsutil"
)

// arnPrefixRE is the shape every parsed Account.ARNPrefix must have.
var arnPrefixRE = regexp.MustCompile(`^arn:[a-z0-9-]+:iam::\d{12}:$`)

func mustParse(t *testing.T, in string) []*Account {
	t.Helper()
	list, err := ParseAccounts([]byte(in))
	if err != nil {
		t.Fatalf("ParseAccounts(%q): %v", in, err)
	}
	return list
}

func names(list []*Account) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.Name)
	}
	return out
}

func TestParseAccountsStringForm(t *testing.T) {
	tests := []struct {
		name, in                          string
		wantPrefix, wantID, wantPartition string
	}{
		{"with colon", `{"personal": "arn:aws:iam::987654321012:"}`, "arn:aws:iam::987654321012:", "987654321012", "aws"},
		{"missing trailing colon is normalised", `{"personal": "arn:aws:iam::987654321012"}`, "arn:aws:iam::987654321012:", "987654321012", "aws"},
		{"govcloud", `{"personal": "arn:aws-us-gov:iam::000000000001:"}`, "arn:aws-us-gov:iam::000000000001:", "000000000001", "aws-us-gov"},
		{"china without colon", `{"personal": "arn:aws-cn:iam::123456789012"}`, "arn:aws-cn:iam::123456789012:", "123456789012", "aws-cn"},
		{"surrounding whitespace", " \n\t{ \"personal\" :\n \"arn:aws:iam::987654321012:\" } \n", "arn:aws:iam::987654321012:", "987654321012", "aws"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list := mustParse(t, tt.in)
			if len(list) != 1 {
				t.Fatalf("got %d accounts, want 1", len(list))
			}
			a := list[0]
			if a.Name != "personal" || a.ARNPrefix != tt.wantPrefix || a.AccountID != tt.wantID || a.Partition != tt.wantPartition {
				t.Errorf("got name %q prefix %q id %q partition %q; want personal %q %q %q",
					a.Name, a.ARNPrefix, a.AccountID, a.Partition, tt.wantPrefix, tt.wantID, tt.wantPartition)
			}
			if a.Region != "" || a.MFASerialOverride != "" || a.SessionDuration != 0 || a.MFAProcess != "" || a.Roles != nil || a.RoleNames != nil {
				t.Errorf("string form set optional fields: %+v", *a)
			}
		})
	}
}

func TestParseAccountsObjectForm(t *testing.T) {
	// The example of SPEC.md, plus mfa_process.
	in := `{
  "personal": "arn:aws:iam::987654321012:",
  "work": {
    "arn": "arn:aws:iam::012123456789:",
    "region": "eu-west-1",
    "mfa_serial": "arn:aws:iam::012123456789:mfa/jbrowne-phone",
    "session_duration": "8h",
    "mfa_process": "  ykman oath accounts code -s aws  ",
    "roles": {
      "admin": "arn:aws:iam::012123456789:role/work-temporary-escalation",
      "readonly": "arn:aws:iam::012123456789:role/path/ReadOnly",
      "audit": "arn:aws:iam::999999999999:role/Audit"
    }
  }
}`
	list := mustParse(t, in)
	if got := names(list); !reflect.DeepEqual(got, []string{"personal", "work"}) {
		t.Fatalf("names = %q", got)
	}
	w := list[1]
	want := Account{
		Name:              "work",
		ARNPrefix:         "arn:aws:iam::012123456789:",
		AccountID:         "012123456789",
		Partition:         "aws",
		Region:            "eu-west-1",
		MFASerialOverride: "arn:aws:iam::012123456789:mfa/jbrowne-phone",
		SessionDuration:   8 * time.Hour,
		MFAProcess:        "ykman oath accounts code -s aws",
		Roles: map[string]string{
			"admin":    "arn:aws:iam::012123456789:role/work-temporary-escalation",
			"readonly": "arn:aws:iam::012123456789:role/path/ReadOnly",
			"audit":    "arn:aws:iam::999999999999:role/Audit",
		},
		// File order, not sorted.
		RoleNames: []string{"admin", "readonly", "audit"},
	}
	if !reflect.DeepEqual(*w, want) {
		t.Errorf("work =\n%+v\nwant\n%+v", *w, want)
	}
}

// Issue 22: which browser opens an account's console.
func TestParseAccountsConsoleBrowser(t *testing.T) {
	list := mustParse(t, `{"work": {"arn": "arn:aws:iam::012123456789:", "console_browser": " firefox ", "console_browser_profile": "Profile 1"}}`)
	if a := list[0]; a.ConsoleBrowser != "firefox" || a.ConsoleBrowserProfile != "Profile 1" {
		t.Errorf("console browser %q, profile %q", a.ConsoleBrowser, a.ConsoleBrowserProfile)
	}
}

func TestParseAccountsMinimalObject(t *testing.T) {
	list := mustParse(t, `{"w": {"arn": "arn:aws:iam::123456789012"}}`)
	want := Account{Name: "w", ARNPrefix: "arn:aws:iam::123456789012:", AccountID: "123456789012", Partition: "aws"}
	if !reflect.DeepEqual(*list[0], want) {
		t.Errorf("got %+v, want %+v", *list[0], want)
	}
}

func TestParseAccountsOrderPreserved(t *testing.T) {
	in := `{"zeta": "arn:aws:iam::111111111111:", "alpha": {"arn": "arn:aws:iam::222222222222:"},
	"mid": "arn:aws:iam::333333333333:", "Beta": "arn:aws:iam::444444444444:"}`
	list := mustParse(t, in)
	want := []string{"zeta", "alpha", "mid", "Beta"}
	if got := names(list); !reflect.DeepEqual(got, want) {
		t.Errorf("names = %q, want file order %q", got, want)
	}
	ids := []string{"111111111111", "222222222222", "333333333333", "444444444444"}
	for i, a := range list {
		if a.AccountID != ids[i] {
			t.Errorf("%s: AccountID = %q, want %q", a.Name, a.AccountID, ids[i])
		}
	}
}

func TestParseAccountsEmpty(t *testing.T) {
	for _, in := range []string{"{}", " { } ", "{\n}\n"} {
		list, err := ParseAccounts([]byte(in))
		if err != nil || len(list) != 0 {
			t.Errorf("ParseAccounts(%q) = %d accounts, %v; want none and no error", in, len(list), err)
		}
	}
}

func TestParseAccountsSessionDuration(t *testing.T) {
	tests := []struct {
		value string
		want  time.Duration
	}{
		{`"8h"`, 8 * time.Hour},
		{`"90m"`, 90 * time.Minute},
		{`"1h30m"`, 90 * time.Minute},
		{`"3600"`, time.Hour},
		{`" 2h "`, 2 * time.Hour},
		{`28800`, 8 * time.Hour},
		{`900`, 15 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			list := mustParse(t, `{"w": {"arn": "arn:aws:iam::123456789012:", "session_duration": `+tt.value+`}}`)
			if got := list[0].SessionDuration; got != tt.want {
				t.Errorf("SessionDuration = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseAccountsRegion(t *testing.T) {
	for _, r := range []string{"eu-west-1", "us-east-1", "us-gov-west-1", "cn-north-1", "ap-southeast-2", "eusc-de-east-1"} {
		t.Run(r, func(t *testing.T) {
			list := mustParse(t, `{"w": {"arn": "arn:aws:iam::123456789012:", "region": "`+r+`"}}`)
			if list[0].Region != r {
				t.Errorf("Region = %q, want %q", list[0].Region, r)
			}
		})
	}
}

// TestParseAccountsErrors checks that every malformed file is refused with a
// message that names the problem (and the account, when there is one).
func TestParseAccountsErrors(t *testing.T) {
	const arn = `"arn:aws:iam::123456789012:"`
	obj := func(fields string) string {
		return `{"work": {"arn": ` + arn + `, ` + fields + `}}`
	}
	tests := []struct {
		name string
		in   string
		want []string // substrings of the error
	}{
		// Top level.
		{"empty input", ``, []string{"unexpected end of file"}},
		{"only whitespace", " \n\t", []string{"unexpected end of file"}},
		{"top-level array", `[]`, []string{"top level must be a JSON object"}},
		{"top-level array of objects", `[{"work": ` + arn + `}]`, []string{"top level must be a JSON object"}},
		{"top-level string", `"arn:aws:iam::123456789012:"`, []string{"top level must be a JSON object"}},
		{"top-level null", `null`, []string{"top level must be a JSON object"}},
		{"top-level number", `12`, []string{"top level must be a JSON object"}},
		{"unterminated object", `{"work": ` + arn, []string{"unexpected end of file"}},
		{"unterminated after comma", `{"work": ` + arn + `,`, []string{"unexpected end of file"}},
		{"trailing garbage", `{"work": ` + arn + `} x`, []string{"unexpected data after the closing brace"}},
		{"second object", `{}{}`, []string{"unexpected data after the closing brace"}},
		{"trailing bracket", `{} ]`, []string{"unexpected data after the closing brace"}},
		{"trailing string", "{}\n\"more\"", []string{"unexpected data after the closing brace"}},

		// Names.
		{"duplicate name", `{"work": ` + arn + `, "home": ` + arn + `, "work": {"arn": ` + arn + `}}`, []string{`account "work" is listed twice`}},
		{"empty name", `{"": ` + arn + `}`, []string{"account name is empty"}},
		{"name with space", `{"my work": ` + arn + `}`, []string{`"my work"`, "may hold only"}},
		{"name with slash", `{"a/b": ` + arn + `}`, []string{`"a/b"`, "may hold only"}},
		{"name dot dot", `{"..": ` + arn + `}`, []string{`".."`, "may hold only"}},
		{"name leading dash", `{"-x": ` + arn + `}`, []string{`"-x"`, "may hold only"}},
		{"name leading dot", `{".x": ` + arn + `}`, []string{`".x"`, "may hold only"}},
		{"name with quote", `{"a\"b": ` + arn + `}`, []string{"may hold only"}},
		{"name with newline", `{"a\nb": ` + arn + `}`, []string{"may hold only"}},
		{"name non-ascii", `{"wörk": ` + arn + `}`, []string{"may hold only"}},
		{"name too long", `{"` + strings.Repeat("a", 65) + `": ` + arn + `}`, []string{"longer than 64"}},

		// Values.
		{"number value", `{"work": 123456789012}`, []string{`account "work"`, "ARN prefix string or an object"}},
		{"null value", `{"work": null}`, []string{`account "work"`, "ARN prefix string or an object"}},
		{"array value", `{"work": [` + arn + `]}`, []string{`account "work"`, "ARN prefix string or an object"}},
		{"bool value", `{"work": true}`, []string{`account "work"`, "ARN prefix string or an object"}},

		// Object fields.
		{"unknown field", obj(`"regoin": "eu-west-1"`), []string{`account "work"`, `unknown field "regoin"`}},
		{"arn missing", `{"work": {"region": "eu-west-1"}}`, []string{`account "work"`, `"arn" is missing`}},
		{"arn empty", `{"work": {"arn": ""}}`, []string{`"arn" is missing`}},
		{"arn not a string", `{"work": {"arn": 123456789012}}`, []string{`account "work"`}},
		{"field wrong type", obj(`"region": 5`), []string{`account "work"`}},

		// ARN prefixes.
		{"arn 11 digits", `{"work": "arn:aws:iam::12345678901:"}`, []string{`account "work"`, "not an IAM ARN prefix"}},
		{"arn 13 digits", `{"work": "arn:aws:iam::1234567890123:"}`, []string{"not an IAM ARN prefix"}},
		{"arn letter in id", `{"work": "arn:aws:iam::12345678901a:"}`, []string{"not an IAM ARN prefix"}},
		{"arn sts service", `{"work": "arn:aws:sts::123456789012:"}`, []string{"not an IAM ARN prefix"}},
		{"arn with region", `{"work": "arn:aws:iam:us-east-1:123456789012:"}`, []string{"not an IAM ARN prefix"}},
		{"arn no arn: prefix", `{"work": "aws:iam::123456789012:"}`, []string{"not an IAM ARN prefix"}},
		{"arn upper partition", `{"work": "arn:AWS:iam::123456789012:"}`, []string{"not an IAM ARN prefix"}},
		{"arn foreign partition", `{"work": "arn:gcp:iam::123456789012:"}`, []string{"not an IAM ARN prefix"}},
		{"arn empty partition", `{"work": "arn::iam::123456789012:"}`, []string{"not an IAM ARN prefix"}},
		{"arn two trailing colons", `{"work": "arn:aws:iam::123456789012::"}`, []string{"not an IAM ARN prefix"}},
		{"arn full user arn", `{"work": "arn:aws:iam::123456789012:user/alice"}`, []string{"not an IAM ARN prefix"}},
		{"arn empty string", `{"work": ""}`, []string{"not an IAM ARN prefix"}},
		{"arn with spaces", `{"work": " arn:aws:iam::123456789012:"}`, []string{"not an IAM ARN prefix"}},
		{"arn object bad", `{"work": {"arn": "arn:aws:iam::123:"}}`, []string{`account "work"`, "not an IAM ARN prefix"}},

		// Regions.
		{"region upper case", obj(`"region": "EU-WEST-1"`), []string{`region "EU-WEST-1"`}},
		{"region underscores", obj(`"region": "eu_west_1"`), []string{`region "eu_west_1"`}},
		{"region no dashes", obj(`"region": "euwest1"`), []string{`region "euwest1"`}},
		{"region one dash", obj(`"region": "eu-west"`), []string{`region "eu-west"`}},
		{"region space", obj(`"region": "eu-west-1 "`), []string{`region "eu-west-1 "`}},
		{"region too long", obj(`"region": "` + strings.Repeat("a-", 16) + `1"`), []string{"is not a region name"}},
		{"region injection", obj(`"region": "eu-west-1;rm -rf"`), []string{"is not a region name"}},

		// session_duration.
		{"duration unit", obj(`"session_duration": "8x"`), []string{`account "work"`, "session_duration"}},
		{"duration negative string", obj(`"session_duration": "-1h"`), []string{"session_duration"}},
		{"duration zero string", obj(`"session_duration": "0s"`), []string{"session_duration"}},
		{"duration empty string", obj(`"session_duration": ""`), []string{"session_duration"}},
		{"duration bool", obj(`"session_duration": true`), []string{"session_duration", `like "8h"`}},
		{"duration fraction", obj(`"session_duration": 1.5`), []string{"session_duration", `like "8h"`}},
		{"duration object", obj(`"session_duration": {}`), []string{"session_duration"}},
		{"duration too many digits", obj(`"session_duration": "1234567890"`), []string{"session_duration", "too long"}},

		// roles.
		{"role not an arn", obj(`"roles": {"admin": "admin"}`), []string{`account "work"`, `role "admin"`, "not a role ARN"}},
		{"role user arn", obj(`"roles": {"admin": "arn:aws:iam::123456789012:user/admin"}`), []string{`role "admin"`, "not a role ARN"}},
		{"role empty", obj(`"roles": {"admin": ""}`), []string{`role "admin"`, "not a role ARN"}},
		{"role number", obj(`"roles": {"admin": 5}`), []string{`role "admin" must be a role ARN string`}},
		{"role object", obj(`"roles": {"admin": {"arn": "arn:aws:iam::1:role/x"}}`), []string{`role "admin" must be a role ARN string`}},
		{"roles array", obj(`"roles": ["arn:aws:iam::123456789012:role/admin"]`), []string{"roles must be an object"}},
		{"roles string", obj(`"roles": "arn:aws:iam::123456789012:role/admin"`), []string{"roles must be an object"}},
		{"role twice", obj(`"roles": {"a": "arn:aws:iam::123456789012:role/a", "a": "arn:aws:iam::123456789012:role/b"}`), []string{`role "a" is listed twice`}},

		// mfa_serial.
		{"mfa_serial not an arn", obj(`"mfa_serial": "jbrowne-phone"`), []string{`account "work"`, "mfa_serial", "MFA device ARN"}},
		{"mfa_serial number", obj(`"mfa_serial": 5`), []string{`account "work"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := ParseAccounts([]byte(tt.in))
			if err == nil {
				t.Fatalf("ParseAccounts(%q) = %d accounts, want an error", tt.in, len(list))
			}
			if list != nil {
				t.Errorf("ParseAccounts returned accounts along with error %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.HasPrefix(err.Error(), "json:") {
				t.Errorf("error %q leaks the json: prefix", err)
			}
		})
	}
}

// TestParseAccountsSyntaxPosition checks that syntax errors in the structure
// of the file say where they are, pointing at the offending character.
func TestParseAccountsSyntaxPosition(t *testing.T) {
	tests := []struct {
		name, in string
		want     string
	}{
		{"missing colon", "{\n  \"a\": \"arn:aws:iam::123456789012:\",\n  \"b\" \"arn:aws:iam::123456789012:\"\n}", "line 3, column 7: "},
		{"missing comma", "{\n\t\"a\": \"arn:aws:iam::123456789012:\"\n\t\"b\": \"arn:aws:iam::123456789012:\"}", "line 3, column 2: "},
		{"leading comma", "{,}", "line 1, column 2: "},
		{"unquoted key", "{\n\n    work: 1}", "line 3, column 5: "},
		{"trailing comma", "{\"a\": \"arn:aws:iam::123456789012:\",\n}", "line 2, column 1: "},
		// Inside an entry's value, the position is still the file's.
		{"bad value", `{"a" : x}`, "line 1, column 8: "},
		{"trailing comma in object", "{\n  \"a\": {\"arn\": \"arn:aws:iam::123456789012:\",}\n}", "line 2, column 45: "},
		{"unquoted region", "{\n  \"a\": \"arn:aws:iam::123456789012:\",\n  \"b\": {\n    \"arn\": \"arn:aws:iam::123456789012:\",\n    \"region\": eu-west-1\n  }\n}", "line 5, column 15: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAccounts([]byte(tt.in))
			if err == nil {
				t.Fatalf("no error for %q", tt.in)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q, want it to start with %q", err, tt.want)
			}
		})
	}
}

func TestPosition(t *testing.T) {
	data := []byte("ab\ncd\n\nef")
	tests := []struct {
		off       int64
		line, col int
	}{
		{0, 1, 1}, {1, 1, 2}, {2, 1, 3}, {3, 2, 1}, {4, 2, 2}, {6, 3, 1}, {7, 4, 1}, {8, 4, 2},
		{100, 4, 3}, // clamped to the end
	}
	for _, tt := range tests {
		line, col := position(data, tt.off)
		if line != tt.line || col != tt.col {
			t.Errorf("position(%d) = %d:%d, want %d:%d", tt.off, line, col, tt.line, tt.col)
		}
	}
}

func TestAccountMFASerial(t *testing.T) {
	tests := []struct {
		name string
		acc  Account
		user string
		want string
	}{
		{"derived", Account{ARNPrefix: "arn:aws:iam::123456789012:"}, "alice", "arn:aws:iam::123456789012:mfa/alice"},
		{"derived govcloud", Account{ARNPrefix: "arn:aws-us-gov:iam::123456789012:"}, "bob", "arn:aws-us-gov:iam::123456789012:mfa/bob"},
		{"override wins", Account{ARNPrefix: "arn:aws:iam::123456789012:", MFASerialOverride: "arn:aws:iam::123456789012:mfa/phone"}, "alice", "arn:aws:iam::123456789012:mfa/phone"},
		{"override without prefix", Account{MFASerialOverride: "arn:aws:iam::1:mfa/x"}, "alice", "arn:aws:iam::1:mfa/x"},
		{"no prefix", Account{}, "alice", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.acc.MFASerial(tt.user); got != tt.want {
				t.Errorf("MFASerial(%q) = %q, want %q", tt.user, got, tt.want)
			}
		})
	}
	// From a parsed file, the derived serial uses the normalised prefix.
	list := mustParse(t, `{"w": "arn:aws:iam::123456789012"}`)
	if got, want := list[0].MFASerial("carol"), "arn:aws:iam::123456789012:mfa/carol"; got != want {
		t.Errorf("parsed MFASerial = %q, want %q", got, want)
	}
}

func TestLoadAccounts(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "accounts.json")
	if err := os.WriteFile(good, []byte(`{"b": "arn:aws:iam::111111111111:", "a": {"arn": "arn:aws:iam::222222222222:", "region": "eu-west-1"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"b": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.json")

	accs, err := LoadAccounts(good, false)
	if err != nil {
		t.Fatal(err)
	}
	if accs.Path != good {
		t.Errorf("Path = %q, want %q", accs.Path, good)
	}
	if got := accs.Names(); !reflect.DeepEqual(got, []string{"b", "a"}) {
		t.Errorf("Names = %q", got)
	}
	if a := accs.Get("a"); a == nil || a.Region != "eu-west-1" {
		t.Errorf("Get(a) = %+v", a)
	}
	if a := accs.Get("c"); a != nil {
		t.Errorf("Get(c) = %+v, want nil", a)
	}
	if len(accs.All()) != 2 || accs.All()[0].Name != "b" {
		t.Errorf("All = %v", accs.All())
	}

	accs, err = LoadAccounts(missing, true)
	if err != nil || accs.Path != "" || len(accs.Names()) != 0 {
		t.Errorf("optional missing file: %+v, %v", accs, err)
	}
	if _, err := LoadAccounts(missing, false); err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("required missing file: %v", err)
	}
	if _, err := LoadAccounts(bad, true); err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), `account "b"`) {
		t.Errorf("malformed file: %v", err)
	}
	if _, err := LoadAccounts(dir, true); err == nil || !strings.Contains(err.Error(), "cannot read accounts file") {
		t.Errorf("directory as accounts file: %v", err)
	}
}

// TestLoadAccountsFile: the accounts file goes through the safe reader.
func TestLoadAccountsFile(t *testing.T) {
	tests := []fileCase{
		{name: "BOM and CRLF", setup: writeFile("\xef\xbb\xbf{\r\n  \"a\": \"arn:aws:iam::123456789012:\"\r\n}\r\n")},
		{name: "NUL", setup: writeFile("{\"a\": \"arn:aws:iam::123456789012:\"}\x00"),
			want: []string{"malformed accounts file", "NUL byte", "--config / AWSENV_CONFIG"}, wantErr: fsutil.ErrBinary},
		{name: "UTF-16", setup: writeFile("\xff\xfe{\x00}\x00"), want: []string{"malformed accounts file", "NUL byte"}, wantErr: fsutil.ErrBinary},
		{name: "syntax error after a BOM", setup: writeFile("\xef\xbb\xbf{\n  \"a\": x\n}"), want: []string{"malformed accounts file", "line 2, column 8: invalid character 'x'"}},
		{name: "too large", setup: writeFile("{" + strings.Repeat(" ", maxAccountsFile) + "}"),
			want: []string{"malformed accounts file", "too large (over 4 MiB)"}, wantErr: fsutil.ErrTooLarge},
	}
	if runtime.GOOS != "windows" {
		tests = append(tests,
			fileCase{name: "fifo", setup: func(t *testing.T, path string) {
				if err := mkfifo(path); err != nil {
					t.Skip(err)
				}
			}, want: []string{"cannot read accounts file", "named pipe (FIFO), not a regular file"}, wantErr: fsutil.ErrNotRegular},
			fileCase{name: "symlink to /dev/zero", setup: func(t *testing.T, path string) { os.Symlink("/dev/zero", path) },
				want: []string{"cannot read accounts file", "character device"}, wantErr: fsutil.ErrNotRegular},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "accounts.json")
			tt.setup(t, path)
			accs, err := LoadAccounts(path, true)
			if tt.want == nil {
				if err != nil || accs.Get("a") == nil {
					t.Fatalf("LoadAccounts: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append(tt.want, path) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v is not %v", err, tt.wantErr)
			}
		})
	}
}

// FuzzParseAccounts checks that ParseAccounts never panics and that whatever
// it accepts is well-formed.
func FuzzParseAccounts(f *testing.F) {
	f.Add([]byte(`{"personal": "arn:aws:iam::987654321012:", "work": {"arn": "arn:aws:iam::012123456789", "region": "eu-west-1", "roles": {"admin": "arn:aws:iam::012123456789:role/x"}}}`))
	f.Add([]byte(`{"a": {"arn": "arn:aws:iam::123456789012:", "session_duration": 3600, "mfa_serial": "arn:aws:iam::123456789012:mfa/a"}}`))
	f.Add([]byte(`{"a": "arn:aws:iam::123456789012:", "a": "arn:aws:iam::123456789012:"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"a": {"roles": {"r": 1}}}`))
	f.Add([]byte("\xef\xbb\xbf{\"a\": \"arn:aws:iam::123456789012:\"}\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := ParseAccounts(data)
		if err != nil {
			if list != nil {
				t.Fatalf("accounts returned with error %v", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		seen := map[string]bool{}
		for _, a := range list {
			if err := CheckName(a.Name); err != nil {
				t.Fatalf("accepted account with invalid name: %v", err)
			}
			if seen[a.Name] {
				t.Fatalf("account %q accepted twice", a.Name)
			}
			seen[a.Name] = true
			if !arnPrefixRE.MatchString(a.ARNPrefix) {
				t.Fatalf("account %q: ARNPrefix %q has the wrong shape", a.Name, a.ARNPrefix)
			}
			if a.ARNPrefix != "arn:"+a.Partition+":iam::"+a.AccountID+":" {
				t.Fatalf("account %q: ARNPrefix %q disagrees with partition %q and id %q", a.Name, a.ARNPrefix, a.Partition, a.AccountID)
			}
			if len(a.RoleNames) != len(a.Roles) {
				t.Fatalf("account %q: RoleNames %q vs Roles %v", a.Name, a.RoleNames, a.Roles)
			}
			for _, r := range a.RoleNames {
				arn, ok := a.Roles[r]
				if !ok || !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":role/") {
					t.Fatalf("account %q: role %q = %q", a.Name, r, arn)
				}
			}
			if a.MFASerialOverride != "" && !strings.HasPrefix(a.MFASerialOverride, "arn:") {
				t.Fatalf("account %q: mfa_serial %q", a.Name, a.MFASerialOverride)
			}
		}
	})
}

func TestParseAccountsNumericDurationBounds(t *testing.T) {
	for _, v := range []string{"-5", "0", `"0"`, "36028797018967568"} {
		in := `{"a": {"arn": "arn:aws:iam::123456789012:", "session_duration": ` + v + `}}`
		if _, err := ParseAccounts([]byte(in)); err == nil {
			t.Errorf("session_duration %s accepted", v)
		}
	}
	for _, r := range []string{"--", "a--", "eu-west", "eu-west-x"} {
		in := `{"a": {"arn": "arn:aws:iam::123456789012:", "region": "` + r + `"}}`
		if _, err := ParseAccounts([]byte(in)); err == nil {
			t.Errorf("region %q accepted", r)
		}
	}
	if _, err := ParseAccounts([]byte(`{"a": {"arn": "arn:aws:iam::123456789012:", "region": "us-gov-west-1"}}`)); err != nil {
		t.Errorf("us-gov-west-1 refused: %v", err)
	}
}
