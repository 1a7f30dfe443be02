//go:build !linux

package main

import (
	"io"
	"os"
)

// reserveStdout is a no-op off Linux: events share stdout with whatever else writes there.
func reserveStdout() io.Writer { return os.Stdout }
