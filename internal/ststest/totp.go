package ststest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"time"
)

// totpStep is the RFC 6238 time step used by AWS virtual MFA devices.
const totpStep = 30

// totpEncoding is RFC 4648 base32 without padding, the form authenticator
// apps and the IAM console use for seeds.
var totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// TOTP returns the 6-digit RFC 6238 code (HMAC-SHA1, 30 s step) of the
// base32 secret at time t. The secret may be in either case, may contain
// spaces and may carry "=" padding.
func TOTP(secretBase32 string, t time.Time) (string, error) {
	key, err := decodeTOTPSecret(secretBase32)
	if err != nil {
		return "", err
	}
	if t.Unix() < 0 {
		return "", errors.New("totp: time before the unix epoch")
	}
	return hotp(key, totpCounter(t), 6), nil
}

// Code returns the user's current one-time code at t, or "" when the user
// has no MFA device.
func (u *User) Code(t time.Time) string {
	if u == nil || u.TOTPSecret == "" {
		return ""
	}
	code, err := TOTP(u.TOTPSecret, t)
	if err != nil {
		return ""
	}
	return code
}

func decodeTOTPSecret(s string) ([]byte, error) {
	s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	s = strings.TrimRight(s, "=")
	if s == "" {
		return nil, errors.New("totp: empty secret")
	}
	key, err := totpEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("totp: secret is not valid base32")
	}
	return key, nil
}

func totpCounter(t time.Time) uint64 { return uint64(t.Unix() / totpStep) }

// hotp is RFC 4226 HOTP with HMAC-SHA1 and the given number of digits.
func hotp(key []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	s := strconv.FormatUint(uint64(bin%mod), 10)
	return strings.Repeat("0", digits-len(s)) + s
}

// FreshCode returns a code of u's MFA device that the server accepts now
// and has not consumed yet, preferring the newest step, so that a test can
// make several MFA calls in a row without tripping over the reuse check.
// ok is false when every code in the window is used: wait for the next step.
func (s *Server) FreshCode(u *User) (code string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.users[u.Name]
	key, err := decodeTOTPSecret(u.TOTPSecret)
	if st == nil || err != nil {
		return "", false
	}
	now := s.now()
	step := totpCounter(now)
	for _, c := range []uint64{step + 1, step, step - 1} {
		// The last step's code is accepted only until this step ends:
		// not handed out when a busy machine might get it there too late.
		if c == step-1 && 30-now.Unix()%30 < 15 {
			break
		}
		if !st.usedSteps[c] {
			return hotp(key, c, 6), true
		}
	}
	return "", false
}
