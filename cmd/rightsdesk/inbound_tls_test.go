package main

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
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"rightsdesk/internal/testenv"
)

// selfSigned writes a certificate for 127.0.0.1 and its key as PEM files.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rightsdesk test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// Issue 17: SMTP_LISTEN_TLS offers STARTTLS with the given certificate;
// a request sent over it becomes a case. A certificate that cannot be
// loaded is a start-up error.
func TestInboundSTARTTLS(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("kronoby", "Kruunupyy", "Kronoby", "sv")
	certFile, keyFile, pool := selfSigned(t)

	bad := env.Config
	bad.SMTPListen, bad.SMTPListenTLSCert, bad.SMTPListenTLSKey = "127.0.0.1:0", filepath.Join(t.TempDir(), "none.pem"), keyFile
	ba := &app{cfg: bad, log: env.Logger, pool: env.Pool, wf: env.Workflow}
	if err := ba.startInbound(context.Background()); err == nil || !strings.Contains(err.Error(), "SMTP_LISTEN_TLS") {
		t.Fatalf("missing certificate: %v", err)
	}

	env.Config.SMTPListenTLSCert, env.Config.SMTPListenTLSKey = certFile, keyFile
	a := inboundApp(t, env)
	c, err := smtp.DialStartTLS(a.inbound, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	defer c.Close()
	if _, ok := c.TLSConnectionState(); !ok {
		t.Fatal("not encrypted")
	}
	if err := c.SendMail("anna@example.test", []string{org.PrivacyEmail}, strings.NewReader(swedishRequest)); err != nil {
		t.Fatalf("sending over TLS: %v", err)
	}
	var n int
	if err := env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM cases WHERE org_id = $1 AND channel = 'email'`, org.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("cases %d (%v)", n, err)
	}
}
