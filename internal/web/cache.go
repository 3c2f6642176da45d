package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"

	"golang.org/x/sync/singleflight"
)

// cache keeps encoded API answers per request URL while the task's store
// version is unchanged: a dashboard polls every second but the data moves
// once a minute, so most polls cost one indexed read.
// Concurrent misses of one key build it once (singleflight).
type cache struct {
	mu      sync.Mutex
	entries map[string]cacheEntry
	flight  singleflight.Group
}

type cacheEntry struct {
	version int64
	body    []byte
}

// maxEntries bounds the cache; past it, it starts again empty.
const maxEntries = 256

func (c *cache) get(key string, version int64) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	return e.body, ok && e.version == version
}

func (c *cache) put(key string, version int64, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxEntries {
		c.entries = map[string]cacheEntry{}
	}
	c.entries[key] = cacheEntry{version: version, body: body}
}

// cached answers r from the cache when the task has not changed since the
// answer was built, else builds, stores and writes it.
func (s *Server) cached(w http.ResponseWriter, r *http.Request, task string, build func(context.Context) (any, error)) {
	version, err := s.Store.Version(r.Context(), task)
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	key := r.URL.RequestURI()
	body, ok := s.cache.get(key, version)
	if !ok {
		v, err, _ := s.cache.flight.Do(key+"@"+strconv.FormatInt(version, 10), func() (any, error) {
			return encode(context.WithoutCancel(r.Context()), build, func(b []byte) { s.cache.put(key, version, b) })
		})
		if err != nil {
			fail(w, http.StatusInternalServerError, err.Error())
			return
		}
		body = v.([]byte)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body) //nolint:gosec // G705: JSON from encoding/json, served as application/json with nosniff
}

func encode(ctx context.Context, build func(context.Context) (any, error), keep func([]byte)) ([]byte, error) {
	v, err := build(ctx)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	keep(buf.Bytes())
	return buf.Bytes(), nil
}
