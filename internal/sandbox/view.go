package sandbox

// View is what an isolated process may see of the file system: an
// allow-list. Nothing else of the host is there: no /home, /srv, /opt,
// /var, /usr/share (system data sets live there), no caches, data folders,
// databases or other workspaces. Paths are absolute. Only full isolation
// uses it (view_linux.go turns it into bubblewrap's mounts).
type View struct {
	// ReadOnly paths are visible read-only at the same path. A symbolic
	// link on the way is kept as a link, and what it points to is shown.
	ReadOnly []string
	Binds    []Bind   // Src visible read-only at Dst
	Writable []string // visible read-write at the same path
	// Masks are hidden even where they lie under a visible path: a folder
	// shows empty, a file unreadable. Masks that are not under a visible
	// path are already out of sight and are skipped.
	Masks []string
}

// Bind shows a file or folder read-only at another path.
type Bind struct{ Src, Dst string }
