package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// layoutIndex is a ProfileIndex kept in memory.
type layoutIndex struct{ *ProfileLayout }

func (ix layoutIndex) Names() ([]string, error)    { return ix.ProfileLayout.Names, nil }
func (ix layoutIndex) Rows() ([]ProfileRow, error) { return nil, nil } // none: Rows parses
func (ix layoutIndex) Spans(kind SectionKind, name string) ([]SectionSpan, bool, error) {
	sp, ok := ix.Sections[SectionKey{kind, name}]
	return sp, ok, nil
}

// writeProfileFiles writes a config and a credentials file (nil: none).
func writeProfileFiles(t testing.TB, config, credentials []byte) (string, string) {
	dir := t.TempDir()
	cfg, cred := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	for path, data := range map[string][]byte{cfg: config, cred: credentials} {
		if data != nil {
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return cfg, cred
}

// sameAsFull checks that every profile, [sso-session] and [services]
// section read through the index is what a full load gives.
func sameAsFull(t *testing.T, cfg, cred string, full *Profiles, ix ProfileIndex) {
	t.Helper()
	if got := IndexedProfiles(cfg, cred, ix).Names(); !reflect.DeepEqual(got, full.Names()) {
		t.Fatalf("Names %q, want %q", got, full.Names())
	}
	for i, n := range full.Names() {
		if i == 30 {
			break
		}
		ps := IndexedProfiles(cfg, cred, ix) // afresh: one name at a time goes through the index
		if got, want := ps.Get(n), full.Get(n); !reflect.DeepEqual(got, want) {
			t.Fatalf("profile %q through the index\n%+v\nwant\n%+v", n, got, want)
		}
		if ps.lazy == nil {
			t.Fatalf("profile %q read the whole files", n)
		}
	}
	for n := range full.ssoSessions {
		if got, want := IndexedProfiles(cfg, cred, ix).SSOSession(n), full.SSOSession(n); !reflect.DeepEqual(got, want) {
			t.Fatalf("sso-session %q through the index\n%+v\nwant\n%+v", n, got, want)
		}
	}
	for n := range full.services {
		if got, want := IndexedProfiles(cfg, cred, ix).ServiceEndpoint(n, "sts"), full.ServiceEndpoint(n, "sts"); got != want {
			t.Fatalf("services %q through the index: %q, want %q", n, got, want)
		}
	}
	for _, n := range []string{"nope", "default"} {
		if got, want := IndexedProfiles(cfg, cred, ix).Get(n), full.Get(n); !reflect.DeepEqual(got, want) {
			t.Fatalf("profile %q through the index: %+v, want %+v", n, got, want)
		}
	}
	if got := IndexedProfiles(cfg, cred, ix).Warnings(); !reflect.DeepEqual(got, full.Warnings()) {
		t.Fatalf("Warnings %q, want %q", got, full.Warnings())
	}
}

// FuzzIndexedProfiles: profiles read one at a time through a layout are
// those of a full load.
func FuzzIndexedProfiles(f *testing.F) {
	f.Add([]byte("[default]\nregion = us-east-1\n[profile dev]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = default\ns3 =\n  max_concurrent_requests = 10\n"),
		[]byte("[default]\naws_access_key_id = AKIA\naws_secret_access_key = s\n"))
	f.Add([]byte("[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\n[profile s]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = R\n[sso-session corp]\nsso_region = eu-west-2\n"), []byte(nil))
	f.Add([]byte("[sso-session bad]\nsso_region = EU\n[profile s]\nsso_session = bad\n[profile t]\nsso_session = none\n"), []byte(nil))
	f.Add([]byte("[services s]\nsts =\n  endpoint_url = http://127.0.0.1\n[profile p]\nservices = s\nendpoint_url = https://e\n[profile q]\nservices = gone\n"), []byte("[p]\nregion = eu-west-1\n"))
	f.Add([]byte("[profile a]\nname = value\n  -continued # c\n\n  [x]\n"), []byte("[a]\nname: v ; c\n"))
	f.Add([]byte("[default]\na=1\n[profile default]\nb=2\r\n[ profile \"q\" ]\n[profile default]\nb=3\n[profile b]\n"), []byte("[\"default\"]\nc=4\n[default]\nb=5\n"))
	f.Add([]byte("\xef\xbb\xbf[profile a]\r\nregion = eu-west-1\r\n[bad header]\nx = 1\n[profile b]\rregion = us-east-1\r"), []byte("\xef\xbb\xbf[a]\raws_access_key_id = AKIA\r"))
	f.Add([]byte(scaleConfig(12)), []byte("[base]\naws_access_key_id = AKIA\naws_secret_access_key = s\n[p4]\nregion = eu-north-1\n"))
	f.Fuzz(func(t *testing.T, config, credentials []byte) {
		cfg, cred := writeProfileFiles(t, config, credentials)
		full, lay, _, err := LoadProfilesLayout(cfg, cred)
		if err != nil || lay == nil {
			return
		}
		sameAsFull(t, cfg, cred, full, layoutIndex{lay})
	})
}

func TestIndexedProfilesFallBack(t *testing.T) {
	config := "[sso-session mine]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\n" +
		"[profile s]\nsso_session = mine\nsso_account_id = 123456789012\nsso_role_name = R\n" + scaleConfig(20)
	cfg, cred := writeProfileFiles(t, []byte(config), nil)
	_, lay, _, err := LoadProfilesLayout(cfg, cred)
	if err != nil {
		t.Fatal(err)
	}
	ix := layoutIndex{lay}
	t.Run("many lookups read the whole files once", func(t *testing.T) {
		ps := IndexedProfiles(cfg, cred, ix)
		for _, n := range lay.Names {
			if ps.Get(n) == nil {
				t.Fatalf("no profile %q", n)
			}
		}
		if ps.lazy != nil {
			t.Error("the whole files were not read")
		}
	})
	t.Run("a section changed under the index is read afresh", func(t *testing.T) {
		edited := strings.Replace(config, "sso_region = eu-west-1", "sso_region = eu-west-2", 1)
		if err := os.WriteFile(cfg, []byte(edited), 0o600); err != nil {
			t.Fatal(err)
		}
		ps := IndexedProfiles(cfg, cred, ix)
		if ss := ps.Get("s"); ss == nil || ps.SSOSession("mine").Region != "eu-west-2" {
			t.Errorf("sso-session mine = %+v", ps.SSOSession("mine"))
		}
		if ps.lazy != nil {
			t.Error("the stale index was still used")
		}
	})
}

// BenchmarkIndexedProfilesGet: what a switch to a role profile reads of an
// indexed ~/.aws/config.
func BenchmarkIndexedProfilesGet(b *testing.B) {
	cfg, cred := writeProfileFiles(b, []byte(scaleConfig(5000)), nil)
	_, lay, _, err := LoadProfilesLayout(cfg, cred)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ps := IndexedProfiles(cfg, cred, layoutIndex{lay})
		if p := ps.Get("p2499"); p == nil || ps.Get(p.SourceProfile) == nil {
			b.Fatal("no profile")
		}
	}
}
