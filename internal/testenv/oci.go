package testenv

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Media types of the OCI image spec used by Image.
const (
	mediaTypeManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaTypeConfig   = "application/vnd.oci.image.config.v1+json"
	mediaTypeLayer    = "application/vnd.oci.image.layer.v1.tar+gzip"
)

// Image is a one-layer OCI image, written as an OCI image layout with no
// registry or daemon. Each image holds unique content.
type Image struct {
	// Dir is the OCI layout directory: `skopeo copy oci:DIR:TAG ...`,
	// `crane push DIR REF`.
	Dir string
	// Tag is the layout's ref name (org.opencontainers.image.ref.name).
	Tag string
	// LayerTar is the uncompressed layer: `podman import LAYER REF`,
	// `crane append -f LAYER -t REF`.
	LayerTar string
	// Digest is the manifest digest, "sha256:<hex>".
	Digest string
}

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int               `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// NewImage writes a new image tagged tag into a test temp dir.
func NewImage(t testing.TB, tag string) *Image {
	t.Helper()
	root := t.TempDir()
	img := &Image{Dir: filepath.Join(root, "layout"), Tag: tag, LayerTar: filepath.Join(root, "layer.tar")}
	blobs := filepath.Join(img.Dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		t.Fatalf("creating OCI layout: %v", err)
	}
	put := func(data []byte) string {
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:])
		writeBytes(t, filepath.Join(blobs, h), data)
		return "sha256:" + h
	}

	layer := layerTar(t, "hello.txt", []byte("hello from regkey testenv "+randomHex(t, 8)+"\n"))
	writeBytes(t, img.LayerTar, layer)
	diffSum := sha256.Sum256(layer)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(layer); err != nil || zw.Close() != nil {
		t.Fatalf("compressing layer: %v", err)
	}
	layerDesc := descriptor{MediaType: mediaTypeLayer, Digest: put(gz.Bytes()), Size: gz.Len()}

	config := mustJSON(t, map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"config":       map[string]any{"Cmd": []string{"/hello.txt"}},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + hex.EncodeToString(diffSum[:])}},
		"history":      []map[string]string{{"created_by": "regkey testenv"}},
	})
	configDesc := descriptor{MediaType: mediaTypeConfig, Digest: put(config), Size: len(config)}

	manifest := mustJSON(t, map[string]any{
		"schemaVersion": 2,
		"mediaType":     mediaTypeManifest,
		"config":        configDesc,
		"layers":        []descriptor{layerDesc},
	})
	img.Digest = put(manifest)
	index := mustJSON(t, map[string]any{
		"schemaVersion": 2,
		"manifests": []descriptor{{
			MediaType:   mediaTypeManifest,
			Digest:      img.Digest,
			Size:        len(manifest),
			Annotations: map[string]string{"org.opencontainers.image.ref.name": tag},
		}},
	})
	writeBytes(t, filepath.Join(img.Dir, "index.json"), index)
	writeBytes(t, filepath.Join(img.Dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`))
	return img
}

// layerTar returns a tar holding one regular file, with fixed owner and time.
func layerTar(t testing.TB, name string, content []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		t.Fatalf("writing layer: %v", err)
	}
	if _, err := tw.Write(content); err != nil {
		t.Fatalf("writing layer: %v", err)
	}
	if err := tw.Close(); err != nil {
		t.Fatalf("writing layer: %v", err)
	}
	return buf.Bytes()
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encoding JSON: %v", err)
	}
	return b
}

func writeBytes(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatalf("writing %s: %v", path, err)
	}
}
