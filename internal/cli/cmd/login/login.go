// Package login is the `regkey login` command: its flags, help and
// checks of their combinations. The work is internal/login's.
package login

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/regkey/regkey/internal/cli/cmdutil"
	"github.com/regkey/regkey/internal/cmderr"
	"github.com/regkey/regkey/internal/login"
	"github.com/regkey/regkey/internal/netenv"
	"github.com/regkey/regkey/internal/regauth"
	"github.com/regkey/regkey/internal/version"
)

// LoginOptions are the inputs of `regkey login`: the engine's, with its
// streams, keystore, verifier, prompt and owner wired from the
// cmdutil.Factory and the rest set from the argument and flags.
type LoginOptions struct {
	login.Options
}

// NewCmdLogin builds `regkey login`. runF replaces loginRun in tests.
func NewCmdLogin(f *cmdutil.Factory, runF func(*LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{Options: login.Options{
		In: f.IO.In, InTTY: f.IO.InTTY, Out: f.IO.Out, ErrOut: f.IO.ErrOut,
		Keystore: f.Keystore,
		Verify:   regauth.Verify,
		Prompt:   newTermPrompter(f.IO),
		Owner:    login.ProviderOwner(f.Router),
		VerifyOptions: regauth.Options{
			CertDirs:  f.Paths.DockerCertDirs(),
			Proxy:     netenv.ProxyFunc(f.Env),
			UserAgent: "regkey/" + version.Version,
		},
	}}
	cmd := &cobra.Command{
		Use:   "login [SERVER]",
		Short: "Check a registry login and keep it in regkey's keystore",
		Long: `login checks a username and password (or token) with the registry, the way
docker login does, and stores them in regkey's keystore, where docker, podman,
skopeo and crane find them through docker-credential-regkey. Without SERVER it
logs in to Docker Hub.

The password comes from --password-stdin, or from a prompt when stdin is a
terminal. Nothing is stored if the registry rejects the credentials.

A registry whose /v2/ answers without credentials cannot check them: login
warns and stores them anyway, or fails with --strict.

The credentials are stored under the registry's host in lower case, with its
port if one was given (https://index.docker.io/v1/ for Docker Hub). Entries
for the same registry under other spellings (https://HOST, HOST:443) are
replaced, so that an older secret cannot shadow the new one.

Plain HTTP is used only for loopback registries (localhost, 127.0.0.0/8,
::1) unless --insecure is given. TLS trusts the system roots and docker's
/etc/docker/certs.d/HOST and ~/.docker/certs.d/HOST directories (*.crt CAs,
client.cert/client.key client certificates).

The credentials go only to the registry and the token server it names.
--insecure covers the registry named (its host and port) and nothing else:
a token server elsewhere must use verified HTTPS (plain HTTP only when it
and the registry are both on loopback hosts).
A redirect is followed only to the same scheme, host and port; one anywhere
else fails the login, naming both hosts, and nothing is stored. -v shows
every request and redirect.`,
		Example: `  echo "$TOKEN" | regkey login ghcr.io -u octocat --password-stdin
  regkey login registry.example.com:5000
  regkey login -u alice localhost:5000 --password-stdin < password.txt`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Server = args[0]
			}
			if cmd.Flags().Changed("password") && opts.PasswordStdin {
				return cmderr.Usagef("--password and --password-stdin are mutually exclusive")
			}
			if cmd.Flags().Changed("password") && opts.Password == "" {
				return cmderr.Usagef("--password is empty")
			}
			if opts.PasswordStdin && opts.Username == "" {
				return cmderr.Usagef("--password-stdin needs --username")
			}
			if opts.NoVerify && opts.Strict {
				return cmderr.Usagef("--no-verify and --strict are mutually exclusive")
			}
			if runF != nil {
				return runF(opts)
			}
			return loginRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Username, "username", "u", "", "user name")
	fl.StringVarP(&opts.Password, "password", "p", "", "password or token (visible to other users in the process list and shell history: prefer --password-stdin)")
	fl.BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the password or token from stdin")
	fl.BoolVar(&opts.Insecure, "insecure", false, "allow plain HTTP and skip TLS certificate verification for this registry")
	fl.BoolVar(&opts.NoVerify, "no-verify", false, "store without asking the registry")
	fl.BoolVar(&opts.Strict, "strict", false, "fail when the registry cannot check the credentials (anonymous access)")
	fl.BoolVar(&opts.IdentityToken, "identity-token", false, "store the registry's refresh token (as docker does) instead of the password, when it issues one")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "print each request made to the registry on stderr")
	return cmd
}

// loginRun hands the options to the engine, login.Login.
func loginRun(ctx context.Context, opts *LoginOptions) error {
	return login.Login(ctx, opts.Options)
}
