// Package validate checks a generated script before it costs a run, with
// the real Python parser (ar_validate.py): syntax, the harness calls a
// script needs, and patterns that are mistakes or escapes (network,
// subprocesses, dynamic code, held-out data, the evaluator). It saves
// runs; the sandbox remains the security boundary.
package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/autoresearch/autoresearch/internal/pyenv"
	"github.com/autoresearch/autoresearch/internal/research"
)

// Timeout bounds one check; it normally takes tens of milliseconds.
const Timeout = 20 * time.Second

// Validator runs ar_validate.py with the harness's interpreter.
type Validator struct {
	Env *pyenv.Env
}

var _ research.Validator = Validator{}

type verdict struct {
	OK     bool   `json:"ok"`
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
}

// Validate implements research.Validator: nil, a *research.Rejection, or
// an error when the check itself could not run.
func (v Validator) Validate(ctx context.Context, code string) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, v.Env.Python, "-I", v.Env.Script("ar_validate.py"))
	cmd.Env = v.Env.ChildEnv()
	cmd.SysProcAttr = diesWithParent()
	cmd.Stdin = strings.NewReader(code)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("validator: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var vd verdict
	if err := json.Unmarshal(out, &vd); err != nil {
		return fmt.Errorf("validator: unreadable verdict %q: %w", out, err)
	}
	if vd.OK {
		return nil
	}
	kind := research.FailValidation
	if vd.Kind == string(research.FailSyntax) {
		kind = research.FailSyntax
	}
	return &research.Rejection{Kind: kind, Reason: vd.Reason}
}
