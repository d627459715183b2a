package gcr

import (
	"net/http"

	"github.com/regkey/regkey/internal/netenv"
)

// httpClient is the client for every request of a Get. Proxies come from
// the env snapshot, except for the metadata server, which, as in Google's
// metadata client, is always reached directly. Redirects are refused:
// nothing here needs one, and each request carries a secret.
func (p *provider) httpClient() *http.Client {
	direct := []string{metadataIP, "metadata.google.internal"}
	if h := p.env["GCE_METADATA_HOST"]; h != "" {
		direct = append(direct, h)
	}
	return netenv.Client(p.transport, p.env, direct...)
}
