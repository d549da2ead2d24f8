package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"log/slog"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"
)

// testTLS holds a self-signed certificate for 127.0.0.1 / localhost.
type testTLS struct {
	server *tls.Config
	pool   *x509.CertPool
}

var getTestTLS = sync.OnceValues(func() (testTLS, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return testTLS{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "rightsdesk mail test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return testTLS{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return testTLS{}, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return testTLS{
		server: &tls.Config{
			Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}},
			MinVersion:   tls.VersionTLS12,
		},
		pool: pool,
	}, nil
})

func mustTLS(t *testing.T) testTLS {
	t.Helper()
	c, err := getTestTLS()
	if err != nil {
		t.Fatalf("generate test certificate: %v", err)
	}
	return c
}

// testLogger writes to the test log so that failures show server logs.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// startCatcher starts a catcher on a free loopback port and closes it when
// the test ends.
func startCatcher(t *testing.T, opts CatcherOptions) (*Catcher, string) {
	t.Helper()
	c := NewCatcherWithOptions(testLogger(t), opts)
	addr, err := c.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("start catcher: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, addr
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
