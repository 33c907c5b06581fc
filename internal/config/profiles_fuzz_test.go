package config

import (
	"sort"
	"strings"
	"testing"
)

// FuzzParseProfiles: the parser of ~/.aws/config and credentials never
// panics; every error and warning is one line that names its file; what it
// accepts is well-formed; and writing what it read back out and parsing
// that gives the same settings.
func FuzzParseProfiles(f *testing.F) {
	f.Add([]byte("[default]\nregion = us-east-1\n[profile dev]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = default\ns3 =\n  max_concurrent_requests = 10\n"),
		[]byte("[default]\naws_access_key_id = AKIA\naws_secret_access_key = s\n"))
	f.Add([]byte("[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\n[profile s]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = R\n"), []byte(nil))
	f.Add([]byte("[services s]\nsts =\n  endpoint_url = http://127.0.0.1\n[profile p]\nservices = s\nendpoint_url = https://e\n"), []byte("[profile p]\n"))
	f.Add([]byte("[profile a]\nname = value\n  -continued # c\n\n  [x]\n"), []byte("[a]\nname: v ; c\n"))
	f.Add([]byte("[profile a"), []byte(nil))
	f.Add([]byte("x = 1"), []byte(nil))
	f.Add([]byte("[profile a]\ns3 =\n  = v\n"), []byte(nil))
	f.Add([]byte("[default]\na=1\n[profile default]\nb=2\r\n[ profile \"q\" ]\n"), []byte("[\"default\"]\n"))
	f.Fuzz(func(t *testing.T, config, credentials []byte) {
		ps, err := parseProfiles(testConfig, config, testCredentials, credentials)
		if err != nil {
			if ps != nil {
				t.Fatalf("profiles returned with error %v", err)
			}
			se, ok := err.(*SyntaxError)
			if !ok || (se.File != testConfig && se.File != testCredentials) || se.Line < 1 {
				t.Fatalf("error %v (%T) is not a SyntaxError with a file and line", err, err)
			}
			checkMessage(t, err.Error())
			return
		}
		seen := map[string]bool{}
		for _, n := range ps.Names() {
			p := ps.Get(n)
			if p == nil || p.Name != n || !validName(n) || seen[n] {
				t.Fatalf("profile %q: %+v", n, p)
			}
			seen[n] = true
			if p.Err != nil {
				checkMessage(t, p.Err.Error())
			}
		}
		for _, w := range ps.Warnings() {
			checkMessage(t, w)
		}

		// The round trip.
		again, err := parseProfiles(testConfig, []byte(render(ps)), testCredentials, nil)
		if err != nil {
			t.Fatalf("re-parsing\n%s\nfailed: %v", render(ps), err)
		}
		if a, b := dump(ps), dump(again); a != b {
			t.Fatalf("round trip changed the settings:\n%s\nbecame\n%s\nthrough\n%s", a, b, render(ps))
		}
		for _, n := range ps.Names() {
			p, q := ps.Get(n), again.Get(n)
			if (p.Err == nil) != (q.Err == nil) || p.Kind() != q.Kind() || p.MFASerial != q.MFASerial || p.Duration != q.Duration {
				t.Fatalf("profile %q: %+v became %+v", n, p, q)
			}
		}
	})
}

// checkMessage: one line that names a file, and the hint-less parts
// never hold a raw newline of file content.
func checkMessage(t *testing.T, msg string) {
	t.Helper()
	if !strings.Contains(msg, testConfig) && !strings.Contains(msg, testCredentials) {
		t.Fatalf("message %q does not name the file", msg)
	}
	if strings.ContainsAny(msg, "\n\r") {
		t.Fatalf("message %q is not one line", msg)
	}
}

// render writes parsed profiles and sections back as one config file.
func render(ps *Profiles) string {
	var b strings.Builder
	writeProps := func(props map[string]*prop) {
		for _, k := range sortedKeys(props) {
			p := props[k]
			if p.value == "" {
				b.WriteString(k + " =\n")
				for _, sk := range sortedKeys(p.sub) {
					b.WriteString("  " + sk + " = " + p.sub[sk] + "\n")
				}
				continue
			}
			lines := strings.Split(p.value, "\n")
			b.WriteString(k + " =" + lines[0] + "\n") // "k = #" would be a comment; "k =#" is the value "#"
			for _, l := range lines[1:] {
				b.WriteString("  " + l + "\n")
			}
		}
	}
	for _, n := range ps.Names() {
		b.WriteString("[profile " + n + "]\n")
		writeProps(ps.Get(n).props)
	}
	for _, n := range sortedKeys(ps.ssoSessions) {
		b.WriteString("[sso-session " + n + "]\n")
		writeProps(ps.ssoSessions[n].props)
	}
	for _, n := range sortedKeys(ps.services) {
		b.WriteString("[services " + n + "]\n")
		writeProps(ps.services[n].props)
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
