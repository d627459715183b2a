package kubelettest

import (
	"strings"
	"testing"
)

const v1 = "credentialprovider.kubelet.k8s.io/v1"

// TestDecodeResponseIsStrict: the checker rejects what the kubelet rejects,
// so that a passing test means something.
func TestDecodeResponseIsStrict(t *testing.T) {
	t.Parallel()
	good := `{"apiVersion":"` + v1 + `","kind":"CredentialProviderResponse","cacheKeyType":"Registry","cacheDuration":"1h0m0s","auth":{"a.io":{"username":"u","password":"p"}}}`
	if _, err := DecodeResponse([]byte(good), v1); err != nil {
		t.Fatalf("good response rejected: %v", err)
	}
	bad := map[string]string{
		"unknown field":      strings.Replace(good, `"cacheKeyType"`, `"extra":1,"cacheKeyType"`, 1),
		"duplicate field":    strings.Replace(good, `"cacheKeyType"`, `"cacheKeyType":"Image","cacheKeyType"`, 1),
		"unknown auth field": strings.Replace(good, `"password":"p"`, `"password":"p","auth":"dTpw"`, 1),
		"bad cacheKeyType":   strings.Replace(good, `"Registry"`, `"Host"`, 1),
		"no cacheKeyType":    strings.Replace(good, `"cacheKeyType":"Registry",`, ``, 1),
		"other version":      strings.Replace(good, v1, "credentialprovider.kubelet.k8s.io/v1beta1", 1),
		"wrong kind":         strings.Replace(good, "CredentialProviderResponse", "CredentialProviderRequest", 1),
		"bad duration":       strings.Replace(good, `"1h0m0s"`, `"an hour"`, 1),
	}
	for name, in := range bad {
		if _, err := DecodeResponse([]byte(in), v1); err == nil {
			t.Errorf("%s: accepted %s", name, in)
		}
	}
}

func TestEncodeRequest(t *testing.T) {
	t.Parallel()
	b, err := EncodeRequest(v1, "docker.io/library/nginx")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"apiVersion":"` + v1 + `"`, `"kind":"CredentialProviderRequest"`, `"image":"docker.io/library/nginx"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("request %s lacks %s", b, want)
		}
	}
}
