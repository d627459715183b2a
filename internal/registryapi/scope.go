package registryapi

import (
	"net/http"
	"slices"
	"strings"
)

// CatalogScope is the token scope of GET /v2/_catalog.
const CatalogScope = "registry:catalog:*"

// Scopes returns the token scopes a request implies, as docker asks for
// them: registry:catalog:* for the catalog; for a repository's manifests,
// blobs, uploads, tags and referrers, repository:NAME:pull for GET and
// HEAD, pull,push for PUT, POST and PATCH, and delete for a DELETE of a
// manifest or blob (pull,push to cancel an upload). Paths that name no
// repository (/v2/, anything unknown) imply none; the registry's challenge
// still names what it wants.
func Scopes(method, path string) []string {
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return nil
	}
	if rest == "_catalog" {
		return []string{CatalogScope}
	}
	name, kind := repository(rest)
	if name == "" {
		return nil
	}
	var actions string
	switch strings.ToUpper(method) {
	case http.MethodPut, http.MethodPost, http.MethodPatch:
		actions = "pull,push"
	case http.MethodDelete:
		actions = "delete"
		if kind == "uploads" {
			actions = "pull,push"
		}
	default:
		actions = "pull"
	}
	return []string{"repository:" + name + ":" + actions}
}

// repository splits the part of a path after /v2/ into the repository name
// and what it addresses ("manifests", "blobs", "uploads", "tags",
// "referrers"), the way distribution's routes do: the name is everything
// before the route's fixed suffix. It returns "" for no known route.
func repository(rest string) (name, kind string) {
	segs := strings.Split(rest, "/")
	n := len(segs)
	join := func(k int) string {
		if k <= 0 {
			return ""
		}
		return strings.Join(segs[:k], "/")
	}
	switch {
	case n >= 3 && segs[n-2] == "tags" && segs[n-1] == "list":
		return join(n - 2), "tags"
	case n >= 4 && segs[n-3] == "blobs" && segs[n-2] == "uploads":
		return join(n - 3), "uploads" // blobs/uploads/ and blobs/uploads/<id>
	case n >= 3 && segs[n-2] == "blobs" && segs[n-1] == "uploads":
		return join(n - 2), "uploads"
	case n >= 3 && (segs[n-2] == "manifests" || segs[n-2] == "blobs" || segs[n-2] == "referrers") && segs[n-1] != "":
		return join(n - 2), segs[n-2]
	}
	return "", ""
}

// MergeScopes returns the scopes of a and b with the actions of each
// resource merged into one scope ("repository:app:pull" and
// "repository:app:delete" become "repository:app:delete,pull"): resources
// in the order first seen, actions sorted, so that the token request is the
// same whatever order a registry's challenge lists them in (docker-registry's
// varies from one challenge to the next). A resource name may hold a colon
// (a registry port), so a scope is split at its first colon and its last.
func MergeScopes(a, b []string) []string {
	var order []string
	actions := map[string][]string{}
	for _, s := range append(slices.Clone(a), b...) {
		for _, one := range strings.Fields(s) {
			typ, rest, ok := strings.Cut(one, ":")
			i := strings.LastIndex(rest, ":")
			if !ok || i < 0 {
				continue
			}
			res := typ + ":" + rest[:i]
			if _, seen := actions[res]; !seen {
				order = append(order, res)
				actions[res] = nil
			}
			for _, act := range strings.Split(rest[i+1:], ",") {
				if act != "" && !slices.Contains(actions[res], act) {
					actions[res] = append(actions[res], act)
				}
			}
		}
	}
	out := make([]string, 0, len(order))
	for _, res := range order {
		slices.Sort(actions[res])
		out = append(out, res+":"+strings.Join(actions[res], ","))
	}
	return out
}
