// Command kube-sandbox runs the pieces of a local, real Kubernetes control plane for fleetpilot's
// sandbox: an embedded etcd, and any number of in-process kube-apiservers sharing it (one etcd
// prefix per simulated cluster), each with the project's CRDs installed.
//
// Subcommands:
//
//	kube-sandbox certs     --dir D [--hosts 127.0.0.1,localhost]
//	kube-sandbox etcd      --data-dir D --port P
//	kube-sandbox apiserver --name NAME --port P --etcd URL --certs D --token TOKEN --crds DIR[,DIR...] [--etcd-prefix P]
//
// Machine-readable events go to stdout as one JSON object per line; every log goes to stderr.
// The long-running subcommands exit on SIGINT/SIGTERM and when stdin reaches EOF, so a parent
// that dies never leaves one behind.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

var (
	eventMu  sync.Mutex
	eventOut io.Writer = os.Stdout

	cleanupMu sync.Mutex
	cleanups  []func()
)

// atExit registers f to run before a fatal exit (normal returns use defer).
func atExit(f func()) {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	cleanups = append(cleanups, f)
}

// emit writes one JSON line to the event stream (the process's original stdout).
func emit(v map[string]any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(fmt.Sprintf(`{"event":"error","message":%q}`, err.Error()))
	}
	eventMu.Lock()
	defer eventMu.Unlock()
	_, _ = eventOut.Write(append(b, '\n'))
}

// fatal reports an error event and exits non-zero.
func fatal(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(os.Stderr, "kube-sandbox: "+msg)
	emit(map[string]any{"event": "error", "message": msg})
	runCleanups()
	os.Exit(1)
}

func runCleanups() {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	for _, f := range cleanups {
		f()
	}
	cleanups = nil
}

// watchStdin calls onEOF once stdin reaches EOF (or fails), which means the parent went away.
func watchStdin(onEOF func()) {
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		onEOF()
	}()
}

// exitLater forces the process down if a graceful shutdown hangs.
func exitLater(d time.Duration, code int) {
	go func() {
		time.Sleep(d)
		fmt.Fprintln(os.Stderr, "kube-sandbox: graceful shutdown timed out, exiting")
		runCleanups()
		os.Exit(code)
	}()
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: kube-sandbox <command> [flags]

commands:
  certs      --dir D [--hosts 127.0.0.1,localhost]
  etcd       --data-dir D --port P [--quota-mb 2048] [--unsafe-no-fsync=true] [--no-stdin-watch]
  apiserver  --name NAME --port P --etcd URL --certs D --token TOKEN --crds DIR[,DIR...]
             [--etcd-prefix /clusters/NAME] [--service-cidr 10.96.0.0/16] [--state-dir D] [--ready-timeout 5m] [--v 0] [--no-stdin-watch]
             [-- extra kube-apiserver flags]
`)
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	// Keep stdout for events only: anything else a library prints to stdout lands on stderr.
	eventOut = reserveStdout()
	// When the parent dies, our stdout/stderr pipes break. By default Go dies of SIGPIPE on the
	// next log line, skipping the graceful shutdown (and cleanup) that stdin EOF triggers.
	signal.Ignore(syscall.SIGPIPE)
	cmd, args := os.Args[1], os.Args[2:]
	switch cmd {
	case "certs":
		runCerts(args)
	case "etcd":
		runEtcd(args)
	case "apiserver":
		runAPIServer(args)
	case "-h", "--help", "help":
		usage()
	default:
		usage()
		os.Exit(2)
	}
}
