package signin

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"time"
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
