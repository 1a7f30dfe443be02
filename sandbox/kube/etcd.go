package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// runEtcd runs a single-member embedded etcd on loopback until SIGINT/SIGTERM or stdin EOF.
func runEtcd(args []string) {
	fs := flag.NewFlagSet("etcd", flag.ExitOnError)
	dataDir := fs.String("data-dir", "", "etcd data directory (required)")
	port := fs.Int("port", 0, "client port; the peer port is port+1 (required)")
	quotaMB := fs.Int64("quota-mb", 2048, "backend quota in MiB")
	noFsync := fs.Bool("unsafe-no-fsync", true, "skip fsync (sandbox data is disposable; much faster)")
	noStdin := fs.Bool("no-stdin-watch", false, "do not exit when stdin reaches EOF")
	logLevel := fs.String("log-level", "warn", "etcd log level (to stderr)")
	_ = fs.Parse(args)
	if *dataDir == "" || *port <= 0 || *port >= 65535 {
		fatal("etcd: --data-dir and --port (1..65534) are required")
	}

	clientURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", *port)}
	peerURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", *port+1)}

	cfg := embed.NewConfig()
	cfg.Name = "sandbox"
	cfg.Dir = *dataDir
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.Name + "=" + peerURL.String()
	cfg.InitialClusterToken = "kube-sandbox"
	cfg.QuotaBackendBytes = *quotaMB << 20
	cfg.MaxRequestBytes = 8 << 20 // large CRDs (Gateway API HTTPRoute) stay well under this
	cfg.UnsafeNoFsync = *noFsync
	cfg.Logger = "zap"
	cfg.LogLevel = *logLevel
	cfg.LogOutputs = []string{"stderr"}
	cfg.ListenMetricsUrls = nil

	start := time.Now()
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		fatal("etcd: start: %v", err)
	}

	type stopReason struct {
		why   string
		grace time.Duration // how long Close may take before a hard exit
	}
	stop := make(chan stopReason, 2)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	// Close waits up to the request timeout (~7 s) for clients' watch streams; with the parent
	// gone (stdin EOF) nobody benefits from that, and bbolt/WAL stay consistent on a plain exit.
	go func() { s := <-sigs; stop <- stopReason{s.String(), 10 * time.Second} }()
	if !*noStdin {
		watchStdin(func() { stop <- stopReason{"stdin EOF", 2 * time.Second} })
	}

	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		fatal("etcd: %v", err)
	case r := <-stop:
		fmt.Fprintf(os.Stderr, "kube-sandbox etcd: %s before ready, stopping\n", r.why)
		exitLater(r.grace, 0)
		e.Close()
		os.Exit(0)
	case <-time.After(2 * time.Minute):
		e.Server.Stop()
		fatal("etcd: not ready after 2m")
	}
	fmt.Fprintf(os.Stderr, "kube-sandbox etcd: ready on %s after %s\n", clientURL.String(), time.Since(start).Round(time.Millisecond))
	emit(map[string]any{"event": "ready", "component": "etcd", "endpoint": clientURL.String()})

	select {
	case r := <-stop:
		fmt.Fprintf(os.Stderr, "kube-sandbox etcd: %s, stopping\n", r.why)
		exitLater(r.grace, 0)
		e.Close()
		os.Exit(0)
	case err := <-e.Err():
		fatal("etcd: %v", err)
	}
}
