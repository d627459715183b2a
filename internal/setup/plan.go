package setup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/config"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/keystore"
)

// fileEdit is one file setup would change.
type fileEdit struct {
	client  string // "docker", "podman", "podman (runtime)", "podman (registries.conf)"
	path    string
	file    *config.AuthFile // nil for the registries.conf drop-in
	old     []byte
	existed bool
	mode    fs.FileMode
	next    []byte
	result  config.WireResult
}

func (e *fileEdit) changed() bool {
	return e.existed != (e.next != nil) || string(e.old) != string(e.next)
}

// migration is one credential setup moves into the keystore.
type migration struct {
	key   string // the exact key the file (or helper) used
	cred  auth.Credential
	from  string // the file, or docker-credential-NAME
	store bool   // false when the keystore already holds it
}

// setupPlan is everything setup will do, computed before anything changes.
type setupPlan struct {
	journal    *config.Journal
	store      keystore.Store
	info       keystore.Info
	migrations []migration
	edits      []*fileEdit
	warnings   []string
	notes      []string
}

func (p *setupPlan) warnf(format string, a ...any) {
	p.warnings = append(p.warnings, fmt.Sprintf(format, a...))
}

// planSetup reads every file, decides what moves and what is wired, and
// checks the keystore, without changing anything. j is setup's journal.
func planSetup(ctx context.Context, opts *Options, sel clientSel, j *config.Journal) (*setupPlan, error) {
	p := &setupPlan{journal: j}
	var docker *config.AuthFile
	var podFiles []*config.AuthFile
	pod := config.PodmanAuthFor(opts.Env, opts.GOOS, opts.UID)
	if sel.docker {
		f, err := config.ReadAuthFile(opts.Paths.DockerConfig)
		if err != nil {
			return nil, malformedHint(err)
		}
		docker = f
	}
	if sel.podman {
		// A podman file may be docker's own (REGISTRY_AUTH_FILE pointing at
		// config.json, or a symlink): it is read and edited once, as
		// docker's, whose credHelpers keys include podman's.
		seen := map[string]bool{}
		if docker != nil {
			seen[docker.Target] = true
		}
		for _, path := range pod.OwnFiles() {
			f, err := config.ReadAuthFile(path)
			if err != nil {
				return nil, malformedHint(err)
			}
			if seen[f.Target] {
				continue
			}
			seen[f.Target] = true
			podFiles = append(podFiles, f)
		}
	}
	moved := map[*config.AuthFile][]string{}
	for _, f := range append([]*config.AuthFile{docker}, podFiles...) {
		if f == nil {
			continue
		}
		keys, err := p.collectPlain(f)
		if err != nil {
			return nil, malformedHint(err)
		}
		moved[f] = keys
	}
	if opts.TakeOver {
		p.copyFromOtherHelpers(ctx, opts, docker, podFiles)
	}
	if err := p.openKeystore(ctx, opts); err != nil {
		return nil, err
	}
	hosts, err := p.servedHosts(ctx, opts, append([]*config.AuthFile{docker}, podFiles...))
	if err != nil {
		return nil, err
	}
	w := config.Wiring{Helper: config.HelperName, TakeOver: opts.TakeOver}
	if docker != nil {
		dw := w
		dw.CredsStore = true
		dw.ClearSecrets = moved[docker]
		for _, h := range hosts {
			dw.Keys = append(dw.Keys, config.DockerKeys(h)...)
		}
		if err := p.addEdit("docker", docker, dw); err != nil {
			return nil, err
		}
	}
	for _, f := range podFiles {
		pw, client := w, "podman (runtime)"
		pw.RemoveAuths = moved[f]
		if f.Path == pod.WireFile() {
			client = "podman"
			foreign := p.otherHelpersForPodman(opts, pod, docker, podFiles)
			for _, h := range hosts {
				for _, k := range config.PodmanKeys(h) {
					if o, ok := foreign[k]; ok && !opts.TakeOver {
						p.notes = append(p.notes, fmt.Sprintf("Left %s to docker-credential-%s for podman (credHelpers in %s; `regkey setup --take-over` routes it to regkey).", k, o.helper, o.file))
						continue
					}
					pw.Keys = append(pw.Keys, k)
				}
			}
		} else if !f.Exists {
			continue
		} else {
			p.checkRuntimeFile(f, hosts)
		}
		if err := p.addEdit(client, f, pw); err != nil {
			return nil, err
		}
	}
	if sel.podman {
		if err := p.planDropIn(opts); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// collectPlain adds f's movable plaintext secrets to the migrations and
// returns their keys.
func (p *setupPlan) collectPlain(f *config.AuthFile) ([]string, error) {
	plain, err := f.PlainAuths()
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, a := range plain {
		switch {
		case a.Namespaced:
			p.warnf("%s: auths[%q] is scoped to a repository namespace; podman never asks a helper for those, so it stays in the file", f.Path, a.Key)
			continue
		case !a.Movable():
			p.warnf("%s: auths[%q] holds only a registry token, which no credential helper can hold; it stays in the file", f.Path, a.Key)
			continue
		}
		if a.RegistryToken {
			p.warnf("%s: auths[%q] also holds a registry token, which stays in the file", f.Path, a.Key)
		}
		p.migrations = append(p.migrations, migration{key: a.Key, cred: a.Credential(), from: f.Path})
		keys = append(keys, a.Key)
	}
	return keys, nil
}

// openKeystore opens the keystore and decides which migrations need a
// store. Two sources that disagree about one key, or a keystore that holds
// another credential under it, stop setup before anything changes.
func (p *setupPlan) openKeystore(ctx context.Context, opts *Options) error {
	s, info, err := opts.Keystore(ctx)
	if err != nil {
		if len(p.migrations) > 0 {
			return fmt.Errorf("%d plaintext login(s) should move into the keystore, which cannot be opened, so nothing was changed: %w", len(p.migrations), err)
		}
		p.warnf("the keystore cannot be opened (%v): wiring only the registries named in config files and rules", cmderr.OneLine(err))
		return nil
	}
	p.store, p.info = s, info
	seen := map[string]migration{}
	var out []migration
	for _, m := range p.migrations {
		if prev, ok := seen[m.key]; ok {
			if prev.cred != m.cred {
				return cmderr.WithHint(fmt.Errorf("%s and %s hold different credentials for %q; nothing was changed", prev.from, m.from, m.key),
					"remove the stale one from its file, then run `regkey setup` again")
			}
			continue
		}
		seen[m.key] = m
		have, err := s.Get(ctx, m.key)
		switch {
		case errors.Is(err, auth.ErrNotFound):
			m.store = true
		case err != nil:
			return fmt.Errorf("reading %q from the %s keystore: %w (nothing was changed)", m.key, info.Backend, err)
		case have != m.cred:
			return cmderr.WithHint(fmt.Errorf("the %s keystore already holds another credential for %q than %s; nothing was changed", info.Backend, m.key, m.from),
				"keep one: `regkey logout "+m.key+"` drops the keystore's, or remove auths[\""+m.key+"\"] from "+m.from+" to keep the keystore's")
		}
		out = append(out, m)
	}
	p.migrations = out
	return nil
}

// servedHosts are the registries regkey answers for: keystore entries,
// migrated logins, hosts the rules name, and hosts in the files that a
// provider owns.
func (p *setupPlan) servedHosts(ctx context.Context, opts *Options, files []*config.AuthFile) ([]string, error) {
	set := map[string]bool{}
	add := func(raw string) {
		if k, err := auth.ParseKey(raw); err == nil && !k.Opaque {
			set[k.Host] = true
		}
	}
	for _, m := range p.migrations {
		add(m.key)
	}
	if p.store != nil {
		list, err := p.store.List(ctx)
		if err != nil {
			p.warnf("listing the %s keystore: %v", p.info.Backend, cmderr.OneLine(err))
		}
		for k := range list {
			add(k)
		}
	}
	if opts.RuleHosts != nil {
		hosts, err := opts.RuleHosts()
		if err != nil {
			p.warnf("not wiring the hosts of regkey's rules: %v", cmderr.OneLine(err))
		}
		for _, h := range hosts {
			add(h)
		}
	}
	if opts.Route != nil {
		for _, f := range files {
			if f == nil {
				continue
			}
			keys := f.AuthKeys()
			for k := range f.CredHelpers() {
				keys = append(keys, k)
			}
			for _, raw := range keys {
				k, err := auth.ParseKey(raw)
				if err != nil || k.Opaque || k.Path != "" {
					continue
				}
				if name, err := opts.Route(k); err == nil && name != "" {
					set[k.Host] = true
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for h := range set {
		out = append(out, h)
	}
	sort.Strings(out)
	return out, nil
}

// addEdit applies w to f and records the edit.
func (p *setupPlan) addEdit(client string, f *config.AuthFile, w config.Wiring) error {
	r, err := f.Wire(w)
	if err != nil {
		return err
	}
	next, err := f.Bytes()
	if err != nil {
		return err
	}
	e := &fileEdit{client: client, path: f.Path, file: f, old: f.Original, existed: f.Exists, mode: f.Mode, next: next, result: r}
	if !f.Exists && !f.Changed() {
		e.next = nil // nothing to create
	}
	p.edits = append(p.edits, e)
	return nil
}

func malformedHint(err error) error {
	return cmderr.WithHint(err, "fix the file by hand, or move it aside, and run `regkey setup` again; nothing was changed")
}
