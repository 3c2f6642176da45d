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
// rows' text, its slice charts, the ink of lr's and its pixels in the
// best's green and the broken runs' red, and its note.
const LandscapeJS = `(() => {
	const c = document.querySelector('#landscape .slice[data-param="lr"] canvas'); let ink = 0, green = 0, red = 0;
	if (c) { const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		for (let i = 0; i < d.length; i += 4) { if (d[i + 3] > 0) ink++;
			if (d[i] === 47 && d[i + 1] === 143 && d[i + 2] === 91) green++; if (d[i] === 192 && d[i + 1] === 80 && d[i + 2] === 77) red++; } }
	const note = document.querySelector("#landscape .landscape-note");
	return { rows: [...document.querySelectorAll("#landscape .importance tr")].map(tr => tr.textContent),
		charts: document.querySelectorAll("#landscape .slice canvas").length, ink, green, red, note: note ? note.textContent : "" };
})()`

// LandscapeShown is what LandscapeJS reads.
type LandscapeShown struct {
	Rows        []string
	Charts, Ink int
	Green, Red  int // pixels of the best's point and of the broken run's
	Note        string
}

// Problems are what is wrong with a page's landscape section drawn from
// Landscape(note); none when it shows it all.
func (s LandscapeShown) Problems(note string) []string {
	var out []string
	if len(s.Rows) != 2 || s.Rows[0] != "lr (log)85.0 %" || s.Rows[1] != "batch (choice)15.0 %" {
		out = append(out, "importance rows "+strings.Join(s.Rows, " | "))
	}
	if s.Charts != 2 || s.Ink < 200 || s.Green < 10 || s.Red < 5 {
		out = append(out, fmt.Sprintf("%d slice charts, lr's ink %d (%d green, %d red)", s.Charts, s.Ink, s.Green, s.Red))
	}
	if s.Note != note {
		out = append(out, "note "+s.Note)
	}
	return out
}
