package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/llm/llmtest"
	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/internal/web"
)

// envDump is a proposal that, past the validator, dumps its whole
// environment into its failure excerpt, which the store keeps.
const envDump = `import harness as H
import os as _o

env = vars(_o)["envi" + "ron"]
data = H.train_data()
raise SystemExit("ENVDUMP " + " ".join(k + "=" + v for k, v in sorted(env.items())))
H.save_model(None, data)
`

// TestCanaryKeyReachesNothing runs the loop with a canary API key (and a
// canary token) and looks for them in the sandbox's environment, the
// database, the command's output, the dashboard's answers and the report.
func TestCanaryKeyReachesNothing(t *testing.T) {
	const canary = "sk-ant-canary-7f3e9d"
	db := setupData(t)
	t.Setenv("ANTHROPIC_API_KEY", canary)
	t.Setenv("HF_TOKEN", canary+"-hf")
	answer, _ := json.Marshal(map[string]string{"description": "look around", "category": "other", "code": envDump})
	s := llmtest.NewAnthropic(llmtest.AnthropicText(string(answer), llmtest.Usage{Input: 100, Output: 100}))
	defer s.Close()
	ctx := context.Background()
	args := append([]string{"run", "--db", db, "--max-experiments", "1", "--base-url", s.URL, "--task", "shakespeare"}, llmFast...)
	code, out, errOut := run(ctx, t, args...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	exps := statusJSON(t, db)
	if len(exps) != 2 || !strings.Contains(exps[1].FailureExcerpt, "ENVDUMP") || !strings.Contains(exps[1].FailureExcerpt, "PATH=") {
		t.Fatalf("the environment dump did not run; recorded %+v", exps)
	}
	report := filepath.Join(t.TempDir(), "r.html")
	if code, _, errOut := run(ctx, t, "report", "--db", db, "--task", "shakespeare", "-o", report); code != 0 {
		t.Fatalf("report: %s", errOut)
	}
	_, dump, _ := run(ctx, t, "export", "--db", db, "--format", "json")
	places := map[string]string{"run output": out + errOut, "report": readFile(t, report), "export": dump,
		"database file": readFile(t, db) + readFile(t, db+"-wal")}
	for path, body := range dashboardAnswers(t, db) {
		places["dashboard "+path] = body
	}
	for where, body := range places {
		if strings.Contains(body, "canary") {
			t.Errorf("the canary key reached the %s", where)
		}
	}
}

func dashboardAnswers(t *testing.T, path string) map[string]string {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer((&web.Server{Store: db, DefaultTask: "shakespeare",
		Goal: newGoals(db, &globalOpts{}, io.Discard).of}).Handler())
	defer srv.Close()
	out := map[string]string{}
	for _, p := range []string{"/tasks/shakespeare", "/tasks/shakespeare/experiments/1", "/tasks/shakespeare/experiments/2",
		"/api/tasks", "/api/tasks/shakespeare/experiments", "/api/tasks/shakespeare/experiments/2",
		"/api/tasks/shakespeare/points?after=0", "/api/tasks/shakespeare/running"} {
		resp, err := http.Get(srv.URL + p) //nolint:noctx // a test's own local server
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		out[p] = string(b)
	}
	return out
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}
