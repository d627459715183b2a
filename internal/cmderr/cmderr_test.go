package cmderr

import (
	"errors"
	"fmt"
	"testing"
)

func TestKinds(t *testing.T) {
	t.Parallel()
	base := errors.New("base")
	u := fmt.Errorf("wrapped: %w", Usagef("bad %s", "flag"))
	if !IsUsage(u) || IsUsage(base) || u.Error() != "wrapped: bad flag" {
		t.Errorf("Usagef: %v, IsUsage %v", u, IsUsage(u))
	}
	if Usage(nil) != nil || WithHint(nil, "x") != nil {
		t.Error("nil must stay nil")
	}
	h := fmt.Errorf("outer: %w", WithHint(Usage(base), "do this"))
	if HintOf(h) != "do this" || !IsUsage(h) || !errors.Is(h, base) {
		t.Errorf("WithHint lost something: %v, hint %q", h, HintOf(h))
	}
	if HintOf(base) != "" {
		t.Error("a plain error has no hint")
	}
	var p *Partial
	if err := fmt.Errorf("x: %w", &Partial{Failed: []string{"a", "b"}}); !errors.As(err, &p) || p.Error() != "2 registries failed" {
		t.Errorf("Partial: %v", err)
	}
	if (&Partial{Failed: []string{"a"}}).Error() != "1 registry failed" {
		t.Error("Partial: singular")
	}
	if OneLine(errors.New("a\nb")) == "a\nb" {
		t.Error("OneLine kept the line break")
	}
}
