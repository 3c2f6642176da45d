package research

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	cases := []struct {
		name, s string
		n       int
		want    string
	}{
		{"short ASCII", "abc", 5, "abc"},
		{"exact length", "abcde", 5, "abcde"},
		{"long ASCII", "abcdefgh", 5, "abcde…"},
		{"empty", "", 0, ""},
		{"zero bound", "abc", 0, "…"},
		{"negative bound", "abc", -1, "…"},
		{"empty with a negative bound", "", -1, ""},
		{"two-byte character on the boundary", "abcdé", 5, "abcd…"},
		{"two-byte character ends on the bound", "abcé", 5, "abcé"},
		{"two-byte character then more", "abcéx", 5, "abcé…"},
		{"three-byte character split after one byte", "ab€cd", 3, "ab…"},
		{"three-byte character split after two bytes", "ab€cd", 4, "ab…"},
		{"three-byte character kept whole", "ab€cd", 5, "ab€…"},
		{"four-byte character split after three bytes", "a😀b", 4, "a…"},
		{"four-byte character kept whole", "a😀bc", 5, "a😀…"},
		{"bound smaller than one character", "😀", 2, "…"},
		{"invalid bytes are kept as bytes", "ab\xff\xfe\xfdcd", 4, "ab\xff\xfe…"},
		{"lone continuation bytes", "\x80\x80\x80\x80\x80\x80", 4, "\x80\x80\x80\x80…"},
		{"truncated lead byte before the cut", "ab\xe2\x82", 3, "ab\xe2…"},
		{"lead byte without its continuation", "ab\xe2cd", 3, "ab\xe2…"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Clip(c.s, c.n)
			if got != c.want {
				t.Fatalf("Clip(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
			}
			if len(got) > max(c.n, 0)+len("…") {
				t.Fatalf("Clip(%q, %d) has %d bytes, over the bound plus the marker", c.s, c.n, len(got))
			}
		})
	}
}

// TestClipNeverSplitsACharacter: whatever the bound, valid text stays valid.
func TestClipNeverSplitsACharacter(t *testing.T) {
	s := strings.Repeat("aé€😀", 20)
	for n := -1; n <= len(s)+1; n++ {
		got := Clip(s, n)
		if !utf8.ValidString(got) || len(got) > max(n, 0)+len("…") {
			t.Fatalf("Clip(s, %d) = %q: invalid or over the bound", n, got)
		}
		if got != s && !strings.HasPrefix(s, strings.TrimSuffix(got, "…")) {
			t.Fatalf("Clip(s, %d) = %q is not a prefix of s", n, got)
		}
	}
}

func TestClipTail(t *testing.T) {
	cases := []struct {
		s    string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abcdefgh", 3, "…fgh"},
		{"abc", 0, "…"},
		{"xé€😀", 4, "…😀"},  // exactly 😀 (4 bytes)
		{"xé€😀", 7, "…€😀"}, // exactly € and 😀
		{"xé€😀", 8, "…€😀"}, // inside é: start after it
	}
	for _, c := range cases {
		got := ClipTail(c.s, c.n)
		if got != c.want || !utf8.ValidString(got) {
			t.Errorf("ClipTail(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}
