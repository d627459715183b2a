package cli

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/export"
	"github.com/regkey/regkey/internal/inventory"
)

// completionTimeout bounds what completing an argument may read (the
// keystore's list, docker's and podman's files): a shell waits for it. No
// completion uses the network or reads a secret.
const completionTimeout = 3 * time.Second

// apiMethods are the methods `regkey api -X` completes.
var apiMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}

// registerCompletions gives every positional argument and flag of the tree
// a completion: registry hosts where a registry is asked for, the values
// of enumerated flags, files only where a file is asked for (export
// --output, api --input), and nothing elsewhere, rather than the shell's
// default of file names.
func registerCompletions(f *cmdutil.Factory, root *cobra.Command) {
	hosts := func(c *cobra.Command, fn cobra.CompletionFunc) {
		if c != nil {
			c.ValidArgsFunction = fn
		}
	}
	find := func(name string) *cobra.Command {
		c, _, err := root.Find([]string{name})
		if err != nil || c == root {
			return nil
		}
		return c
	}
	hosts(find("logout"), completeStoredHosts(f))
	hosts(find("login"), completeKnownHosts(f, 1, ""))
	hosts(find("export"), completeKnownHosts(f, -1, ""))
	hosts(find("refresh"), completeKnownHosts(f, -1, ""))
	hosts(find("api"), completeKnownHosts(f, 1, "/v2/"))
	if c := find("export"); c != nil {
		_ = c.RegisterFlagCompletionFunc("format", completeWords(export.Formats...))
	}
	if c := find("api"); c != nil {
		_ = c.RegisterFlagCompletionFunc("method", completeWords(apiMethods...))
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.ValidArgsFunction == nil && len(c.ValidArgs) == 0 {
			c.ValidArgsFunction = cobra.NoFileCompletions
		}
		c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
			if _, ok := c.GetFlagCompletionFunc(fl.Name); ok || fileFlags[c.Name()+" --"+fl.Name] || fl.Value.Type() == "bool" {
				return
			}
			_ = c.RegisterFlagCompletionFunc(fl.Name, cobra.NoFileCompletions)
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// fileFlags are the flags whose value is a file name, as "COMMAND --FLAG".
var fileFlags = map[string]bool{"export --output": true, "api --input": true}

// completeWords completes from a fixed list, with no file names.
func completeWords(words ...string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return withPrefix(words, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeStoredHosts completes the registries regkey's keystore holds a
// login for (each host, and each HOST/REPO key), as `regkey list` lists
// them: names only, never a secret.
func completeStoredHosts(f *cmdutil.Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(completionContext(cmd), completionTimeout)
		defer cancel()
		store, _, err := f.Keystore(ctx)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		all, err := store.List(ctx)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		set := map[string]bool{}
		for raw := range all {
			k, err := auth.ParseKey(raw)
			if err != nil || k.Opaque || k.Host == "" {
				continue
			}
			set[k.Host] = true
			if k.Path != "" {
				set[k.Host+"/"+k.Path] = true
			}
		}
		return withPrefix(sortedSet(set), toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeKnownHosts completes the registries regkey knows of (keystore,
// settings rules, docker's and podman's files: what `regkey status` lists),
// each followed by suffix. max is how many arguments the command takes
// (-1 for any number).
func completeKnownHosts(f *cmdutil.Factory, max int, suffix string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if max >= 0 && len(args) >= max {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(completionContext(cmd), completionTimeout)
		defer cancel()
		inv := inventory.Gather(ctx, f.InventoryDeps())
		set := map[string]bool{}
		for _, h := range inv.Hosts() {
			if !slices.Contains(args, h) {
				set[h+suffix] = true
			}
		}
		directive := cobra.ShellCompDirectiveNoFileComp
		if suffix != "" {
			directive |= cobra.ShellCompDirectiveNoSpace
		}
		return withPrefix(sortedSet(set), toComplete), directive
	}
}

// completionContext is the command's context, or a background one when
// cobra runs a completion without one.
func completionContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// withPrefix keeps the words that start with prefix.
func withPrefix(words []string, prefix string) []string {
	var out []string
	for _, w := range words {
		if strings.HasPrefix(w, prefix) {
			out = append(out, w)
		}
	}
	return out
}

func sortedSet(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
