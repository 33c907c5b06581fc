package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/awsenv/awsenv/internal/fsutil"
)

const (
	testConfig      = "/home/u/.aws/config"
	testCredentials = "/home/u/.aws/credentials"
)

// dump renders what was parsed, one sorted line per setting:
// "profile NAME KEY=VALUE", "sso-session NAME KEY=VALUE",
// "services NAME KEY.SUB=VALUE"; a profile without settings is
// "profile NAME". Sub-properties are "KEY.SUB=VALUE".
func dump(ps *Profiles) string {
	var lines [][2]string // what, value
	add := func(prefix string, props map[string]*prop) {
		if len(props) == 0 {
			lines = append(lines, [2]string{prefix, ""})
		}
		for k, p := range props {
			if p.sub != nil {
				for sk, sv := range p.sub {
					lines = append(lines, [2]string{prefix + " " + k + "." + sk, fmt.Sprintf("=%q", sv)})
				}
				continue
			}
			lines = append(lines, [2]string{prefix + " " + k, fmt.Sprintf("=%q", p.value)})
		}
	}
	for _, n := range ps.Names() {
		add("profile "+n, ps.Get(n).props)
	}
	for n, s := range ps.ssoSessions {
		add("sso-session "+n, s.props)
	}
	for n, s := range ps.services {
		add("services "+n, s.props)
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i][0] < lines[j][0] })
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l[0] + l[1]
	}
	return strings.Join(out, "\n")
}

// TestFileFormat pins the rules of the file format, mostly those of the
// SDKs' shared parser tests; "botocore" or "Go SDK" marks a rule taken from
// those where the shared tests say otherwise.
func TestFileFormat(t *testing.T) {
	tests := []struct {
		name        string
		config      string
		credentials string
		want        string // dump, when there is no error
		wantErr     string // the error, without "FILE line N: " and the hint
		errFile     string
		errLine     int
	}{
		{name: "empty files", want: ""},
		{name: "empty profile", config: "[profile foo]", want: "profile foo"},
		{name: "name characters", config: "[profile some-thing:long/the_one%only.foo@bar+]\n[profile foo!bar]",
			want: "profile some-thing:long/the_one%only.foo@bar+"},
		{name: "all name characters", config: "[profile ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_]",
			want: "profile ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"},
		{name: "header without ]", config: "[profile foo", wantErr: "section header without ]", errLine: 1},
		{name: "header with text after ]", config: "[profile foo] x", wantErr: "section header without ]", errLine: 1},
		{name: "header name trimmed", config: "[profile \tfoo \t]", want: "profile foo"},
		{name: "tab after profile", config: "[profile\tfoo]", want: "profile foo"},
		{name: "spaces inside the brackets", config: "[   profile foo    ]\nname = value\n[profile bar]",
			want: "profile bar\nprofile foo name=\"value\""},
		{name: "spaces inside the brackets in credentials", credentials: "[   foo    ]\nname = value\n[profile bar]",
			want: "profile foo name=\"value\""},
		{name: "quoted name (botocore)", config: "[profile \"foo\"]\n['bar']", credentials: "[\"baz\"]",
			want: "profile baz\nprofile foo"},
		{name: "setting before any section", config: "name = value", wantErr: "a setting before the first [section] header", errLine: 1},
		{name: "indented line before any section", config: "\n -continued", wantErr: "a setting before the first [section] header", errLine: 2},
		{name: "a property", config: "[profile foo]\nname = value", want: "profile foo name=\"value\""},
		{name: "CRLF", config: "[profile foo]\r\nname = value\r\n\r\n", want: "profile foo name=\"value\""},
		{name: "= in a value", config: "[profile foo]\nname = val=ue", want: "profile foo name=\"val=ue\""},
		{name: "unicode in a value", config: "[profile foo]\nname = 😂", want: "profile foo name=\"😂\""},
		{name: "several properties", config: "[profile foo]\nname = value\nname2 = value2",
			want: "profile foo name=\"value\"\nprofile foo name2=\"value2\""},
		{name: "keys and values trimmed", config: "[profile foo]\nname \t=  \tvalue \t", want: "profile foo name=\"value\""},
		{name: "empty value", config: "[profile foo]\nname =", want: "profile foo name=\"\""},
		{name: "empty key", config: "[profile foo]\n= value", wantErr: "a setting without a name", errLine: 2},
		{name: "no =", config: "[profile foo]\njunk", wantErr: "expected key = value", errLine: 2},
		{name: "colon separator (botocore, Go SDK)", config: "[profile foo]\nREGION: r\nrole_arn = arn:aws:iam::1:role/x",
			want: "profile foo region=\"r\"\nprofile foo role_arn=\"arn:aws:iam::1:role/x\""},
		{name: "keys lower-cased", config: "[profile foo]\nName = value\n[profile foo]\nname = value2", want: "profile foo name=\"value2\""},
		{name: "blank lines", config: "\t \n[profile foo]\n\t\n \nname = value\n\t \n[profile bar]\n \t",
			want: "profile bar\nprofile foo name=\"value\""},
		{name: "pound comments", config: "# Comment\n[profile foo] # Comment\nname = value # Comment with # sign",
			want: "profile foo name=\"value\""},
		{name: "semicolon comments", config: "; Comment\n[profile foo] ; Comment\nname = value ; Comment with ; sign",
			want: "profile foo name=\"value\""},
		{name: "empty comments", config: ";\n[profile foo];\nname = value ;\n", want: "profile foo name=\"value\""},
		{name: "indented comment (Go SDK, botocore)", config: "[profile foo]\nname = value\n  # not a continuation\n\t; nor this",
			want: "profile foo name=\"value\""},
		{name: "comments adjacent to headers", config: "[profile foo]; Adjacent semicolons\n[profile bar]# Adjacent pound signs",
			want: "profile bar\nprofile foo"},
		{name: "comments adjacent to values are values", config: "[profile foo]\nname = value; Adjacent semicolons\nname2 = value# Adjacent pound signs",
			want: "profile foo name=\"value; Adjacent semicolons\"\nprofile foo name2=\"value# Adjacent pound signs\""},
		{name: "a value that is a comment", config: "[profile foo]\nname = # nothing", want: "profile foo name=\"\""},
		{name: "continuation", config: "[profile foo]\nname = value\n -continued", want: "profile foo name=\"value\\n-continued\""},
		{name: "continuations", config: "[profile foo]\nname = value\n -continued\n -and-continued",
			want: "profile foo name=\"value\\n-continued\\n-and-continued\""},
		{name: "continuation trimmed", config: "[profile foo]\nname = value\n \t -continued \t ", want: "profile foo name=\"value\\n-continued\""},
		{name: "continuation keeps # comments", config: "[profile foo]\nname = value\n -continued # Comment",
			want: "profile foo name=\"value\\n-continued # Comment\""},
		{name: "continuation keeps ; comments", config: "[profile foo]\nname = value\n -continued ; Comment",
			want: "profile foo name=\"value\\n-continued ; Comment\""},
		{name: "continuation across a blank line", config: "[profile foo]\nname = value\n\n -continued", want: "profile foo name=\"value\\n-continued\""},
		{name: "indented key = value continues a value", config: "[profile foo]\nregion = us-east-1\n  output = json",
			want: "profile foo region=\"us-east-1\\noutput = json\""},
		{name: "indented [header] continues a value", config: "[profile foo]\nname = value\n  [profile bar]", want: "profile foo name=\"value\\n[profile bar]\""},
		{name: "indented header after a header is a header (Go SDK, botocore)", config: "[profile foo]\n  [profile bar]\nx = 1",
			want: "profile bar x=\"1\"\nprofile foo"},
		{name: "continuation of nothing", config: "[profile foo]\n -continued", wantErr: "an indented line that continues no setting", errLine: 2},
		{name: "continuation after a new header", config: "[profile foo]\nname = value\n[profile foo]\n -continued",
			wantErr: "an indented line that continues no setting", errLine: 4},
		{name: "indented setting after a header (Go SDK, botocore)", config: "[profile foo]\n  region = eu-west-1", want: "profile foo region=\"eu-west-1\""},
		{name: "duplicate sections merge", config: "[profile foo]\nname = value\n[profile foo]\nname2 = value2",
			want: "profile foo name=\"value\"\nprofile foo name2=\"value2\""},
		{name: "duplicate settings: the last wins", config: "[profile foo]\nname = value\nname = value2", want: "profile foo name=\"value2\""},
		{name: "duplicate settings in duplicate sections", config: "[profile foo]\nname = value\n[profile foo]\nname = value2", want: "profile foo name=\"value2\""},
		{name: "[profile default] wins when first", config: "[profile default]\nname = value\n[default]\nname2 = value2", want: "profile default name=\"value\""},
		{name: "[profile default] wins when last", config: "[default]\nname2 = value2\n[profile default]\nname = value", want: "profile default name=\"value\""},
		{name: "[default] alone", config: "[default]\nname = value", want: "profile default name=\"value\""},
		{name: "mixed defaults merge with credentials", config: "[profile default]\nname = value\n[default]\nname2 = value2\n[profile default]\nname3 = value3",
			credentials: "[default]\nsecret=foo", want: "profile default name=\"value\"\nprofile default name3=\"value3\"\nprofile default secret=\"foo\""},
		{name: "invalid profile names ignored", config: "[profile in valid]\nname = value", credentials: "[in valid 2]\nname2 = value2", want: ""},
		{name: "settings of an invalid profile ignored", config: "[profile foo]\nname = value\n[profile in valid]\nx = 1\n[profile bar]\nname = value2",
			want: "profile bar name=\"value2\"\nprofile foo name=\"value\""},
		{name: "syntax is checked in ignored sections too", config: "[foo]\njunk", wantErr: "expected key = value", errLine: 2},
		{name: "invalid setting names ignored", config: "[profile foo]\nin valid = value", want: "profile foo"},
		{name: "all setting name characters", config: "[profile foo]\nABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_ = value",
			want: "profile foo abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0123456789-_=\"value\""},
		{name: "sub-properties", config: "[profile foo]\ns3 =\n name = value", want: "profile foo s3.name=\"value\""},
		{name: "sub-property without =", config: "[profile foo]\ns3 =\n invalid", wantErr: "expected name = value (a sub-property of the setting on line 2)", errLine: 3},
		{name: "sub-property with an empty value", config: "[profile foo]\ns3 =\n name =", want: "profile foo s3.name=\"\""},
		{name: "sub-property without a name", config: "[profile foo]\ns3 =\n = value", wantErr: "a sub-property without a name", errLine: 3},
		{name: "sub-property with an invalid name", config: "[profile foo]\ns3 =\n in valid = value", want: "profile foo s3.in valid=\"value\""},
		{name: "sub-properties across blank lines", config: "[profile foo]\ns3 =\n name = value\n\t \n name2 = value2",
			want: "profile foo s3.name=\"value\"\nprofile foo s3.name2=\"value2\""},
		{name: "sub-properties keep comments (Go SDK, botocore)", config: "[profile foo]\ns3 =\n use_accelerate_endpoint = true # trailing\nregion = x",
			want: "profile foo region=\"x\"\nprofile foo s3.use_accelerate_endpoint=\"true # trailing\""},
		{name: "sub-properties end at an unindented line", config: "[profile foo]\ns3 =\n  a = 1\nb = 2\n  c", want: "profile foo b=\"2\\nc\"\nprofile foo s3.a=\"1\""},
		{name: "profiles in both files merge", config: "[profile foo]\nname = value", credentials: "[foo]\nname2 = value2",
			want: "profile foo name=\"value\"\nprofile foo name2=\"value2\""},
		{name: "the credentials file wins", config: "[profile foo]\nname = value", credentials: "[foo]\nname = value2", want: "profile foo name=\"value2\""},
		{name: "config sections without a prefix ignored", config: "[foo]\nname = value", want: ""},
		{name: "[profilefoo] is no profile", config: "[profilefoo]\nname = value\n[profile bar]", want: "profile bar"},
		{name: "[profile] is no profile", config: "[profile]\n[profile  ]\n[]", want: ""},
		{name: "credentials [profile x] ignored (Go SDK, shared tests)", credentials: "[profile foo]\nname = value", want: ""},
		{name: "credentials [default]", credentials: "[default]\naws_access_key_id = AKIA", want: "profile default aws_access_key_id=\"AKIA\""},
		{name: "sso-session section", config: "[sso-session foo]\nname = value\n[profile bar]", want: "profile bar\nsso-session foo name=\"value\""},
		{name: "sso-session without a space is a profile in credentials", credentials: "[sso-sessionfoo]\nname = value\n[bar]",
			want: "profile bar\nprofile sso-sessionfoo name=\"value\""},
		{name: "typo in sso-session ignored", config: "[sso-sessionfoo]\nname = value\n[sso-session bar]", want: "sso-session bar"},
		{name: "sso-session in credentials is no section", credentials: "[sso-session foo]\nx = 1", want: ""},
		{name: "services section", config: "[services corp]\nsts =\n  endpoint_url = https://sts.example.com\ns3 =\n  endpoint_url = https://s3.example.com",
			want: "services corp s3.endpoint_url=\"https://s3.example.com\"\nservices corp sts.endpoint_url=\"https://sts.example.com\""},
		{name: "line over 1 MiB", config: "[profile foo]\nname = " + strings.Repeat("x", 1<<20), wantErr: "the line is longer than 1 MiB", errLine: 2},
		{name: "error in the credentials file names it", config: "[profile a]\n", credentials: "[a]\nx = 1\njunk\n",
			wantErr: "expected key = value", errFile: testCredentials, errLine: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := parseProfiles(testConfig, []byte(tt.config), testCredentials, []byte(tt.credentials))
			if tt.wantErr != "" {
				var se *SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("err = %v, want a SyntaxError %q", err, tt.wantErr)
				}
				file := tt.errFile
				if file == "" {
					file = testConfig
				}
				want := fmt.Sprintf("%s line %d: %s", file, tt.errLine, tt.wantErr)
				if !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), ": fix or remove the line") {
					t.Errorf("err = %q, want %q and the hint", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := dump(ps); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	ps, err := parseProfiles(testConfig, []byte("[base]\nx = 1\n[profile in valid]\n[default]\n[profile default]\n[profile a]\nbad key = 1\nservices = nowhere\n"),
		testCredentials, []byte("[profile b]\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		testConfig + ` line 1: section "[base]" ignored: in the config file a profile is [profile NAME] (or [default])`,
		testConfig + ` line 3: section "[profile in valid]" ignored: a name holds only letters, digits and - / . % @ _ : +`,
		testConfig + ` line 7: setting "bad key" ignored: a name holds only letters, digits and - / . % @ _ : +`,
		testCredentials + ` line 1: section "[profile b]" ignored: in the credentials file a profile is [NAME], without "profile "`,
		testConfig + ` line 4: [default] ignored: [profile default] overrides it`,
		testConfig + ` line 8: services "nowhere": there is no [services nowhere] section, so it sets no endpoint`,
	}
	if got := ps.Warnings(); !reflect.DeepEqual(got, want) {
		t.Errorf("warnings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLoadProfiles(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	cred := filepath.Join(dir, "credentials")
	os.WriteFile(cfg, []byte(`# comment
[default]
region = us-east-1
[profile dev]
role_arn = arn:aws:iam::123456789012:role/dev
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/me
duration_seconds = 7200
role_session_name = me
external_id = ext
s3 =
    max_concurrent_requests = 10
[sso-session corp]
sso_region = eu-west-1
sso_start_url = https://corp.awsapps.com/start
[base]
region = ignored-not-a-profile-header
[profile proc]
credential_process = /bin/echo {}
[profile wi]
role_arn = arn:aws:iam::123456789012:role/wi
web_identity_token_file = /tmp/token
`), 0o600)
	os.WriteFile(cred, []byte("[base]\naws_access_key_id = AKIA1\naws_secret_access_key = s\n[default]\naws_access_key_id = AKIA2\naws_secret_access_key = s2\n"), 0o600)
	ps, err := LoadProfiles(cfg, cred)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ps.Names(), ","); got != "default,dev,proc,wi,base" {
		t.Errorf("names %s", got)
	}
	dev := ps.Get("dev")
	if dev.RoleARN != "arn:aws:iam::123456789012:role/dev" || dev.SourceProfile != "base" || dev.Duration != 2*time.Hour ||
		dev.RoleSessionName != "me" || dev.ExternalID != "ext" || dev.Kind() != "role" || dev.MFASerialKey != "mfa_serial" || dev.Err != nil {
		t.Errorf("dev %+v", dev)
	}
	if dev.File != cfg || dev.Line != 4 || dev.Where("source_profile") != cfg+" line 6" || dev.Where("nope") != cfg+" line 4" {
		t.Errorf("dev is at %s line %d, source_profile at %s", dev.File, dev.Line, dev.Where("source_profile"))
	}
	if v, ok := dev.Setting("s3"); !ok || v != "" {
		t.Errorf("Setting(s3) = %q, %v", v, ok)
	}
	if b := ps.Get("base"); b.AccessKeyID != "AKIA1" || b.Region != "" || b.Kind() != "keys" || b.File != cred {
		t.Errorf("base %+v", b)
	}
	if d := ps.Get("default"); d.Region != "us-east-1" || d.AccessKeyID != "AKIA2" || d.Where("aws_access_key_id") != cred+" line 5" {
		t.Errorf("default %+v", d)
	}
	if ps.Get("proc").Kind() != "process" || ps.Get("wi").Kind() != "web-identity" || ps.Get("corp") != nil {
		t.Error("kinds")
	}
	if ss := ps.SSOSession("corp"); ss == nil || ss.Region != "eu-west-1" || ss.StartURL != "https://corp.awsapps.com/start" || ss.Line != 13 {
		t.Errorf("sso-session corp: %+v", ss)
	}
	if len(ps.Warnings()) != 1 || !strings.Contains(ps.Warnings()[0], `section "[base]" ignored`) {
		t.Errorf("warnings %q", ps.Warnings())
	}
	if ps, err := LoadProfiles(filepath.Join(dir, "none"), filepath.Join(dir, "none2")); err != nil || len(ps.Names()) != 0 {
		t.Errorf("missing files: %v", err)
	}
	if ps, err := LoadProfiles("", ""); err != nil || len(ps.Names()) != 0 {
		t.Errorf("no files: %v", err)
	}
	var nilPS *Profiles
	if nilPS.Get("x") != nil || nilPS.Names() != nil || nilPS.SSOSession("x") != nil || nilPS.ServiceEndpoint("a", "sts") != "" || nilPS.Warnings() != nil {
		t.Error("nil Profiles")
	}
}

type fileCase struct {
	name    string
	setup   func(t *testing.T, path string)
	want    []string // in the error; nil: no error
	wantErr error
}

// TestLoadProfilesFiles: the files go through the safe reader.
func TestLoadProfilesFiles(t *testing.T) {
	tests := []fileCase{
		{name: "BOM", setup: writeFile("\xef\xbb\xbf[profile a]\r\nregion = eu-west-1\r\n")},
		{name: "directory", setup: func(t *testing.T, path string) { os.Mkdir(path, 0o700) },
			want: []string{"cannot read AWS config file", "it is a directory", "AWS_CONFIG_FILE"}, wantErr: fsutil.ErrNotRegular},
		{name: "NUL", setup: writeFile("[profile a]\nregion = eu-west-1\x00\n"),
			want: []string{"malformed AWS config file", "NUL byte"}, wantErr: fsutil.ErrBinary},
		{name: "too large", setup: writeFile("[profile a]\n" + strings.Repeat("# padding\n", maxProfileFile/10+1)),
			want: []string{"malformed AWS config file", "too large (over 16 MiB)"}, wantErr: fsutil.ErrTooLarge},
		{name: "syntax error", setup: writeFile("[profile a]\n\nregion\n"),
			want: []string{"line 3: expected key = value: fix or remove the line"}},
	}
	if runtime.GOOS != "windows" {
		tests = append(tests,
			fileCase{name: "fifo", setup: func(t *testing.T, path string) {
				if err := mkfifo(path); err != nil {
					t.Skip(err)
				}
			}, want: []string{"cannot read AWS config file", "named pipe"}, wantErr: fsutil.ErrNotRegular},
			fileCase{name: "symlink to /dev/zero", setup: func(t *testing.T, path string) { os.Symlink("/dev/zero", path) },
				want: []string{"cannot read AWS config file", "character device"}, wantErr: fsutil.ErrNotRegular},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config")
			tt.setup(t, path)
			ps, err := LoadProfiles(path, "")
			if tt.want == nil {
				if err != nil || ps.Get("a") == nil || ps.Get("a").Region != "eu-west-1" {
					t.Fatalf("LoadProfiles: %v", err)
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

func writeFile(content string) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestProfileSettings: the settings awsenv interprets, and what a bad
// value does (only its profile is marked).
func TestProfileSettings(t *testing.T) {
	const base = "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access, codewhisperer:completions,,\n" +
		"[services corp]\nsts =\n  endpoint_url = http://127.0.0.1:9000\n"
	tests := []struct {
		name    string
		profile string // the settings of [profile p]
		check   func(t *testing.T, p *Profile)
		wantErr string // in p.Err, after "FILE line N: "
		errLine int
	}{
		{name: "mfa_arn", profile: "mfa_arn = arn:aws:iam::1:mfa/me", check: func(t *testing.T, p *Profile) {
			if p.MFASerial != "arn:aws:iam::1:mfa/me" || p.MFASerialKey != "mfa_arn" {
				t.Errorf("MFASerial %q from %q", p.MFASerial, p.MFASerialKey)
			}
		}},
		{name: "mfa_serial wins over mfa_arn", profile: "mfa_arn = a\nmfa_serial = b", check: func(t *testing.T, p *Profile) {
			if p.MFASerial != "b" || p.MFASerialKey != "mfa_serial" {
				t.Errorf("MFASerial %q from %q", p.MFASerial, p.MFASerialKey)
			}
		}},
		// Issue 22: awsenv's own console settings.
		{name: "console_browser", profile: "console_browser = chromium\nconsole_browser_profile = Profile 2", check: func(t *testing.T, p *Profile) {
			if p.ConsoleBrowser != "chromium" || p.ConsoleBrowserProfile != "Profile 2" {
				t.Errorf("console browser %q, profile %q", p.ConsoleBrowser, p.ConsoleBrowserProfile)
			}
		}},
		{name: "no mfa", profile: "region = eu-west-1", check: func(t *testing.T, p *Profile) {
			if p.MFASerial != "" || p.MFASerialKey != "" || p.Kind() != "none" {
				t.Errorf("%+v", p)
			}
		}},
		{name: "credential_source", profile: "role_arn = arn:aws:iam::1:role/r\ncredential_source = Ec2InstanceMetadata", check: func(t *testing.T, p *Profile) {
			if p.CredentialSource != "Ec2InstanceMetadata" || p.Kind() != "role" {
				t.Errorf("%+v", p)
			}
		}},
		{name: "credential_source is case-sensitive", profile: "role_arn = arn:aws:iam::1:role/r\ncredential_source = environment",
			wantErr: `credential_source "environment" is not one of Environment, Ec2InstanceMetadata, EcsContainer`, errLine: 3},
		{name: "source_profile and credential_source", profile: "role_arn = arn:aws:iam::1:role/r\nsource_profile = other\ncredential_source = Environment",
			wantErr: "source_profile and credential_source are both set: keep one", errLine: 4},
		{name: "role_arn", profile: "role_arn = r", wantErr: `role_arn "r" is not a role ARN`, errLine: 2},
		{name: "duration_seconds", profile: "duration_seconds = soon", wantErr: `duration_seconds "soon" is not a number of seconds`, errLine: 2},
		{name: "the first bad value is reported", profile: "duration_seconds = soon\nregion = EU\nrole_arn = x",
			wantErr: `duration_seconds "soon"`, errLine: 2},
		{name: "region", profile: "region = eu-west-1\n  x = 1", wantErr: `region "eu-west-1\nx = 1" is not a region name`, errLine: 2},
		{name: "aws-global is a region", profile: "region = aws-global", check: func(t *testing.T, p *Profile) {
			if p.Region != "aws-global" {
				t.Error(p.Region)
			}
		}},
		{name: "endpoints", profile: "endpoint_url = https://sts.example.com:8443/x\nservices = corp\nignore_configured_endpoint_urls = TRUE", check: func(t *testing.T, p *Profile) {
			if p.EndpointURL != "https://sts.example.com:8443/x" || p.Services != "corp" || !p.IgnoreConfiguredEndpointURLs {
				t.Errorf("%+v", p)
			}
		}},
		{name: "endpoint_url", profile: "endpoint_url = sts.example.com", wantErr: `endpoint_url "sts.example.com" is not a URL`, errLine: 2},
		{name: "ignore_configured_endpoint_urls", profile: "ignore_configured_endpoint_urls = yes", wantErr: `ignore_configured_endpoint_urls "yes" is not true or false`, errLine: 2},
		{name: "ignore_configured_endpoint_urls false", profile: "ignore_configured_endpoint_urls = false", check: func(t *testing.T, p *Profile) {
			if p.IgnoreConfiguredEndpointURLs {
				t.Error("true")
			}
		}},
		{name: "sso", profile: "sso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\nsso_region = eu-west-1", check: func(t *testing.T, p *Profile) {
			if p.SSOSession != "corp" || p.SSOAccountID != "123456789012" || p.SSORoleName != "ReadOnly" || p.Kind() != "sso" {
				t.Errorf("%+v", p)
			}
		}},
		{name: "sso token only", profile: "sso_session = corp", check: func(t *testing.T, p *Profile) {
			if p.Kind() != "sso" {
				t.Errorf("%+v", p)
			}
		}},
		{name: "legacy sso", profile: "sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Admin", check: func(t *testing.T, p *Profile) {
			if p.SSOStartURL != "https://corp.awsapps.com/start" || p.SSORegion != "us-east-1" || p.Kind() != "sso" {
				t.Errorf("%+v", p)
			}
		}},
		{name: "legacy sso incomplete", profile: "sso_start_url = https://corp.awsapps.com/start\nsso_role_name = Admin",
			wantErr: `profile "p" uses IAM Identity Center but has no sso_region, sso_account_id: add them, or sso_session`, errLine: 1},
		{name: "sso_session without its section", profile: "sso_session = other",
			wantErr: `sso_session "other": there is no [sso-session other] section`, errLine: 2},
		{name: "sso_region differs from the session's", profile: "sso_session = corp\nsso_region = us-east-1",
			wantErr: `sso_region "us-east-1" differs from the sso_region of [sso-session corp]`, errLine: 3},
		{name: "sso_account_id", profile: "sso_session = corp\nsso_account_id = 1234", wantErr: `sso_account_id "1234" is not a 12-digit AWS account id`, errLine: 3},
		{name: "role on sso", profile: "sso_session = corp\nsso_account_id = 123456789012\nsso_role_name = R\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = p", check: func(t *testing.T, p *Profile) {
			if p.Kind() != "role" {
				t.Error(p.Kind())
			}
		}},
		{name: "raw settings", profile: "cli_pager =\nfoo = bar", check: func(t *testing.T, p *Profile) {
			if v, ok := p.Setting("foo"); v != "bar" || !ok {
				t.Errorf("Setting(foo) = %q, %v", v, ok)
			}
			if _, ok := p.Setting("nope"); ok {
				t.Error("Setting(nope)")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := parseProfiles(testConfig, []byte(base+"[profile p]\n"+tt.profile+"\n[profile other]\nregion = eu-west-1\n"), testCredentials, nil)
			if err != nil {
				t.Fatal(err)
			}
			if o := ps.Get("other"); o == nil || o.Err != nil {
				t.Errorf("other profile: %+v", o)
			}
			p := ps.Get("p")
			if tt.wantErr != "" {
				want := fmt.Sprintf("%s line %d: %s", testConfig, tt.errLine+strings.Count(base, "\n"), tt.wantErr)
				if p.Err == nil || !strings.HasPrefix(p.Err.Error(), want) {
					t.Errorf("Err = %v, want %q", p.Err, want)
				}
				return
			}
			if p.Err != nil {
				t.Fatal(p.Err)
			}
			tt.check(t, p)
		})
	}
	ps, err := parseProfiles(testConfig, []byte(base), testCredentials, nil)
	if err != nil {
		t.Fatal(err)
	}
	ss := ps.SSOSession("corp")
	if ss == nil || !reflect.DeepEqual(ss.RegistrationScopes, []string{"sso:account:access", "codewhisperer:completions"}) || ss.Err != nil {
		t.Errorf("sso-session %+v", ss)
	}
	if got := ps.ServiceEndpoint("corp", "sts"); got != "http://127.0.0.1:9000" {
		t.Errorf("ServiceEndpoint(corp, sts) = %q", got)
	}
	if got := ps.ServiceEndpoint("corp", "STS"); got != "http://127.0.0.1:9000" {
		t.Errorf("ServiceEndpoint(corp, STS) = %q", got)
	}
	for _, c := range [][2]string{{"corp", "s3"}, {"nope", "sts"}} {
		if got := ps.ServiceEndpoint(c[0], c[1]); got != "" {
			t.Errorf("ServiceEndpoint(%s, %s) = %q", c[0], c[1], got)
		}
	}
}

// TestLinkedSectionErrors: a bad [sso-session] or [services] section marks
// the profiles that use it, naming the section's own line.
func TestLinkedSectionErrors(t *testing.T) {
	ps, err := parseProfiles(testConfig, []byte("[sso-session corp]\nsso_region = eu-west-1\nsso_start_url = corp\n"+
		"[sso-session half]\nsso_region = eu-west-1\n"+
		"[services bad]\nsts =\n  endpoint_url = nope\n"+
		"[profile a]\nsso_session = corp\n[profile b]\nsso_session = half\n[profile c]\nservices = bad\n"), testCredentials, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"a": testConfig + ` line 3: sso_start_url "corp" is not a URL`,
		"b": testConfig + ` line 4: [sso-session half] has no sso_start_url: add it`,
		"c": testConfig + ` line 7: [services bad] sts: endpoint_url "nope" is not a URL`,
	} {
		if e := ps.Get(name).Err; e == nil || !strings.HasPrefix(e.Error(), want) {
			t.Errorf("%s: Err = %v, want %q", name, e, want)
		}
	}
}

// A CR-only file (old Mac line ends) is read as lines, as botocore reads it.
func TestParseProfilesCROnly(t *testing.T) {
	ps, err := ParseProfiles("/c", []byte("[profile a]\rregion = eu-west-1\r[profile b]\rregion = us-east-1\r"), "/k", []byte("[a]\raws_access_key_id = AKIAIOSFODNN7EXAMPLE\raws_secret_access_key = s\r"))
	if err != nil {
		t.Fatal(err)
	}
	if a := ps.Get("a"); a == nil || a.Region != "eu-west-1" || a.AccessKeyID != "AKIAIOSFODNN7EXAMPLE" || ps.Get("b").Region != "us-east-1" {
		t.Errorf("profiles %+v", ps.Names())
	}
}
