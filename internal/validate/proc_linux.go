package validate

import "syscall"

// diesWithParent makes the checker die with a killed loop.
func diesWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
