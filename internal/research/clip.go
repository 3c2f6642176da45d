package research

import "unicode/utf8"

// Clip bounds text for a store column, a prompt or a terminal line: s
// itself when it has at most n bytes, else the longest prefix of s of at
// most n bytes that does not split a UTF-8 character, followed by "…"
// (U+2026, three bytes). The result has at most n+3 bytes. Bytes of s that
// are not valid UTF-8 count as one character each and are kept as they
// are: Clip bounds text, it does not clean it. A byte bound is also a
// bound on display width, as no character takes more columns than bytes.
func Clip(s string, n int) string {
	n = max(n, 0)
	if len(s) <= n {
		return s
	}
	// A character the cut would split starts at most UTFMax-1 bytes before it.
	for i := n - 1; i >= 0 && i > n-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			if _, size := utf8.DecodeRuneInString(s[i:]); i+size > n {
				n = i
			}
			break
		}
	}
	return s[:n] + "…"
}

// ClipTail is Clip from the other end, for output whose end matters (a
// failure's cause comes last): s itself when it has at most n bytes, else
// "…" followed by the longest suffix of s of at most n bytes that starts
// on a character.
func ClipTail(s string, n int) string {
	n = max(n, 0)
	if len(s) <= n {
		return s
	}
	cut := len(s) - n
	for i := cut; i < len(s) && i < cut+utf8.UTFMax; i++ {
		if utf8.RuneStart(s[i]) {
			cut = i
			break
		}
	}
	return "…" + s[cut:]
}
