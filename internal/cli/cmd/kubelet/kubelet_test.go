package kubelet

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/regkey/regkey/auth"
	"github.com/regkey/regkey/internal/cli/cmdutil/cmdtest"
	"github.com/regkey/regkey/internal/kubelet"
	"github.com/regkey/regkey/internal/kubelet/kubelettest"
	"github.com/regkey/regkey/internal/testenv"
)

func Test_NewCmdKubelet(t *testing.T) {
	t.Parallel()
	for args, wantErr := range map[string]bool{"": false, "extra": true, "--json": true} {
		got, err := cmdtest.ParseArgs(t, NewCmdKubelet, args)
		if (err != nil) != wantErr {
			t.Errorf("kubelet-provider %s: err %v, want error %v", args, err, wantErr)
		}
		if !wantErr && (got == nil || got.Lookup == nil || got.Now == nil) {
			t.Errorf("kubelet-provider %s: options %+v", args, got)
		}
	}
}

// lookupFunc adapts a function to kubelet.Lookup.
type lookupFunc func(ctx context.Context, image string) (kubelet.Found, error)

func (f lookupFunc) Credential(ctx context.Context, image string) (kubelet.Found, error) {
	return f(ctx, image)
}

func Test_kubeletRun(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	req, err := kubelettest.EncodeRequest(kubelet.APIVersionV1, "myreg.azurecr.io/team/app")
	if err != nil {
		t.Fatal(err)
	}
	ios, out, _ := cmdtest.IO(string(req), false)
	opts := &KubeletOptions{IO: ios, Now: func() time.Time { return now }, Lookup: func() kubelet.Lookup {
		return lookupFunc(func(_ context.Context, image string) (kubelet.Found, error) {
			return kubelet.Found{Credential: auth.Credential{Username: "00000000-0000-0000-0000-000000000000", Secret: "refresh"}, Expires: now.Add(3 * time.Hour)}, nil
		})
	}}
	if err := kubeletRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	resp, err := kubelettest.DecodeResponse(out.Bytes(), kubelet.APIVersionV1)
	if err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if a := resp.Auth["myreg.azurecr.io"]; a.Password != "refresh" || kubelettest.Duration(resp.CacheDuration) != 90*time.Minute {
		t.Errorf("response %+v", resp)
	}
}

// Test_kubeletRunBounded: a source that never answers fails within the
// run's bound, long before the kubelet's minute.
func Test_kubeletRunBounded(t *testing.T) {
	t.Parallel()
	req, _ := kubelettest.EncodeRequest(kubelet.APIVersionV1, "a.example.com/x")
	ios, out, _ := cmdtest.IO(string(req), false)
	opts := &KubeletOptions{IO: ios, Now: time.Now, Timeout: 200 * time.Millisecond, Lookup: func() kubelet.Lookup {
		return lookupFunc(func(ctx context.Context, _ string) (kubelet.Found, error) {
			<-ctx.Done()
			return kubelet.Found{}, ctx.Err()
		})
	}}
	err := testenv.Returns(t, "kubelet-provider with a source that never answers", func() error { return kubeletRun(context.Background(), opts) })
	if !errors.Is(err, context.DeadlineExceeded) || out.Len() != 0 {
		t.Errorf("err %v, stdout %q; want the 200ms deadline and nothing written", err, out)
	}
	if KubeletTimeout >= time.Minute {
		t.Errorf("KubeletTimeout %v is not inside the kubelet's one-minute limit", KubeletTimeout)
	}
}
