package testenv

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// jwtSigner signs registry tokens with an RSA key whose self-signed
// certificate travels in each token's x5c header. distribution 2.8 and 3.x
// both accept a token whose x5c chain ends in a rootcertbundle certificate.
type jwtSigner struct {
	key     *rsa.PrivateKey
	certDER []byte
}

func newJWTSigner(t testing.TB) *jwtSigner {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generating token signing key: %v", err)
	}
	der := selfSigned(t, "regkey testenv token signer", x509.KeyUsageDigitalSignature|x509.KeyUsageCertSign, key)
	return &jwtSigner{key: key, certDER: der}
}

// sign returns a compact RS256 JWT for subject (empty for anonymous) with
// audience service and the given access grants, valid for five minutes.
func (s *jwtSigner) sign(issuer, subject, service string, grants []accessEntry) (string, error) {
	if grants == nil {
		grants = []accessEntry{}
	}
	now := time.Now()
	header := map[string]any{
		"typ": "JWT",
		"alg": "RS256",
		"x5c": []string{base64.StdEncoding.EncodeToString(s.certDER)},
	}
	claims := map[string]any{
		"iss":    issuer,
		"sub":    subject,
		"aud":    service,
		"iat":    now.Unix(),
		"nbf":    now.Add(-30 * time.Second).Unix(),
		"exp":    now.Add(5 * time.Minute).Unix(),
		"jti":    fmt.Sprintf("%x", now.UnixNano()),
		"access": grants,
	}
	h, err := json.Marshal(header)
	if err != nil {
		return "", fmt.Errorf("encoding token header: %w", err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encoding token claims: %w", err)
	}
	enc := base64.RawURLEncoding
	signingInput := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	digest := sha256.Sum256([]byte(signingInput))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("signing token: %w", err)
	}
	return signingInput + "." + enc.EncodeToString(sig), nil
}
