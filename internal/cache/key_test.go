package cache

import (
	"strings"
	"testing"
)

// TestKeyFileNames pins the file names: they are the ones awsenv has always
// written, so an upgrade keeps every cached session.
func TestKeyFileNames(t *testing.T) {
	arn := "arn:aws:iam::123456789012:role/work-admin"
	tests := []struct {
		key  Key
		want string
	}{
		{AccountSession("work"), "work"},
		{Key{Scope: ScopeAccount, Name: "work", Kind: KindRole, Role: arn, Sess: "alice"}, "work,role,arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fwork-admin,alice"},
		{Key{Scope: ScopeAccount, Name: "team", Kind: KindWebIdentity}, "team,web-identity"},
		{Key{Scope: ScopeProfile, Name: "base", Kind: KindSession}, "@profile%3Abase,session"},
		{Key{Scope: ScopeProfile, Name: "deep", Kind: KindOwn}, "@profile%3Adeep"},
		{Key{Scope: ScopeProfile, Name: "deep", Kind: KindRole, Role: arn, Sess: "s"}, "@profile%3Adeep,role,arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fwork-admin,s"},
		{Key{Scope: ScopeWebIdentity, Name: "team", Kind: KindWebIdentity, Role: arn}, "@web-identity%3Ateam,arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fwork-admin"},
	}
	for _, tt := range tests {
		if got := tt.key.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.key, got, tt.want)
		}
		back, ok := ParseKey(tt.want)
		if !ok {
			t.Errorf("ParseKey(%q) failed", tt.want)
			continue
		}
		back.stem = ""
		if back != tt.key {
			t.Errorf("ParseKey(%q) = %+v, want %+v", tt.want, back, tt.key)
		}
	}
}

func TestParseKeyRefuses(t *testing.T) {
	for _, s := range []string{"", "@other", "@profile%3A", "work,unknown", "work,role,x", "a%zz", "a%4", "@web-identity%3Ax,a,b"} {
		if k, ok := ParseKey(s); ok {
			t.Errorf("ParseKey(%q) = %+v, want no key", s, k)
		}
	}
}

// A hashed name keeps its owner, and addresses its own file.
func TestParseKeyHashed(t *testing.T) {
	long := "arn:aws:iam::123456789012:role/" + strings.Repeat("p/", 100) + "Admin"
	k := Key{Scope: ScopeProfile, Name: "deep", Kind: KindRole, Role: long, Sess: "s"}
	back, ok := ParseKey(k.String())
	if !ok || back.Scope != ScopeProfile || back.Name != "deep" || back.String() != k.String() {
		t.Errorf("ParseKey(%q) = %+v, %v", k.String(), back, ok)
	}
}

func FuzzParseKey(f *testing.F) {
	f.Add(0, "work", "role", "arn:aws:iam::1:role/x", "alice")
	f.Add(1, "a,b", "session", "", "")
	f.Add(2, "..", "web-identity", "%2F", ",")
	f.Fuzz(func(t *testing.T, scope int, name, kind, role, sess string) {
		k := Key{Scope: Scope(uint(scope) % 3), Name: name, Kind: Kind(kind), Role: role, Sess: sess}
		s := k.String()
		checkKeyShape(t, nil, s)
		back, ok := ParseKey(s)
		if name == "" || (k.Scope == ScopeAccount && strings.HasPrefix(name, "@")) {
			return
		}
		if !ok {
			t.Fatalf("ParseKey(%q) of %+v failed", s, k)
		}
		if back.Scope != k.Scope || (back.Name != name && !(back.Name == "" && back.Owns(name))) || back.String() != s {
			t.Fatalf("ParseKey(%q) = %+v, from %+v", s, back, k)
		}
	})
}
