package sandbox

import (
	"os"
	"strings"
)

// passThrough lists the variables a child may inherit from the caller's
// environment. Everything else (API keys, tokens, SSH agents, cloud
// credentials) is dropped.
var passThrough = []string{
	"PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TERM",
	"CUDA_VISIBLE_DEVICES", "CUDA_HOME", "LD_LIBRARY_PATH", "HIP_VISIBLE_DEVICES",
}

// secretMarkers are substrings of variable names that are never passed,
// even when named explicitly in extra.
var secretMarkers = []string{"API_KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL", "SSH_AUTH", "AWS_", "GOOGLE_APPLICATION"}

// IsSecret reports whether a variable name looks like it holds a secret.
func IsSecret(name string) bool {
	upper := strings.ToUpper(name)
	for _, m := range secretMarkers {
		if strings.Contains(upper, m) {
			return true
		}
	}
	return false
}

// Env builds a scrubbed environment: the allow-listed variables of the
// current process plus extra ("K=V"), with anything that looks like a
// secret removed.
func Env(extra ...string) []string {
	var env []string
	for _, k := range passThrough {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	var out []string
	for _, kv := range append(env, extra...) {
		name, _, _ := strings.Cut(kv, "=")
		if !IsSecret(name) {
			out = append(out, kv)
		}
	}
	return out
}
