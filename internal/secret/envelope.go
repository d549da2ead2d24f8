package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Envelope encryption of personal data at rest (issue 16 item 4, D-25,
// D-26). Every case has its own random 256-bit data key; the data key is
// stored wrapped (AES-256-GCM) under the keyring's current key, with that
// key's id beside it, so destroying the one wrapped key makes every
// ciphertext of the case unreadable. Data that belongs to no case (staff
// mail, an emailed message not yet linked to a case) is sealed under the
// keyring directly, with the key id inside the envelope.
//
// Envelope format (the first byte is the version):
//
//	0x00 || plaintext                               legacy, not yet encrypted (migration only)
//	0x01 || nonce(12) || ciphertext+tag              sealed with a case's data key
//	0x02 || len(id) || id || nonce(12) || ct+tag     sealed with the keyring key named id
//
// The associated data binds the case id (version 1) and the column or
// purpose (both), so a ciphertext copied to another case or another
// column does not open. An empty value is stored empty (no envelope).
const (
	EnvLegacy byte = 0x00
	EnvCase   byte = 0x01
	EnvRing   byte = 0x02
)

// DataKeySize is the size of a case's data key.
const DataKeySize = 32

// ErrOpen: a ciphertext did not open (wrong case, wrong column, altered,
// or a key that no longer exists).
var ErrOpen = errors.New("secret: ciphertext does not open")

// ErrEnvelope: bytes that are not an envelope of a known version.
var ErrEnvelope = errors.New("secret: unknown envelope version")

// CaseKey is one case's unwrapped data key, bound to the case's id. It
// lives only as long as the request or transaction that unwrapped it.
type CaseKey struct {
	caseID int64
	aead   cipher.AEAD
}

// NewDataKey draws a fresh random data key.
func NewDataKey() ([]byte, error) {
	k := make([]byte, DataKeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	return k, nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func wrapAD(caseID int64) []byte {
	return []byte("rightsdesk/case-key\x00" + strconv.FormatInt(caseID, 10))
}

// WrapDataKey encrypts a case's data key under the keyring's current key;
// it returns the key id to store beside the wrapped key. The wrapping is
// bound to the case id: a wrapped key copied to another case's row does
// not unwrap.
func (k *Keys) WrapDataKey(caseID int64, dataKey []byte) (keyID string, wrapped []byte, err error) {
	if len(dataKey) != DataKeySize {
		return "", nil, errors.New("secret: data key must be 32 bytes")
	}
	nonce := make([]byte, k.wrap.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, err
	}
	return k.id, k.wrap.Seal(nonce, nonce, dataKey, wrapAD(caseID)), nil
}

// UnwrapDataKey opens a wrapped data key with the ring key it names (an
// old key unwraps what it wrapped before a rotation).
func (k *Keys) UnwrapDataKey(caseID int64, keyID string, wrapped []byte) (*CaseKey, error) {
	o, err := k.byID(keyID)
	if err != nil {
		return nil, err
	}
	n := o.wrap.NonceSize()
	if len(wrapped) < n {
		return nil, ErrOpen
	}
	raw, err := o.wrap.Open(nil, wrapped[:n], wrapped[n:], wrapAD(caseID))
	if err != nil {
		return nil, ErrOpen
	}
	return NewCaseKey(caseID, raw)
}

// NewCaseKey binds an unwrapped data key to its case.
func NewCaseKey(caseID int64, dataKey []byte) (*CaseKey, error) {
	if len(dataKey) != DataKeySize {
		return nil, errors.New("secret: data key must be 32 bytes")
	}
	a, err := gcm(dataKey)
	if err != nil {
		return nil, err
	}
	return &CaseKey{caseID: caseID, aead: a}, nil
}

// CaseID is the case the key belongs to.
func (c *CaseKey) CaseID() int64 { return c.caseID }

func caseAD(caseID int64, purpose string) []byte {
	return []byte("rightsdesk/v1\x00case\x00" + strconv.FormatInt(caseID, 10) + "\x00" + purpose)
}

// Seal encrypts plaintext of the case for purpose (a column name such as
// "requesters.email"). Empty plaintext stays empty.
func (c *CaseKey) Seal(purpose string, plaintext []byte) ([]byte, error) {
	if len(plaintext) == 0 {
		return []byte{}, nil
	}
	nonce := make([]byte, c.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := make([]byte, 0, 1+len(nonce)+len(plaintext)+c.aead.Overhead())
	out = append(out, EnvCase)
	out = append(out, nonce...)
	return c.aead.Seal(out, nonce, plaintext, caseAD(c.caseID, purpose)), nil
}

// Open decrypts what Seal sealed for the same case and purpose. A legacy
// envelope (version 0) is returned as it is; a keyring envelope is refused
// (the caller opens it with Keys.OpenRing).
func (c *CaseKey) Open(purpose string, sealed []byte) ([]byte, error) {
	if len(sealed) == 0 {
		return []byte{}, nil
	}
	switch sealed[0] {
	case EnvLegacy:
		return sealed[1:], nil
	case EnvCase:
	default:
		return nil, ErrEnvelope
	}
	n := c.aead.NonceSize()
	if len(sealed) < 1+n {
		return nil, ErrOpen
	}
	pt, err := c.aead.Open(nil, sealed[1:1+n], sealed[1+n:], caseAD(c.caseID, purpose))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

func ringAD(purpose string) []byte { return []byte("rightsdesk/v2\x00ring\x00" + purpose) }

// SealRing encrypts data that belongs to no case (yet) under the keyring's
// current key; the key id is kept inside the envelope.
func (k *Keys) SealRing(purpose string, plaintext []byte) ([]byte, error) {
	if len(plaintext) == 0 {
		return []byte{}, nil
	}
	nonce := make([]byte, k.seal.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := make([]byte, 0, 2+len(k.id)+len(nonce)+len(plaintext)+k.seal.Overhead())
	out = append(out, EnvRing, byte(len(k.id)))
	out = append(out, k.id...)
	out = append(out, nonce...)
	return k.seal.Seal(out, nonce, plaintext, ringAD(purpose)), nil
}

// OpenRing decrypts what SealRing sealed (under any key of the ring). A
// legacy envelope is returned as it is.
func (k *Keys) OpenRing(purpose string, sealed []byte) ([]byte, error) {
	if len(sealed) == 0 {
		return []byte{}, nil
	}
	switch sealed[0] {
	case EnvLegacy:
		return sealed[1:], nil
	case EnvRing:
	default:
		return nil, ErrEnvelope
	}
	id, rest, err := ringKeyID(sealed)
	if err != nil {
		return nil, err
	}
	o, err := k.byID(id)
	if err != nil {
		return nil, err
	}
	n := o.seal.NonceSize()
	if len(rest) < n {
		return nil, ErrOpen
	}
	pt, err := o.seal.Open(nil, rest[:n], rest[n:], ringAD(purpose))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

func ringKeyID(sealed []byte) (string, []byte, error) {
	if len(sealed) < 2 || len(sealed) < 2+int(sealed[1]) {
		return "", nil, ErrOpen
	}
	l := int(sealed[1])
	return string(sealed[2 : 2+l]), sealed[2+l:], nil
}

// EnvelopeInfo tells what protects a stored value: its version and, for a
// keyring envelope, the key id (rotation, issue 22, finds what to re-seal;
// a case envelope's key is the case's wrapped key).
func EnvelopeInfo(sealed []byte) (version byte, keyID string, err error) {
	if len(sealed) == 0 {
		return 0, "", nil
	}
	switch sealed[0] {
	case EnvLegacy, EnvCase:
		return sealed[0], "", nil
	case EnvRing:
		id, _, err := ringKeyID(sealed)
		return EnvRing, id, err
	}
	return sealed[0], "", ErrEnvelope
}

// Legacy wraps plaintext as a version-0 envelope (what the migration
// writes for existing rows before they are encrypted).
func Legacy(plaintext []byte) []byte {
	if len(plaintext) == 0 {
		return []byte{}
	}
	return append([]byte{EnvLegacy}, plaintext...)
}

// NormalizeEmail is the form an email's blind index is computed from.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// IndexFor is a keyed blind index of value for purpose ("email",
// "hetu") under the current key, with the key id to store beside it.
func (k *Keys) IndexFor(purpose, value string) (keyID string, index []byte) {
	return k.id, k.indexWith(k, purpose, value)
}

// IndexesFor is value's blind index under every key of the ring, for a
// look-up that must also find rows indexed before a rotation.
func (k *Keys) IndexesFor(purpose, value string) [][]byte {
	out := [][]byte{k.indexWith(k, purpose, value)}
	for _, o := range k.ring.distinct() {
		if !same(o, k) && !o.verifyOnly {
			out = append(out, k.indexWith(o, purpose, value))
		}
	}
	return out
}

// indexWith is o's index of value for purpose: the same as
// o.BlindIndex(purpose + "\x00" + value), the form the henkilötunnus
// index has always had (workflow/intake.go), so existing rows stay
// findable.
func (k *Keys) indexWith(o *Keys, purpose, value string) []byte {
	return mac(o.index, []byte(purpose+"\x00"+value))
}

// String hides key material from accidental printing.
func (c *CaseKey) String() string { return fmt.Sprintf("CaseKey(case %d)", c.caseID) }

// Joined returns a copy of k whose ring also holds o's keys (k's own keys
// win on an id both have): k stays the current key. The store's process
// keyring uses it so a key installed earlier still opens what it sealed.
func (k *Keys) Joined(o *Keys) *Keys {
	c := *k
	c.ring = newRingSet()
	k.ring.copyInto(c.ring)
	o.ring.copyInto(c.ring)
	return &c
}

// RewrapDataKey re-wraps a case's wrapped data key, opened with the ring
// key it names, under the current key (rotation, issue 22). The data key
// itself does not change, so the case's ciphertexts stay as they are.
func (k *Keys) RewrapDataKey(caseID int64, keyID string, wrapped []byte) (newID string, rewrapped []byte, err error) {
	o, err := k.byID(keyID)
	if err != nil {
		return "", nil, err
	}
	n := o.wrap.NonceSize()
	if len(wrapped) < n {
		return "", nil, ErrOpen
	}
	raw, err := o.wrap.Open(nil, wrapped[:n], wrapped[n:], wrapAD(caseID))
	if err != nil {
		return "", nil, ErrOpen
	}
	defer clear(raw)
	return k.WrapDataKey(caseID, raw)
}
