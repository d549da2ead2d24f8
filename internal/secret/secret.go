// Package secret holds the application key and what is derived from it:
// AES-GCM encryption and a keyed blind index for the henkilötunnus (ID-4),
// and random tokens whose hashes are stored (task links, sessions, codes).
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
)

// Keys are the purpose-separated keys derived from the one SECRET_KEY.
type Keys struct {
	enc cipher.AEAD
	// wrap wraps cases' data keys, seal seals data of no case (envelope.go).
	wrap, seal cipher.AEAD
	index      []byte
	sign       []byte
	// audit keys the audit chains' links, checkpoint signs their
	// checkpoints (issue 16); purpose-separated like the others.
	audit, checkpoint []byte

	id     string   // this key's id (D-26)
	master []byte   // kept to recognise the same key under two ids
	ring   *ringSet // every key of the ring by id and fingerprint
	// verifyOnly: a retired key of which only the audit keys are kept
	// (keyring.go, "verify" entries): it verifies old audit links and
	// checkpoints and opens nothing.
	verifyOnly bool
}

// ParseKey accepts 64 hex characters or base64 of 32 bytes.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, errors.New("secret key must be 32 bytes as 64 hex characters (openssl rand -hex 32)")
}

// LoadOrCreate reads the current key of DATA_DIR/secret.key, creating
// the file (mode 0600) on first start (D-17), so encrypted data and
// signed links survive restarts. LoadRing reads the whole keyring.
func LoadOrCreate(dataDir string) ([]byte, bool, error) {
	current, _, created, err := LoadOrCreateRing(dataDir)
	if err != nil {
		return nil, false, err
	}
	_, master, err := ParseKeyEntry(current)
	return master, created, err
}

// LoadOrCreateRing reads DATA_DIR/secret.key's entries (keyfile.go),
// creating the file with one new key on first start.
func LoadOrCreateRing(dataDir string) (current string, old []string, created bool, err error) {
	path := filepath.Join(dataDir, KeyFileName)
	current, old, err = ReadKeyFile(path)
	if err == nil {
		return current, old, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", nil, false, err
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return "", nil, false, err
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return "", nil, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", nil, false, err
	}
	current = hex.EncodeToString(k)
	if _, err := f.WriteString(current + "\n"); err != nil {
		f.Close()
		return "", nil, false, err
	}
	return current, nil, true, f.Close()
}

// New derives the purpose keys from the master key: a keyring of one key
// whose id is its fingerprint (NewRing builds one with old keys).
func New(master []byte) (*Keys, error) {
	if len(master) != 32 {
		return nil, errors.New("secret key must be 32 bytes")
	}
	derive := func(purpose string) []byte {
		m := hmac.New(sha256.New, master)
		m.Write([]byte("rightsdesk/" + purpose))
		return m.Sum(nil)
	}
	block, err := aes.NewCipher(derive("encrypt"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	wrap, err := gcm(derive("case-key-wrap"))
	if err != nil {
		return nil, err
	}
	seal, err := gcm(derive("ring-seal"))
	if err != nil {
		return nil, err
	}
	k := &Keys{enc: aead, wrap: wrap, seal: seal, index: derive("blind-index"), sign: derive("sign"),
		audit: derive("audit-chain"), checkpoint: derive("audit-checkpoint"),
		id: Fingerprint(master), master: append([]byte(nil), master...)}
	k.ring = newRingSet()
	k.ring.add(k.id, k)
	return k, nil
}

// Encrypt seals plaintext with a random nonce (nonce || ciphertext).
func (k *Keys) Encrypt(plaintext []byte) ([]byte, error) {
	nonce := make([]byte, k.enc.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.enc.Seal(nonce, nonce, plaintext, nil), nil
}

// Decrypt opens what Encrypt sealed, under the current key or, for a
// value sealed before a rotation, any other key of the ring: this format
// carries no key id, and GCM's tag tells the right key (issue 22).
func (k *Keys) Decrypt(sealed []byte) ([]byte, error) {
	n := k.enc.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("secret: ciphertext too short")
	}
	pt, err := k.enc.Open(nil, sealed[:n], sealed[n:], nil)
	if err == nil {
		return pt, nil
	}
	for _, o := range k.ring.distinct() {
		if same(o, k) || o.verifyOnly {
			continue
		}
		if pt, oerr := o.enc.Open(nil, sealed[:n], sealed[n:], nil); oerr == nil {
			return pt, nil
		}
	}
	return nil, err
}

// DecryptedByCurrent tells whether the current key opens what Encrypt
// sealed (rotation: what is already under the current key is skipped).
func (k *Keys) DecryptedByCurrent(sealed []byte) bool {
	n := k.enc.NonceSize()
	if len(sealed) < n {
		return false
	}
	_, err := k.enc.Open(nil, sealed[:n], sealed[n:], nil)
	return err == nil
}

// BlindIndex is a keyed hash for equality look-ups of encrypted values.
func (k *Keys) BlindIndex(value string) []byte {
	m := hmac.New(sha256.New, k.index)
	m.Write([]byte(value))
	return m.Sum(nil)
}

// BlindIndexes is value's BlindIndex under every key of the ring, the
// current key's first: a token or code hashed before a rotation is still
// found while its old key is in the ring (issue 22).
func (k *Keys) BlindIndexes(value string) [][]byte {
	out := [][]byte{k.BlindIndex(value)}
	for _, o := range k.ring.distinct() {
		if !same(o, k) && !o.verifyOnly {
			out = append(out, o.BlindIndex(value))
		}
	}
	return out
}

// Sign returns a MAC of the parts (for cookies and signed values).
func (k *Keys) Sign(parts ...string) string {
	m := hmac.New(sha256.New, k.sign)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Verify checks a MAC made by Sign in constant time.
func (k *Keys) Verify(mac string, parts ...string) bool {
	return subtle.ConstantTimeCompare([]byte(mac), []byte(k.Sign(parts...))) == 1
}

// Token returns a random URL-safe token with 256 bits of entropy.
func Token() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("secret: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Hash is the stored form of a token or code: tokens are never stored.
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Code returns a numeric one-time code of n digits.
func Code(n int) string {
	var sb strings.Builder
	for range n {
		d, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			panic("secret: no randomness: " + err.Error())
		}
		sb.WriteByte(byte('0' + d.Int64()))
	}
	return sb.String()
}
