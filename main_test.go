package main

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/autoresearch/autoresearch/internal/cli"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"autoresearch": func() { os.Exit(cli.Main(context.Background(), os.Args[1:], cli.StdStreams())) },
	})
}

// TestScripts runs the command-line scenarios in testdata/script: the real
// binary's commands, real Python and PyTorch, a database per scenario.
func TestScripts(t *testing.T) {
	cacheDir := t.TempDir() // shared, so that data is prepared once
	data := testutil.DataDir(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(e *testscript.Env) error {
			e.Setenv("AUTORESEARCH_CACHE_DIR", cacheDir)
			e.Setenv("AUTORESEARCH_DATA_DIR", data)
			return nil
		},
	})
}
