package testenv

import (
	"encoding/base64"
	"testing"
)

// Push copies img into the registry as repoTag ("test/hello:v1") with
// skopeo, using the registry's own credentials from a private auth file (no
// credential helper involved), and returns the full reference HOST/repoTag.
// Use it to seed images that the client under test then reads.
func (r *Registry) Push(t testing.TB, img *Image, repoTag string) string {
	t.Helper()
	RequireProgram(t, "skopeo")
	c := NewClient(t, nil)
	c.WriteAuthFile(t, map[string]any{"auths": map[string]any{
		r.Host: map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(r.User + ":" + r.Password))},
	}})
	ref := r.Host + "/" + repoTag
	args := []string{"copy", "--quiet", "--authfile", c.AuthFile}
	if r.CA != nil {
		args = append(args, "--dest-cert-dir", r.CA.CertDir)
	} else {
		args = append(args, "--dest-tls-verify=false")
	}
	args = append(args, "oci:"+img.Dir+":"+img.Tag, "docker://"+ref)
	c.MustRun(t, nil, "skopeo", args...)
	return ref
}
