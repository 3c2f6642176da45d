// Package browsertest drives a real headless Chromium (Debian's chromium
// package) through chromedp for tests of what a person looks at: it
// blocks every network request, and records console errors, uncaught
// exceptions, dialogs (an XSS payload that ran) and failed requests.
package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/autoresearch/autoresearch/internal/testdeps"
)

// Browser is one headless Chromium with a fresh profile.
type Browser struct {
	Ctx      context.Context
	mu       sync.Mutex
	problems []string
	requests []string
}

// New starts Chromium with every http(s) and websocket request blocked
// (for pages opened from file://), or skips the test when it is not
// installed (see testdeps).
func New(t *testing.T) *Browser {
	return start(t, []string{"http://*", "https://*", "ws://*", "wss://*"})
}

// NewLocal starts Chromium for a page served on this machine: nothing is
// blocked; Requests tells where the page went.
func NewLocal(t *testing.T) *Browser {
	return start(t, nil)
}

func start(t *testing.T, blocked []string) *Browser {
	t.Helper()
	path := testdeps.Chromium(t)
	// Chromium may still write to its profile while it shuts down, so the
	// profile is removed after it has, not by t.TempDir.
	profile, err := os.MkdirTemp("", "autoresearch-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(profile), chromedp.WindowSize(1100, 1600),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		_ = chromedp.Cancel(ctx)
		cancelTimeout()
		cancel()
		cancelAlloc()
		for range 20 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	b := &Browser{Ctx: ctx}
	chromedp.ListenTarget(ctx, b.listen)
	if err := chromedp.Run(ctx, network.Enable(), network.SetBlockedURLs(blocked)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

func (b *Browser) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *runtime.EventExceptionThrown:
		b.problems = append(b.problems, "exception: "+e.ExceptionDetails.Error())
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.APITypeError {
			b.problems = append(b.problems, "console error")
		}
	case *page.EventJavascriptDialogOpening:
		b.problems = append(b.problems, "dialog opened: "+e.Message)
		go func() { _ = chromedp.Run(b.Ctx, page.HandleJavaScriptDialog(false)) }()
	case *network.EventLoadingFailed:
		b.problems = append(b.problems, "request failed: "+e.ErrorText)
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, e.Request.URL)
	}
}

// Problems returns what went wrong on the page so far.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// Requests returns every URL the page asked for.
func (b *Browser) Requests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...)
}

// Screenshot saves a full-page PNG under $AUTORESEARCH_ARTIFACTS (or the
// system temp folder) and returns its path, for a person to look at.
func (b *Browser) Screenshot(t *testing.T, name string) string {
	t.Helper()
	var png []byte
	if err := chromedp.Run(b.Ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := os.Getenv("AUTORESEARCH_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "autoresearch-artifacts")
	}
	//nolint:gosec // G703: the artifacts folder is the developer's or CI's choice
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	//nolint:gosec // G703: see above
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return path
}
