package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// The keyring (D-26): Keys holds the current key and the older ones that
// are kept for verification. Every value a key protects stores the key's
// id beside it, so a key can rotate without losing what the old one
// signed. A key is written "ID:KEY" (ID: letters, digits, '.', '_' or
// '-', at most 32) or just "KEY", whose id is then its fingerprint: the
// same key keeps the same id whether or not it was named, so naming a key
// later still finds what it protected.

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// Fingerprint is a key's id when it has no name: a keyed hash of the key
// itself, which reveals nothing of it.
func Fingerprint(master []byte) string {
	m := hmac.New(sha256.New, master)
	m.Write([]byte("rightsdesk/key-id"))
	return "fp-" + hex.EncodeToString(m.Sum(nil)[:6])
}

// ParseKeyEntry reads "ID:KEY" or "KEY"; an unnamed key's id is its
// fingerprint.
func ParseKeyEntry(s string) (id string, master []byte, err error) {
	s = strings.TrimSpace(s)
	if name, key, ok := strings.Cut(s, ":"); ok {
		if !keyIDPattern.MatchString(name) {
			return "", nil, errors.New("key id must be 1-32 letters, digits, '.', '_' or '-' (ID:KEY)")
		}
		master, err = ParseKey(key)
		return name, master, err
	}
	master, err = ParseKey(s)
	if err != nil {
		return "", nil, err
	}
	return Fingerprint(master), master, nil
}

// NewRing builds the keyring from the current key and the old ones (each
// "ID:KEY" or "KEY"). Old keys verify and decrypt; only the current one
// signs and encrypts.
func NewRing(current string, old []string) (*Keys, error) {
	id, master, err := ParseKeyEntry(current)
	if err != nil {
		return nil, fmt.Errorf("current key: %w", err)
	}
	k, err := newNamed(id, master)
	if err != nil {
		return nil, err
	}
	for i, o := range old {
		if strings.TrimSpace(o) == "" {
			continue
		}
		oid, om, err := ParseKeyEntry(o)
		if err != nil {
			return nil, fmt.Errorf("old key %d: %w", i+1, err)
		}
		ok, err := newNamed(oid, om)
		if err != nil {
			return nil, err
		}
		if prev, dup := k.ring[oid]; dup && !hmac.Equal(prev.master, om) {
			return nil, fmt.Errorf("old key %d: id %q names two different keys", i+1, oid)
		}
		k.addToRing(ok)
	}
	return k, nil
}

func newNamed(id string, master []byte) (*Keys, error) {
	k, err := New(master)
	if err != nil {
		return nil, err
	}
	k.id = id
	k.ring = map[string]*Keys{}
	k.addToRing(k)
	return k, nil
}

// addToRing makes o findable by its id and by its fingerprint.
func (k *Keys) addToRing(o *Keys) {
	if k.ring == nil {
		k.ring = map[string]*Keys{}
	}
	if _, ok := k.ring[o.id]; !ok {
		k.ring[o.id] = o
	}
	if fp := Fingerprint(o.master); fp != o.id {
		if _, ok := k.ring[fp]; !ok {
			k.ring[fp] = o
		}
	}
}

// ErrUnknownKey: a stored key id names no key of the ring (a key removed
// from OLD_SECRET_KEYS too early, or a forged id).
var ErrUnknownKey = errors.New("secret: no key with this id in the keyring (OLD_SECRET_KEYS)")

// ID is the current key's id, stored beside what it protects.
func (k *Keys) ID() string { return k.id }

func (k *Keys) byID(id string) (*Keys, error) {
	if o, ok := k.ring[id]; ok {
		return o, nil
	}
	return nil, ErrUnknownKey
}

func mac(key []byte, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

// AuditMAC keys an audit link with the current key; it returns the key id
// to store beside the hash.
func (k *Keys) AuditMAC(msg []byte) (keyID string, sum []byte) {
	if k == nil {
		return "", nil // AppendAudit refuses to write an unkeyed link
	}
	return k.id, mac(k.audit, msg)
}

// AuditMACWith recomputes a link under the key it names (verification of
// events written before a rotation).
func (k *Keys) AuditMACWith(keyID string, msg []byte) ([]byte, error) {
	o, err := k.byID(keyID)
	if err != nil {
		return nil, err
	}
	return mac(o.audit, msg), nil
}

// SignCheckpoint signs an audit checkpoint with the current key.
func (k *Keys) SignCheckpoint(msg []byte) (keyID string, sig []byte) {
	return k.id, mac(k.checkpoint, msg)
}

// VerifyCheckpoint checks a checkpoint's signature under the key it names.
func (k *Keys) VerifyCheckpoint(keyID string, msg, sig []byte) (bool, error) {
	o, err := k.byID(keyID)
	if err != nil {
		return false, err
	}
	return hmac.Equal(mac(o.checkpoint, msg), sig), nil
}
