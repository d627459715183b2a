package setup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/childenv"
	"github.com/regkey/regkey/internal/cmderr"
)

// helperTimeout bounds one call into another credential helper.
const helperTimeout = 15 * time.Second

// helperNotFound is the protocol's not-found answer.
const helperNotFound = "credentials not found in native keychain"

// HelperRunner asks another docker-credential-NAME helper for credentials.
type HelperRunner interface {
	// Get returns the credential NAME holds for key, or an error wrapping
	// auth.ErrNotFound.
	Get(ctx context.Context, name, key string) (auth.Credential, error)
	// List returns NAME's keys with their user names.
	List(ctx context.Context, name string) (map[string]string, error)
}

// ExecHelper runs the helpers found on Env's PATH, as docker would: with
// Env minus regkey's own secrets.
type ExecHelper struct{ Env config.Env }

func (h ExecHelper) run(ctx context.Context, name, verb, input string) ([]byte, error) {
	prog := "docker-credential-" + name
	path, err := childenv.LookPath(h.Env, prog)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", prog, verb, err)
	}
	ctx, cancel := context.WithTimeout(ctx, helperTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, verb)
	cmd.Env = childenv.Strip(h.Env) // what docker would give the helper, minus regkey's own secrets
	cmd.Stdin = strings.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		out := strings.TrimSpace(stdout.String())
		if verb == "get" && out == helperNotFound {
			return nil, fmt.Errorf("%s get %s: %w", prog, input, auth.ErrNotFound)
		}
		if out == "" {
			out = strings.TrimSpace(stderr.String())
		}
		if len(out) > 200 {
			out = out[:200] + "…"
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("no answer within %s", helperTimeout)
		}
		return nil, fmt.Errorf("%s %s: %w (output: %q)", prog, verb, err, out)
	}
	return stdout.Bytes(), nil
}

// Get implements HelperRunner.
func (h ExecHelper) Get(ctx context.Context, name, key string) (auth.Credential, error) {
	out, err := h.run(ctx, name, "get", key)
	if err != nil {
		return auth.Credential{}, err
	}
	var r struct{ Username, Secret string }
	if err := json.Unmarshal(out, &r); err != nil {
		return auth.Credential{}, fmt.Errorf("docker-credential-%s get %s: the answer is not JSON", name, key)
	}
	return auth.Credential{Username: r.Username, Secret: r.Secret}, nil
}

// List implements HelperRunner.
func (h ExecHelper) List(ctx context.Context, name string) (map[string]string, error) {
	out, err := h.run(ctx, name, "list", "")
	if err != nil {
		return nil, err
	}
	var m map[string]string
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("docker-credential-%s list: the answer is not a JSON object", name)
	}
	return m, nil
}

// copyFromOtherHelpers (--take-over) adds the credentials other helpers hold
// for the entries setup takes over to the migrations, so that taking over
// loses no login. Hosts a provider serves need no copy.
func (p *setupPlan) copyFromOtherHelpers(ctx context.Context, opts *Options, docker *config.AuthFile, podFiles []*config.AuthFile) {
	if opts.Helper == nil {
		return
	}
	type want struct{ helper, key string }
	var wants []want
	if docker != nil {
		if cs := docker.CredsStore(); cs != "" && cs != config.HelperName {
			if opts.DryRun {
				p.notes = append(p.notes, fmt.Sprintf("would copy every login docker-credential-%s holds into the keystore", cs))
			} else if list, err := opts.Helper.List(ctx, cs); err != nil {
				p.warnf("cannot list the logins of docker-credential-%s (%v); they stay there", cs, cmderr.OneLine(err))
			} else {
				for _, k := range slices.Sorted(maps.Keys(list)) {
					wants = append(wants, want{cs, k})
				}
			}
		}
	}
	for _, f := range append([]*config.AuthFile{docker}, podFiles...) {
		if f == nil {
			continue
		}
		helpers := f.CredHelpers()
		keys := make([]string, 0, len(helpers))
		for k := range helpers {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, key := range keys {
			name := helpers[key]
			if name == "" || name == config.HelperName || p.providerServes(opts, key) {
				continue
			}
			if opts.DryRun {
				p.notes = append(p.notes, fmt.Sprintf("would copy the login docker-credential-%s holds for %s into the keystore", name, key))
				continue
			}
			wants = append(wants, want{name, key})
		}
	}
	seen := map[want]bool{}
	for _, w := range wants {
		if seen[w] {
			continue
		}
		seen[w] = true
		c, err := opts.Helper.Get(ctx, w.helper, w.key)
		switch {
		case err == nil && !c.Empty():
			p.migrations = append(p.migrations, migration{key: w.key, cred: c, from: "docker-credential-" + w.helper})
		case err != nil && !errors.Is(err, auth.ErrNotFound):
			p.warnf("cannot read the login for %s from docker-credential-%s (%v); it stays there", w.key, w.helper, cmderr.OneLine(err))
		}
	}
}

func (p *setupPlan) providerServes(opts *Options, raw string) bool {
	k, err := auth.ParseKey(raw)
	if err != nil || opts.Route == nil {
		return false
	}
	name, err := opts.Route(k)
	return err == nil && name != ""
}
