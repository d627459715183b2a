// Package kubelettest checks regkey's kubelet plugin output the way the
// kubelet reads it: with the official Go types of
// k8s.io/kubelet/pkg/apis/credentialprovider and a strict codec (unknown
// and duplicate fields rejected), converted to the internal version, and
// the apiVersion compared with the one that was sent.
//
// It is imported only from tests, so the Kubernetes modules never reach
// the regkey binary.
package kubelettest

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	cfgv1 "k8s.io/kubelet/config/v1"
	"k8s.io/kubelet/pkg/apis/credentialprovider"
	"k8s.io/kubelet/pkg/apis/credentialprovider/install"
	cpv1 "k8s.io/kubelet/pkg/apis/credentialprovider/v1"
)

var (
	scheme = runtime.NewScheme()
	codecs = serializer.NewCodecFactory(scheme, serializer.EnableStrict)

	configScheme = runtime.NewScheme()
	configCodecs = serializer.NewCodecFactory(configScheme, serializer.EnableStrict)
)

func init() {
	install.Install(scheme)
	if err := cfgv1.AddToScheme(configScheme); err != nil {
		panic(err)
	}
}

// EncodeRequest returns the CredentialProviderRequest for image in
// apiVersion (e.g. "credentialprovider.kubelet.k8s.io/v1"), encoded by the
// official serializer as the kubelet encodes it.
func EncodeRequest(apiVersion, image string) ([]byte, error) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return nil, err
	}
	req := &credentialprovider.CredentialProviderRequest{Image: image}
	enc := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme, json.SerializerOptions{})
	return runtime.Encode(codecs.EncoderForVersion(enc, gv), req)
}

// DecodeResponse decodes a plugin's stdout as the kubelet does: strictly,
// into the internal type, requiring kind CredentialProviderResponse and
// exactly wantAPIVersion, and a valid cacheKeyType.
func DecodeResponse(data []byte, wantAPIVersion string) (*credentialprovider.CredentialProviderResponse, error) {
	obj, gvk, err := codecs.UniversalDecoder().Decode(data, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("decoding response: %w", err)
	}
	if gvk.Kind != "CredentialProviderResponse" {
		return nil, fmt.Errorf("kind %q, want CredentialProviderResponse", gvk.Kind)
	}
	if got := gvk.GroupVersion().String(); got != wantAPIVersion {
		return nil, fmt.Errorf("apiVersion from credential plugin response did not match expected apiVersion: %s, expected %s", got, wantAPIVersion)
	}
	resp, ok := obj.(*credentialprovider.CredentialProviderResponse)
	if !ok {
		return nil, fmt.Errorf("unable to convert %T to *CredentialProviderResponse", obj)
	}
	switch resp.CacheKeyType {
	case credentialprovider.ImagePluginCacheKeyType, credentialprovider.RegistryPluginCacheKeyType, credentialprovider.GlobalPluginCacheKeyType:
	default:
		return nil, fmt.Errorf("credential provider plugin did not return a valid cacheKeyType: %q", resp.CacheKeyType)
	}
	return resp, nil
}

// DecodeV1Response decodes data strictly into the v1 type itself, without
// conversion.
func DecodeV1Response(data []byte) (*cpv1.CredentialProviderResponse, error) {
	obj, _, err := codecs.UniversalDeserializer().Decode(data, nil, &cpv1.CredentialProviderResponse{})
	if err != nil {
		return nil, err
	}
	resp, ok := obj.(*cpv1.CredentialProviderResponse)
	if !ok {
		return nil, fmt.Errorf("decoded %T, want a v1 CredentialProviderResponse", obj)
	}
	return resp, nil
}

// DecodeConfig decodes a CredentialProviderConfig file (YAML or JSON)
// strictly into the official kubelet.config.k8s.io/v1 type.
func DecodeConfig(data []byte) (*cfgv1.CredentialProviderConfig, error) {
	obj, gvk, err := configCodecs.UniversalDeserializer().Decode(data, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("decoding CredentialProviderConfig: %w", err)
	}
	cfg, ok := obj.(*cfgv1.CredentialProviderConfig)
	if !ok {
		return nil, fmt.Errorf("decoded %s, want kubelet.config.k8s.io/v1 CredentialProviderConfig", gvk)
	}
	return cfg, nil
}

// Duration returns d's duration, or -1 when d is nil (the kubelet then uses
// defaultCacheDuration).
func Duration(d *metav1.Duration) time.Duration {
	if d == nil {
		return -1
	}
	return d.Duration
}
