package redis

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goastro/session/internal/testenv"
	"github.com/goastro/session/storage"
	"github.com/goastro/session/storage/storagetest"
)

// testCA writes a certificate authority and a server certificate for
// 127.0.0.1 into dir, and returns a pool holding the authority.
func testCA(t *testing.T, dir string) (certFile, keyFile, caFile string, roots *x509.CertPool) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "session test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	roots = x509.NewCertPool()
	roots.AddCert(ca)
	return write("server.crt", "CERTIFICATE", leafDER), write("server.key", "EC PRIVATE KEY", keyDER), write("ca.crt", "CERTIFICATE", caDER), roots
}

// The driver over TLS (rediss://) to a redis-server that only accepts TLS on
// the port it is given, with a private certificate authority.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key, ca, roots := testCA(t, dir)
	tlsPort := testenv.FreePort(t)
	testenv.StartRedis(t, "--tls-port", strconv.Itoa(tlsPort), "--tls-cert-file", cert, "--tls-key-file", key,
		"--tls-ca-cert-file", ca, "--tls-auth-clients", "no")
	url := "rediss://127.0.0.1:" + strconv.Itoa(tlsPort) + "/0"
	storagetest.Run(t, func(t *testing.T) storage.Driver {
		d, err := Open(Options{URL: url, TLSConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}, Config: Config{Base: testBase(t)}})
		if err != nil {
			t.Fatal(err)
		}
		return d
	})

	// Without the authority the certificate is refused, and the error says
	// where and why.
	d, err := OpenOptions(map[string]any{"url": url, "dialTimeout": 2})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	err = d.Set(context.Background(), "k", "v", 0)
	if err == nil {
		t.Fatal("TLS connection with an unknown authority succeeded")
	}
	if msg := err.Error(); !strings.Contains(msg, "127.0.0.1:"+strconv.Itoa(tlsPort)) || !strings.Contains(msg, "certificate") || !strings.Contains(msg, "(tls)") {
		t.Fatalf("error %q does not say where and that the certificate was refused", msg)
	}
}
