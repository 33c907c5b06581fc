package ststest

import (
	"encoding/base32"
	"net/url"
	"strings"
	"testing"
	"time"
)

// rfc6238Vectors are the SHA1 test vectors of RFC 6238, appendix B
// (8 digits, secret "12345678901234567890").
var rfc6238Vectors = []struct {
	unix int64
	code string
}{
	{59, "94287082"},
	{1111111109, "07081804"},
	{1111111111, "14050471"},
	{1234567890, "89005924"},
	{2000000000, "69279037"},
	{20000000000, "65353130"},
}

func TestTOTPRFC6238Vectors(t *testing.T) {
	key := []byte("12345678901234567890")
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key)
	for _, v := range rfc6238Vectors {
		tm := time.Unix(v.unix, 0)
		if got := hotp(key, uint64(v.unix/30), 8); got != v.code {
			t.Errorf("hotp 8 digits at %d = %s, want %s", v.unix, got, v.code)
		}
		// A 6-digit code is the same HOTP value mod 10^6: the last 6 digits.
		got, err := TOTP(secret, tm)
		if err != nil {
			t.Fatal(err)
		}
		if want := v.code[2:]; got != want {
			t.Errorf("TOTP at %d = %s, want %s", v.unix, got, want)
		}
		// Lower case, spaces and padding are accepted.
		loose := strings.ToLower(secret[:8]) + " " + secret[8:] + "===="
		if got2, err := TOTP(loose, tm); err != nil || got2 != got {
			t.Errorf("TOTP(loose) = %q, %v; want %q", got2, err, got)
		}
	}
}

func TestTOTPStepAndErrors(t *testing.T) {
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	a, _ := TOTP(secret, time.Unix(60, 0))
	b, _ := TOTP(secret, time.Unix(89, 0))
	c, _ := TOTP(secret, time.Unix(90, 0))
	if a != b {
		t.Errorf("codes within one 30 s step differ: %s %s", a, b)
	}
	if a == c {
		t.Errorf("codes of consecutive steps are equal: %s", a)
	}
	for _, bad := range []string{"", "not base32!", "1111"} {
		if _, err := TOTP(bad, time.Unix(60, 0)); err == nil {
			t.Errorf("TOTP(%q) accepted an invalid secret", bad)
		}
	}
}

func TestUserCode(t *testing.T) {
	s := New()
	u := s.AddUser("alice", true)
	if len(u.TOTPSecret) != 32 { // 20 bytes in unpadded base32
		t.Fatalf("TOTPSecret %q: want 32 base32 characters", u.TOTPSecret)
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(u.TOTPSecret)
	if err != nil || len(key) != 20 {
		t.Fatalf("TOTPSecret does not decode to 20 bytes: %v", err)
	}
	now := time.Now()
	want, _ := TOTP(u.TOTPSecret, now)
	if got := u.Code(now); got != want || len(got) != 6 {
		t.Errorf("Code = %q, want %q", got, want)
	}
	if got := s.AddUser("bob", false).Code(now); got != "" {
		t.Errorf("Code of a user without MFA = %q, want empty", got)
	}
}

func TestFreshCode(t *testing.T) {
	s := New()
	now := time.Unix(1_800_000_015, 0)
	s.SetClock(func() time.Time { return now })
	u := s.AddUser("alice", true)
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		code, ok := s.FreshCode(u)
		if !ok || seen[code] {
			t.Fatalf("round %d: %q %v", i, code, ok)
		}
		seen[code] = true
		// consume it as a GetSessionToken would
		s.mu.Lock()
		_, apiErr := s.checkMFA(s.users["alice"], url.Values{"SerialNumber": {u.MFASerial}, "TokenCode": {code}}, now)
		s.mu.Unlock()
		if apiErr != nil {
			t.Fatalf("fresh code %s refused: %v", code, apiErr)
		}
	}
	if _, ok := s.FreshCode(u); ok {
		t.Error("a fourth fresh code in one window")
	}
	now = now.Add(30 * time.Second)
	if _, ok := s.FreshCode(u); !ok {
		t.Error("no fresh code in the next step")
	}
}
