//go:build linux

package main

import (
	"io"
	"os"
	"syscall"
)

// reserveStdout duplicates the original stdout for the event stream and points fd 1 at stderr,
// so stray writes to stdout by any library cannot corrupt the JSON event lines.
func reserveStdout() io.Writer {
	fd, err := syscall.Dup(1)
	if err != nil {
		return os.Stdout
	}
	syscall.CloseOnExec(fd)
	if err := syscall.Dup3(2, 1, 0); err != nil {
		_ = syscall.Close(fd)
		return os.Stdout
	}
	return os.NewFile(uintptr(fd), "events")
}
