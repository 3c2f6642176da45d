package cli

import (
	"strings"
	"unicode"
)

// sanitize makes untrusted text (descriptions, excerpts) safe to print on
// a terminal: control characters, escape sequences included, become
// spaces; newlines are kept only when multiline is set.
func sanitize(s string, multiline bool) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' && multiline:
			return r
		case r == '\t' && multiline:
			return r
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
			return ' '
		}
		return r
	}, s)
}
