package registryapi

import (
	"encoding/json"
	"io"
	"strings"
)

// ManifestAccept is the Accept header docker sends for a manifest: every
// OCI and Docker v2 manifest and index type. Without a matching Accept a
// registry may convert the manifest, answer with another digest, or refuse
// (distribution answers an OCI manifest asked for without the OCI type with
// 404 MANIFEST_UNKNOWN).
const ManifestAccept = "application/vnd.oci.image.index.v1+json, " +
	"application/vnd.oci.image.manifest.v1+json, " +
	"application/vnd.docker.distribution.manifest.list.v2+json, " +
	"application/vnd.docker.distribution.manifest.v2+json"

// IsManifest reports whether path (a URL path) addresses a manifest:
// /v2/NAME/manifests/REFERENCE.
func IsManifest(path string) bool {
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return false
	}
	_, kind := repository(rest)
	return kind == "manifests"
}

// maxMediaTypePeek caps how much of a body MediaType reads: registries
// refuse manifests over 4 MiB.
const maxMediaTypePeek = 4 << 20

// MediaType returns the "mediaType" member of the JSON document body holds
// (a manifest), or "" when it has none or is not JSON, and leaves body at
// its start.
func MediaType(body io.ReadSeeker) string {
	defer func() { _, _ = body.Seek(0, io.SeekStart) }()
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return ""
	}
	var v struct {
		MediaType string `json:"mediaType"`
	}
	if json.NewDecoder(io.LimitReader(body, maxMediaTypePeek)).Decode(&v) != nil {
		return ""
	}
	return v.MediaType
}
