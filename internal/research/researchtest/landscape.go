package researchtest

import (
	"fmt"
	"math"
	"strings"

	"github.com/autoresearch/autoresearch/internal/research"
)

// Landscape is what the optimisers know of two parameters for the views'
// tests: lr mattering most (85 %), batch (15 %), six points, the best #3,
// the last broken by its settings, and note as its note.
func Landscape(note string) research.Landscape {
	lr, batch := 0.85, 0.15
	ls := research.Landscape{Best: 3, Points: 6, Failed: 1, Method: "fANOVA (Optuna)", Note: note, Params: []research.ParamSlice{
		{Name: "lr", Kind: "log", Best: 1e-3, Importance: &lr},
		{Name: "batch", Kind: "choice", Best: 64, Importance: &batch}}}
	for i, v := range []float64{1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2} {
		m := math.Abs(math.Log10(v)+3) + 1
		ls.Params[0].Seq, ls.Params[0].Value = append(ls.Params[0].Seq, int64(i+1)), append(ls.Params[0].Value, v)
		ls.Params[1].Seq, ls.Params[1].Value = append(ls.Params[1].Seq, int64(i+1)), append(ls.Params[1].Value, float64(int(16)<<(i%4)))
		for j := range ls.Params {
			ls.Params[j].Metric, ls.Params[j].Broken = append(ls.Params[j].Metric, m), append(ls.Params[j].Broken, i == 5)
		}
	}
	return ls
}

// LandscapeJS reads what a page's landscape section shows: its importance
// rows' text, its slice charts and the ink of lr's, and its note.
const LandscapeJS = `(() => {
	const c = document.querySelector('#landscape .slice[data-param="lr"] canvas'); let ink = 0;
	if (c) { const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++; }
	const note = document.querySelector("#landscape .landscape-note");
	return { rows: [...document.querySelectorAll("#landscape .importance tr")].map(tr => tr.textContent),
		charts: document.querySelectorAll("#landscape .slice canvas").length, ink, note: note ? note.textContent : "" };
})()`

// LandscapeShown is what LandscapeJS reads.
type LandscapeShown struct {
	Rows   []string
	Charts int
	Ink    int
	Note   string
}

// Problems are what is wrong with a page's landscape section drawn from
// Landscape(note); none when it shows it all.
func (s LandscapeShown) Problems(note string) []string {
	var out []string
	if len(s.Rows) != 2 || s.Rows[0] != "lr (log)85.0 %" || s.Rows[1] != "batch (choice)15.0 %" {
		out = append(out, "importance rows "+strings.Join(s.Rows, " | "))
	}
	if s.Charts != 2 || s.Ink < 200 {
		out = append(out, fmt.Sprintf("%d slice charts, lr's ink %d", s.Charts, s.Ink))
	}
	if s.Note != note {
		out = append(out, "note "+s.Note)
	}
	return out
}
