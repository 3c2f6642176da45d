package sandbox

import (
	"fmt"
	"sync"
)

// BoundedBuffer keeps the first and the last bytes written to it, up to a
// limit, and counts what it dropped in between. It is safe for concurrent
// writers (stdout and stderr).
type BoundedBuffer struct {
	mu      sync.Mutex
	head    []byte
	tail    []byte // ring of the most recent bytes
	pos     int    // next write position in tail once it is full
	full    bool
	dropped int64
	headMax int
	tailMax int
}

// DefaultOutputLimit is used when a Spec sets no OutputLimit.
const DefaultOutputLimit = 64 << 10

// NewBoundedBuffer returns a buffer keeping at most limit bytes: a quarter
// from the start of the stream, the rest from its end.
func NewBoundedBuffer(limit int) *BoundedBuffer {
	if limit <= 0 {
		limit = DefaultOutputLimit
	}
	return &BoundedBuffer{headMax: limit / 4, tailMax: limit - limit/4}
}

// Write never fails and never blocks on size.
func (b *BoundedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(p)
	if room := b.headMax - len(b.head); room > 0 {
		k := min(room, len(p))
		b.head = append(b.head, p[:k]...)
		p = p[k:]
	}
	for len(p) > 0 {
		if !b.full {
			k := min(b.tailMax-len(b.tail), len(p))
			b.tail = append(b.tail, p[:k]...)
			p = p[k:]
			b.full = len(b.tail) == b.tailMax
			continue
		}
		k := min(b.tailMax-b.pos, len(p))
		b.dropped += int64(k)
		copy(b.tail[b.pos:], p[:k])
		b.pos = (b.pos + k) % b.tailMax
		p = p[k:]
	}
	return n, nil
}

// String returns the head, a marker for what was dropped, and the tail.
func (b *BoundedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	tail := append(append([]byte{}, b.tail[b.pos:]...), b.tail[:b.pos]...)
	if b.dropped == 0 {
		return string(b.head) + string(tail)
	}
	return fmt.Sprintf("%s\n[... %d bytes of output dropped ...]\n%s", b.head, b.dropped, tail)
}
