package signin

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"time"

	"github.com/awsenv/awsenv/internal/keystore"
)

// A DPoP proof (RFC 9449) binds each token call to the login's key: an
// ES256 JWT whose header carries the public key, signed with the private
// one. The signature is JWS's raw r||s (64 bytes), not ASN.1 DER.

func newKey() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }

// keyPEM is the key as the cache holds it: SEC 1, "EC PRIVATE KEY".
func keyPEM(k *ecdsa.PrivateKey) (string, error) {
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})), nil
}

// parseKeyPEM reads the cache's dpopKey; the error never quotes it.
func parseKeyPEM(s string) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("its dpopKey is not a PEM key")
	}
	k, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		if pk, err2 := x509.ParsePKCS8PrivateKey(block.Bytes); err2 == nil {
			if ek, ok := pk.(*ecdsa.PrivateKey); ok {
				k, err = ek, nil
			}
		}
	}
	if err != nil || k.Curve != elliptic.P256() {
		return nil, errors.New("its dpopKey is not a P-256 private key")
	}
	return k, nil
}

// proof is a DPoP proof of a POST to url, made at now.
func proof(k *ecdsa.PrivateKey, url string, now time.Time) (string, error) {
	pub, err := k.PublicKey.Bytes() // 0x04 || X || Y, each 32 bytes
	if err != nil {
		return "", err
	}
	header, _ := json.Marshal(map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": map[string]string{
		"kty": "EC", "crv": "P-256",
		"x": base64.RawURLEncoding.EncodeToString(pub[1:33]),
		"y": base64.RawURLEncoding.EncodeToString(pub[33:65]),
	}})
	payload, _ := json.Marshal(map[string]any{
		"jti": base64.RawURLEncoding.EncodeToString(randomBytes(18)),
		"htm": "POST", "htu": url, "iat": now.Unix(),
	})
	msg := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	sum := sha256.Sum256([]byte(msg))
	r, s, err := ecdsa.Sign(rand.Reader, k, sum[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return msg + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return b
}

// With `awsenv login --keyring` the private key is kept in a keyring and
// the cache's dpopKey holds a reference to it: a PEM block still, so that
// the SDKs, which parse dpopKey only to refresh, fail with their own
// error instead of a panic on a non-PEM value:
//
//	-----BEGIN AWSENV KEYRING REFERENCE-----
//	Item: _login.<16 hex of the session's hash>.<8 random hex>
//	Keyring: keyring:BACKEND
//
//	-----END AWSENV KEYRING REFERENCE-----
const refBlockType = "AWSENV KEYRING REFERENCE"

// keyRef is where a session's key is kept: a keyring (as keystore's
// ParseLocation reads it) and the item's name there.
type keyRef struct{ Keyring, Item string }

func (r keyRef) encode() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: refBlockType, Headers: map[string]string{"Keyring": r.Keyring, "Item": r.Item}}))
}

// newItemName is a fresh keyring item name for a session's key: a new
// login writes a new item before the cache points at it, so a failure
// never leaves the cache pointing at a key that is not its own.
func newItemName(loginSession string) string {
	sum := sha256.Sum256([]byte(loginSession))
	return "_login." + hex.EncodeToString(sum[:8]) + "." + hex.EncodeToString(randomBytes(4))
}

// readDPoPKey reads a cache's dpopKey, opening nothing: a key, or a
// reference to one in a keyring. The error never quotes it.
func readDPoPKey(s string) (*ecdsa.PrivateKey, *keyRef, error) {
	block, _ := pem.Decode([]byte(s))
	if block != nil && block.Type == refBlockType {
		r := &keyRef{Keyring: block.Headers["Keyring"], Item: block.Headers["Item"]}
		// Checked here, so that a reference awsenv did not write is a
		// problem of the file (named, with what to do), and nothing of it
		// reaches a keyring or a terminal unchecked.
		loc, err := keystore.ParseLocation(r.Keyring)
		if err != nil || !loc.Keyring || loc.Backend == "" || !strings.HasPrefix(r.Item, "_login.") || keystore.CheckSecretName(r.Item) != nil {
			return nil, nil, errors.New("its dpopKey is not a keyring reference awsenv wrote (Keyring: keyring:BACKEND, Item: _login.NAME)")
		}
		return nil, r, nil
	}
	k, err := parseKeyPEM(s)
	return k, nil, err
}
