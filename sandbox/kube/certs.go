package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// runCerts creates (idempotently) the CA, the apiserver serving certificate and the
// service-account signing key pair in --dir. Existing files are left as they are.
func runCerts(args []string) {
	fs := flag.NewFlagSet("certs", flag.ExitOnError)
	dir := fs.String("dir", "", "output directory (required)")
	hosts := fs.String("hosts", "127.0.0.1,localhost", "comma-separated IPs/DNS names for the apiserver certificate")
	_ = fs.Parse(args)
	if *dir == "" {
		fatal("certs: --dir is required")
	}
	created, err := ensureCerts(*dir, splitList(*hosts))
	if err != nil {
		fatal("certs: %v", err)
	}
	emit(map[string]any{"event": "certs", "dir": *dir, "created": created})
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// writeAtomic writes data to path via a temp file and rename, so readers never see half a file.
func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func pemBytes(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

func ensureCerts(dir string, hosts []string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	created := []string{}
	p := func(name string) string { return filepath.Join(dir, name) }

	// CA
	var caCert *x509.Certificate
	var caKey crypto.Signer
	switch {
	case exists(p("ca.crt")) && exists(p("ca.key")):
		var err error
		if caCert, caKey, err = loadPair(p("ca.crt"), p("ca.key")); err != nil {
			return nil, fmt.Errorf("load CA: %w", err)
		}
	case exists(p("ca.crt")) || exists(p("ca.key")):
		return nil, errors.New("only one of ca.crt/ca.key exists; remove it to regenerate the CA")
	default:
		tmpl := &x509.Certificate{
			Subject:               pkix.Name{CommonName: "fleetpilot-sandbox-ca"},
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
			BasicConstraintsValid: true,
			IsCA:                  true,
		}
		cert, key, err := issue(p("ca.crt"), p("ca.key"), tmpl, nil, nil)
		if err != nil {
			return nil, err
		}
		caCert = cert
		caKey = key
		created = append(created, "ca.crt", "ca.key")
	}

	// apiserver serving certificate (also usable as a client certificate)
	if !exists(p("apiserver.crt")) || !exists(p("apiserver.key")) {
		tmpl := &x509.Certificate{
			Subject:     pkix.Name{CommonName: "kube-apiserver"},
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
			DNSNames: []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc",
				"kubernetes.default.svc.cluster.local"},
			IPAddresses: []net.IP{net.ParseIP("10.96.0.1")},
		}
		for _, h := range hosts {
			if ip := net.ParseIP(h); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else {
				tmpl.DNSNames = append(tmpl.DNSNames, h)
			}
		}
		if _, _, err := issue(p("apiserver.crt"), p("apiserver.key"), tmpl, caCert, caKey); err != nil {
			return nil, err
		}
		created = append(created, "apiserver.crt", "apiserver.key")
	}

	// service-account token signing key pair
	if !exists(p("sa.key")) || !exists(p("sa.pub")) {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
		if err != nil {
			return nil, err
		}
		if err := writeAtomic(p("sa.key"), pemBytes("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key)), 0o600); err != nil {
			return nil, err
		}
		if err := writeAtomic(p("sa.pub"), pemBytes("PUBLIC KEY", pubDER), 0o644); err != nil {
			return nil, err
		}
		created = append(created, "sa.key", "sa.pub")
	}
	return created, nil
}

func loadPair(certPath, keyPath string) (*x509.Certificate, crypto.Signer, error) {
	cb, err := os.ReadFile(certPath)
	if err != nil {
		return nil, nil, err
	}
	blk, _ := pem.Decode(cb)
	if blk == nil {
		return nil, nil, fmt.Errorf("%s: no PEM block", certPath)
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, nil, err
	}
	kb, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, err
	}
	kblk, _ := pem.Decode(kb)
	if kblk == nil {
		return nil, nil, fmt.Errorf("%s: no PEM block", keyPath)
	}
	var key any
	switch kblk.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(kblk.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(kblk.Bytes)
	default:
		key, err = x509.ParsePKCS8PrivateKey(kblk.Bytes)
	}
	if err != nil {
		return nil, nil, err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("%s: not a signing key", keyPath)
	}
	return cert, signer, nil
}

// issue creates a P-256 key and a 10-year certificate from tmpl, signed by parent (self-signed when
// parent is nil), and writes both as PEM files.
func issue(certPath, keyPath string, tmpl *x509.Certificate, parent *x509.Certificate, parentKey crypto.Signer) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	if tmpl.SerialNumber, err = serial(); err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl.NotBefore, tmpl.NotAfter = now.Add(-time.Hour), now.AddDate(10, 0, 0)
	signer, issuer := crypto.Signer(key), tmpl
	if parent != nil {
		signer, issuer = parentKey, parent
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), signer)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	if err := writeAtomic(keyPath, pemBytes("PRIVATE KEY", keyDER), 0o600); err != nil {
		return nil, nil, err
	}
	if err := writeAtomic(certPath, pemBytes("CERTIFICATE", der), 0o644); err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}
