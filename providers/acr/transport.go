package acr

import (
	"net/http"

	"github.com/regkey/regkey/internal/netenv"
)

// httpClient is the client for both Entra (through azcore) and the
// exchange. It keeps proxy support, taken from the env snapshot, and never
// follows redirects: a redirected exchange would send the Entra token to a
// host the user did not name.
func (p *provider) httpClient() *http.Client {
	return netenv.Client(p.transport, p.env)
}
