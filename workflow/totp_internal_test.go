package workflow

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"testing"
	"time"
)

// TestTOTPRFC6238Vectors checks the HOTP/TOTP computation against the test
// vectors of RFC 6238 Appendix B (8 digits, T0 = 0, X = 30 s) for all
// three hashes; TOTPCode (SHA-1, 6 digits) is their last six digits.
func TestTOTPRFC6238Vectors(t *testing.T) {
	seed20 := []byte("12345678901234567890")
	seed32 := []byte("12345678901234567890123456789012")
	seed64 := []byte("1234567890123456789012345678901234567890123456789012345678901234")
	cases := []struct {
		unix                 int64
		sha1, sha256, sha512 string
	}{
		{59, "94287082", "46119246", "90693936"},
		{1111111109, "07081804", "68084774", "25091201"},
		{1111111111, "14050471", "67062674", "99943326"},
		{1234567890, "89005924", "91819424", "93441116"},
		{2000000000, "69279037", "90698825", "38618901"},
		{20000000000, "65353130", "77737706", "47863826"},
	}
	for _, c := range cases {
		step := TOTPStep(time.Unix(c.unix, 0))
		for _, h := range []struct {
			name string
			fn   func() hash.Hash
			key  []byte
			want string
		}{{"SHA1", sha1.New, seed20, c.sha1}, {"SHA256", sha256.New, seed32, c.sha256}, {"SHA512", sha512.New, seed64, c.sha512}} {
			if got := hotp(h.fn, h.key, uint64(step), 8); got != h.want {
				t.Errorf("T=%d %s: %s, want %s", c.unix, h.name, got, h.want)
			}
		}
		if got := TOTPCode(seed20, step); got != c.sha1[2:] {
			t.Errorf("T=%d TOTPCode: %s, want %s", c.unix, got, c.sha1[2:])
		}
	}
}

// TestMatchTOTPSkewAndReplay: a code is accepted one step early or late,
// not two, and never for a step at or before the last one used.
func TestMatchTOTPSkewAndReplay(t *testing.T) {
	key := []byte("12345678901234567890")
	now := time.Unix(1111111111, 0)
	cur := TOTPStep(now)
	for d, want := range map[int64]bool{-2: false, -1: true, 0: true, 1: true, 2: false} {
		got := matchTOTP(key, TOTPCode(key, cur+d), now, 0) == cur+d
		if got != want {
			t.Errorf("step %+d accepted = %v, want %v", d, got, want)
		}
	}
	if s := matchTOTP(key, TOTPCode(key, cur), now, cur); s != 0 {
		t.Error("a code of the last used step was accepted again")
	}
	if s := matchTOTP(key, TOTPCode(key, cur-1), now, cur); s != 0 {
		t.Error("a code older than the last used step was accepted")
	}
	if s := matchTOTP(key, "000000", now, 0); s != 0 && TOTPCode(key, s) != "000000" {
		t.Error("a wrong code matched")
	}
}
