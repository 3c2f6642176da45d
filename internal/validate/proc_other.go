//go:build !linux

package validate

import "syscall"

// diesWithParent: outside Linux there is no parent-death signal; the
// checker ends on its own within Timeout.
func diesWithParent() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }
