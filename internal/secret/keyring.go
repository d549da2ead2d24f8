package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
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
// "ID:KEY", "KEY" or a "verify ID AUDIT CHECKPOINT" entry). Old keys
// verify and decrypt; only the current one signs and encrypts.
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
		if IsVerifyEntry(o) {
			v, err := parseVerifyEntry(o)
			if err != nil {
				return nil, fmt.Errorf("old key %d: %w", i+1, err)
			}
			if prev := k.ring.get(v.id); prev != nil && !prev.verifyOnly &&
				(!hmac.Equal(prev.audit, v.audit) || !hmac.Equal(prev.checkpoint, v.checkpoint)) {
				return nil, fmt.Errorf("old key %d: id %q names two different keys", i+1, v.id)
			}
			k.ring.addIfAbsent(v.id, v)
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
		if prev := k.ring.get(oid); prev != nil && !prev.verifyOnly && !hmac.Equal(prev.master, om) {
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
	k.ring = newRingSet()
	k.addToRing(k)
	return k, nil
}

// addToRing makes o findable by its id and by its fingerprint. A full key
// replaces a verify-only entry of the same id (it can do more).
func (k *Keys) addToRing(o *Keys) {
	if k.ring == nil {
		k.ring = newRingSet()
	}
	k.ring.addIfAbsent(o.id, o)
	if o.master == nil {
		return
	}
	if fp := Fingerprint(o.master); fp != o.id {
		k.ring.addIfAbsent(fp, o)
	}
}

// ringSet is a keyring's keys by id. It is shared by the copies of a
// Keys and may learn keys while a server runs (Learn), so it is locked.
type ringSet struct {
	mu sync.RWMutex
	m  map[string]*Keys
}

func newRingSet() *ringSet { return &ringSet{m: map[string]*Keys{}} }

func (r *ringSet) get(id string) *Keys {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.m[id]
}

func (r *ringSet) add(id string, o *Keys) {
	r.mu.Lock()
	r.m[id] = o
	r.mu.Unlock()
}

// addIfAbsent adds o under id unless a key is there already; a full key
// replaces a verify-only one.
func (r *ringSet) addIfAbsent(id string, o *Keys) {
	r.mu.Lock()
	if prev, ok := r.m[id]; !ok || (prev.verifyOnly && !o.verifyOnly) {
		r.m[id] = o
	}
	r.mu.Unlock()
}

// distinct is every key of the ring once, in a stable order (by id).
func (r *ringSet) distinct() []*Keys {
	r.mu.RLock()
	ids := make([]string, 0, len(r.m))
	for id := range r.m {
		ids = append(ids, id)
	}
	r.mu.RUnlock()
	sort.Strings(ids)
	seen := map[*Keys]bool{}
	var out []*Keys
	for _, id := range ids {
		if o := r.get(id); o != nil && !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	return out
}

func (r *ringSet) copyInto(dst *ringSet) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for id, v := range r.m {
		dst.addIfAbsent(id, v)
	}
}

// Learn adds o's keys to k's ring for opening and verifying only: k's
// current key stays the one that seals. A running server learns a key
// that 'rightsdesk keys rotate' added, so it reads what the rotation has
// already re-encrypted (issue 22). Every copy of k (Joined copies are
// separate) sees the learnt keys.
func (k *Keys) Learn(o *Keys) {
	if k == nil || o == nil {
		return
	}
	for _, v := range o.ring.distinct() {
		if prev := k.ring.get(v.id); prev != nil && !prev.verifyOnly && !v.verifyOnly && !hmac.Equal(prev.master, v.master) {
			continue // an id naming another key: never replace what we have
		}
		k.addToRing(v)
	}
}

// RingIDs lists the ids of the ring's keys (current first), marking
// verify-only ones with a trailing " (verify only)".
func (k *Keys) RingIDs() []string {
	out := []string{k.id}
	for _, o := range k.ring.distinct() {
		if same(o, k) {
			continue
		}
		if o.verifyOnly {
			out = append(out, o.id+" (verify only)")
		} else {
			out = append(out, o.id)
		}
	}
	return out
}

// Has tells whether the ring can open data under the key id.
func (k *Keys) Has(id string) bool {
	o := k.ring.get(id)
	return o != nil && !o.verifyOnly
}

// ErrUnknownKey: a stored key id names no key of the ring (a key removed
// from OLD_SECRET_KEYS too early, or a forged id).
var ErrUnknownKey = errors.New("secret: no key with this id in the keyring (OLD_SECRET_KEYS)")

// ID is the current key's id, stored beside what it protects.
func (k *Keys) ID() string { return k.id }

// byID finds a key that can open data (not a verify-only one).
func (k *Keys) byID(id string) (*Keys, error) {
	if o := k.ring.get(id); o != nil && !o.verifyOnly {
		return o, nil
	}
	return nil, ErrUnknownKey
}

// auditByID finds a key that verifies audit links, verify-only included.
func (k *Keys) auditByID(id string) (*Keys, error) {
	if o := k.ring.get(id); o != nil {
		return o, nil
	}
	return nil, ErrUnknownKey
}

// same tells whether a and b are the same key (a Joined copy holds the
// original, so pointers alone do not tell).
func same(a, b *Keys) bool {
	return a == b || (a.master != nil && b.master != nil && hmac.Equal(a.master, b.master))
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
	o, err := k.auditByID(keyID)
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
	o, err := k.auditByID(keyID)
	if err != nil {
		return false, err
	}
	return hmac.Equal(mac(o.checkpoint, msg), sig), nil
}
