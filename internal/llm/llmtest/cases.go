package llmtest

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/llm"
)

// fast asks for a retry after 10ms, so that retried cases stay quick.
var fast = map[string]string{"retry-after-ms": "10"}

func testAnswer(t *testing.T, h Harness) {
	o := h.answer(h.Text("the answer", Usage{Input: 12, Output: 34, CacheRead: 900, CacheWrite: 56}))
	if o.err != nil || o.resp.Text != "the answer" || o.requests != 1 {
		t.Fatalf("got %q, err %v after %d requests; want \"the answer\" after 1", o.resp.Text, o.err, o.requests)
	}
	want := llm.Usage{InputTokens: 12, OutputTokens: 34, CacheReadTokens: 900}
	if h.CacheWrites {
		want.CacheWriteTokens = 56
	}
	if o.resp.Usage != want {
		t.Errorf("usage %+v, want %+v (input excludes cached tokens)", o.resp.Usage, want)
	}
	if o.resp.Model == "" || o.resp.StopReason == "" {
		t.Errorf("model %q, stop reason %q: want both", o.resp.Model, o.resp.StopReason)
	}
	if name := h.New(llm.Options{APIKey: "k", BaseURL: "http://127.0.0.1:1"}).Name(); name == "" {
		t.Error("Name() is empty")
	}
}

func testRetryAfter(t *testing.T, h Harness) {
	o := h.answer(h.Error(429, "slow down", map[string]string{"retry-after": "1"}), h.ok())
	wantOK(t, o, 2)
	if o.elapsed < 900*time.Millisecond {
		t.Errorf("retried after %s, want the 1s retry-after honoured", o.elapsed)
	}
	within(t, o, 3*time.Second)
}

// testLongRetryAfter: a retry-after beyond llm.MaxRetryAfter is not
// waited for; the 429 is returned at once, not fatal.
func testLongRetryAfter(t *testing.T, h Harness) {
	secs := strconv.Itoa(int(llm.MaxRetryAfter/time.Second) + 60)
	o := h.answer(h.Error(429, "come back later", map[string]string{"retry-after": secs}), h.ok())
	wantErr(t, o, 1, false, "429")
	within(t, o, time.Second)
}

func testRateLimitBackoff(t *testing.T, h Harness) {
	o := h.answer(h.Error(429, "slow down", nil), h.ok())
	wantOK(t, o, 2)
	if o.elapsed < 200*time.Millisecond {
		t.Errorf("retried after %s, want a backoff", o.elapsed)
	}
	within(t, o, 3*time.Second)
}

func testStatusRetried(status int) func(*testing.T, Harness) {
	return func(t *testing.T, h Harness) {
		wantOK(t, h.answer(h.Error(status, "boom", nil), h.ok()), 2)
	}
}

func testOverloaded(t *testing.T, h Harness) {
	testStatusRetried(h.Overloaded)(t, h)
}

func testReset(t *testing.T, h Harness) {
	wantOK(t, h.answer(Reply{Reset: true}, h.ok()), 2)
}

// testExhausted: a transient error that outlasts the retries is returned,
// not fatal, after one request and each retry.
func testExhausted(t *testing.T, h Harness) {
	o := h.answer(h.Error(500, "still down", fast))
	wantErr(t, o, retries+1, false, "500")
}

func testFatal(status int) func(*testing.T, Harness) {
	return func(t *testing.T, h Harness) {
		o := h.answer(h.Error(status, "refused for good", fast))
		wantErr(t, o, 1, true, strconv.Itoa(status))
		if !strings.Contains(o.err.Error(), "refused for good") {
			t.Errorf("err %v lacks the provider's message", o.err)
		}
	}
}

func testNotRetried(status int) func(*testing.T, Harness) {
	return func(t *testing.T, h Harness) {
		wantErr(t, h.answer(h.Error(status, "too large", fast)), 1, false, strconv.Itoa(status))
	}
}

// testMalformed: an answer that cannot be decoded is returned at once,
// not fatal.
func testMalformed(t *testing.T, h Harness) {
	wantErr(t, h.answer(Reply{Status: 200, Body: "\xff\xfe not json"}), 1, false, "")
}

// testTimeout: each attempt is cut at Timeout and retried like a
// connection error; the last one's error wraps context.DeadlineExceeded.
func testTimeout(t *testing.T, h Harness) {
	const d = 300 * time.Millisecond
	hang := Reply{Status: 200, Body: "{}", Delay: time.Minute}
	o := h.call(context.Background(), llm.Options{MaxRetries: 1, Timeout: d}, hang)
	if o.err == nil || errors.Is(o.err, llm.ErrFatal) || o.requests != 2 {
		t.Fatalf("err %v after %d requests; want a timeout, not fatal, after 2", o.err, o.requests)
	}
	if !errors.Is(o.err, context.DeadlineExceeded) {
		t.Errorf("err %v does not wrap context.DeadlineExceeded", o.err)
	}
	within(t, o, 2*d+2*time.Second) // two attempts and a backoff
}

// cancelAfter returns a context cancelled after d.
func cancelAfter(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	timer := time.AfterFunc(d, cancel)
	t.Cleanup(func() { timer.Stop(); cancel() })
	return ctx
}

func testCancelRequest(t *testing.T, h Harness) {
	hang := Reply{Status: 200, Body: "{}", Delay: time.Minute}
	o := h.call(cancelAfter(t, 100*time.Millisecond), llm.Options{MaxRetries: retries, Timeout: time.Minute}, hang)
	wantCancelled(t, o)
}

func testCancelWait(t *testing.T, h Harness) {
	o := h.call(cancelAfter(t, 100*time.Millisecond), llm.Options{MaxRetries: retries, Timeout: time.Minute},
		h.Error(429, "slow down", map[string]string{"retry-after": "30"}), h.ok())
	wantCancelled(t, o)
}

// wantCancelled fails t unless o returned ctx's error promptly after one
// request.
func wantCancelled(t *testing.T, o outcome) {
	t.Helper()
	if !errors.Is(o.err, context.Canceled) || errors.Is(o.err, llm.ErrFatal) || o.requests != 1 {
		t.Fatalf("err %v after %d requests; want context.Canceled after 1", o.err, o.requests)
	}
	within(t, o, time.Second)
}
