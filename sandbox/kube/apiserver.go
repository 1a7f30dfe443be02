package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // same registrations as the real kube-apiserver main
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "time/tzdata"
)

// runAPIServer runs a real kube-apiserver in this process, installs the CRDs, and reports ready.
func runAPIServer(args []string) {
	start := time.Now()
	fs := flag.NewFlagSet("apiserver", flag.ExitOnError)
	name := fs.String("name", "", "cluster name; also the etcd prefix /clusters/NAME (required)")
	port := fs.Int("port", 0, "secure port on 127.0.0.1 (required)")
	etcdURL := fs.String("etcd", "", "etcd client URL, e.g. http://127.0.0.1:2379 (required)")
	etcdPrefix := fs.String("etcd-prefix", "", "etcd key prefix (default /clusters/NAME)")
	certs := fs.String("certs", "", "directory made by `kube-sandbox certs` (required)")
	token := fs.String("token", "", "bearer token of the admin user (system:masters); prefer $KUBE_SANDBOX_TOKEN, which ps does not show")
	crds := fs.String("crds", "", "comma-separated directories of CRD YAML files to install")
	serviceCIDR := fs.String("service-cidr", "10.96.0.0/16", "service cluster IP range")
	stateDir := fs.String("state-dir", "", "per-instance directory for generated files (default: $TMPDIR/kube-sandbox-UID-apiserver-PORT, removed at exit)")
	readyTimeout := fs.Duration("ready-timeout", 5*time.Minute, "how long to wait for /readyz and the CRDs")
	verbosity := fs.Int("v", 0, "kube-apiserver klog verbosity (stderr)")
	noStdin := fs.Bool("no-stdin-watch", false, "do not exit when stdin reaches EOF")
	_ = fs.Parse(args)
	extra := fs.Args() // anything after "--" goes to kube-apiserver verbatim
	if *token == "" {
		*token = os.Getenv("KUBE_SANDBOX_TOKEN")
	}
	if *name == "" || *port <= 0 || *etcdURL == "" || *certs == "" || *token == "" {
		fatal("apiserver: --name, --port, --etcd, --certs and --token are required")
	}
	if strings.ContainsAny(*token, ",\"\n") {
		fatal("apiserver: --token must not contain commas, quotes or newlines")
	}
	certDir, err := filepath.Abs(*certs)
	if err != nil {
		fatal("apiserver: %v", err)
	}
	for _, f := range []string{"ca.crt", "apiserver.crt", "apiserver.key", "sa.key", "sa.pub"} {
		if !exists(filepath.Join(certDir, f)) {
			fatal("apiserver: %s missing in %s (run `kube-sandbox certs --dir %s`)", f, certDir, certDir)
		}
	}
	crdDirs := splitList(*crds)
	// Parse CRDs before starting anything, so a bad file fails fast.
	crdObjs, err := loadCRDs(crdDirs)
	if err != nil {
		fatal("apiserver: %v", err)
	}

	dir := *stateDir
	if dir == "" {
		// One folder per port: a live port is unique, and a folder left by a killed process
		// is reused rather than piling up.
		dir = filepath.Join(os.TempDir(), fmt.Sprintf("kube-sandbox-%d-apiserver-%d", os.Getuid(), *port))
		tmp := dir
		defer os.RemoveAll(tmp)
		atExit(func() { _ = os.RemoveAll(tmp) })
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		fatal("apiserver: %v", err)
	}
	tokenFile := filepath.Join(dir, "tokens.csv")
	if err := writeAtomic(tokenFile, []byte(fmt.Sprintf("%s,fleetpilot-admin,fleetpilot-admin,\"system:masters\"\n", *token)), 0o600); err != nil {
		fatal("apiserver: %v", err)
	}

	if *etcdPrefix == "" {
		*etcdPrefix = "/clusters/" + *name
	}
	issuer := "https://kubernetes.default.svc.cluster.local/" + *name
	kargs := []string{
		"--etcd-servers=" + *etcdURL,
		"--etcd-prefix=" + *etcdPrefix,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", *port),
		"--cert-dir=" + dir, // never fall back to /var/run/kubernetes
		"--tls-cert-file=" + filepath.Join(certDir, "apiserver.crt"),
		"--tls-private-key-file=" + filepath.Join(certDir, "apiserver.key"),
		"--client-ca-file=" + filepath.Join(certDir, "ca.crt"),
		"--token-auth-file=" + tokenFile,
		"--authorization-mode=RBAC",
		"--service-account-issuer=" + issuer,
		"--service-account-key-file=" + filepath.Join(certDir, "sa.pub"),
		"--service-account-signing-key-file=" + filepath.Join(certDir, "sa.key"),
		"--api-audiences=" + issuer + ",https://kubernetes.default.svc",
		"--service-cluster-ip-range=" + *serviceCIDR,
		"--allow-privileged=true",
		// lean and fast: no APF bookkeeping, no profiling, no kubernetes-service endpoint
		// reconciliation (127.0.0.1 is not a valid Endpoints address, and there are no kubelets).
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		"--endpoint-reconciler-type=none",
		"--enable-garbage-collector=false",
		"--event-ttl=10m",
		"--logging-format=text",
		fmt.Sprintf("--v=%d", *verbosity),
	}
	kargs = append(kargs, extra...)

	cmd := app.NewAPIServerCommand() // installs the SIGINT/SIGTERM handler (once per process)
	cmd.SetArgs(kargs)
	cmd.SetOut(os.Stderr)
	cmd.SetErr(os.Stderr)

	// Backstop: a graceful shutdown must not hang forever (it takes 2-3 s with etcd up).
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() { <-sigs; exitLater(10*time.Second, 0) }()
	if !*noStdin {
		watchStdin(func() {
			fmt.Fprintln(os.Stderr, "kube-sandbox apiserver: stdin EOF, shutting down")
			genericapiserver.RequestShutdown()
			// The parent is gone and etcd usually goes with it, which stalls parts of the
			// graceful shutdown (they retry etcd writes): don't wait long.
			exitLater(4*time.Second, 0)
		})
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		n, err := waitReadyAndInstall(ctx, *port, *token, filepath.Join(certDir, "ca.crt"), crdObjs, *readyTimeout)
		if err != nil {
			fatal("apiserver %s: %v", *name, err)
		}
		emit(map[string]any{"event": "ready", "component": "apiserver", "name": *name,
			"url": fmt.Sprintf("https://127.0.0.1:%d", *port), "crds": n,
			"elapsedMs": time.Since(start).Milliseconds()})
	}()

	if err := cli.RunNoErrOutput(cmd); err != nil {
		fatal("apiserver %s: kube-apiserver: %v", *name, err)
	}
	fmt.Fprintf(os.Stderr, "kube-sandbox apiserver %s: stopped\n", *name)
}

// waitReadyAndInstall polls /readyz, then installs the CRDs and waits until they are Established.
func waitReadyAndInstall(ctx context.Context, port int, token, caFile string, crds []crdDoc, timeout time.Duration) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cfg := &rest.Config{
		Host:            fmt.Sprintf("https://127.0.0.1:%d", port),
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAFile: caFile},
		QPS:             100,
		Burst:           200,
		Timeout:         30 * time.Second,
		UserAgent:       "kube-sandbox",
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return 0, err
	}
	var last error
	for {
		body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").Timeout(5 * time.Second).DoRaw(ctx)
		if err == nil && strings.TrimSpace(string(body)) == "ok" {
			break
		}
		last = err
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("not ready within %s: %v", timeout, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
	return installCRDs(ctx, cfg, crds)
}
