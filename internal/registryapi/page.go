package registryapi

import (
	"net/http"
	"net/url"
	"strings"
)

// NextPage returns the URL of the next page that resp's Link header names
// (rel="next", RFC 8288), resolved against the URL of the request that got
// resp: distribution sends it relative to the registry
// ("</v2/_catalog?last=a%2Fb&n=1>; rel=\"next\""). It returns nil when
// there is no next page.
func NextPage(resp *http.Response) (*url.URL, error) {
	for _, v := range resp.Header.Values("Link") {
		for _, link := range splitLinks(v) {
			ref, params, ok := strings.Cut(link, ">")
			ref, found := strings.CutPrefix(strings.TrimSpace(ref), "<")
			if !ok || !found {
				continue
			}
			if !hasRel(params, "next") {
				continue
			}
			base := &url.URL{}
			if resp.Request != nil {
				base = resp.Request.URL
			}
			return base.Parse(ref)
		}
	}
	return nil, nil
}

// splitLinks splits a Link header value at the commas between links (not
// those inside <...> or quotes).
func splitLinks(v string) []string {
	var out []string
	start, inURL, inQuote := 0, false, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '<' && !inQuote:
			inURL = true
		case c == '>' && !inQuote:
			inURL = false
		case c == '"' && !inURL:
			inQuote = !inQuote
		case c == ',' && !inURL && !inQuote:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}

// hasRel reports whether a link's parameters (after the >) include rel
// with want among its space-separated values.
func hasRel(params, want string) bool {
	for _, p := range strings.Split(params, ";") {
		name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
			continue
		}
		for _, r := range strings.Fields(strings.Trim(strings.TrimSpace(value), `"`)) {
			if strings.EqualFold(r, want) {
				return true
			}
		}
	}
	return false
}
