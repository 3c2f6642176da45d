package render

import "testing"

func TestDiffLinesAndMetric(t *testing.T) {
	got := DiffLines("--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n z\n")
	want := []string{"", "", "hunk", "del", "add", ""}
	if len(got) != len(want) {
		t.Fatalf("%d lines", len(got))
	}
	for i, w := range want {
		if got[i].Class != w {
			t.Errorf("line %d %q: class %q, want %q", i, got[i].Text, got[i].Class, w)
		}
	}
	v := 0.12345
	if Metric(&v) != "0.1235" || Metric(nil) != "–" {
		t.Errorf("Metric: %q %q", Metric(&v), Metric(nil))
	}
}
