package workflow

import (
	"bytes"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
)

// Issue 16 item 3 (ID-3): every century sign of the henkilötunnus is
// masked in free text, in any case; ID-4: the mask keeps the date and its
// own century sign, as a capital ("131052A****").
func TestID3MaskHetuInTextEveryCenturySign(t *testing.T) {
	t.Parallel()
	for _, sign := range "+-ABCDEFYXWVUabcdefyxwvu" {
		in := "tunnus 131052" + string(sign) + "308T."
		if got := MaskHetuInText(in); got != "tunnus 131052"+strings.ToUpper(string(sign))+"****." {
			t.Errorf("sign %q: %q", sign, got)
		}
	}
	for _, keep := range []string{"131052G308T", "RD-2026-000123", "puh. 040 123 4567", "2026-03-03",
		// a checkpoint digest (hex) and a link token (base64url) in a mail
		// body stay intact: the pattern needs word boundaries on both sides
		"123456a789b0c1d2e3f4a5b6c7d8e9f00112233445566778899aabbccddeeff00",
		"http://rightsdesk.test/fi/t/Ab_123456-7890xYz_0123456789abcdefghijklmn"} {
		if got := MaskHetuInText(keep); got != keep {
			t.Errorf("%q changed to %q", keep, got)
		}
	}
}

// D-25 belt: an event's string values, in lists and nested maps too, are
// masked before they are chained; numbers and flags stay.
func TestMaskAuditData(t *testing.T) {
	t.Parallel()
	got := maskAuditData(map[string]any{
		"s": "x 010200A9618", "l": []string{"100190Y999P"}, "a": []any{"131052-308T", 3},
		"m": map[string]any{"n": "131052+308T"}, "i": int64(7), "b": true,
	})
	var sb strings.Builder
	for _, v := range []any{got["s"], got["l"], got["a"], got["m"]} {
		sb.WriteString(strings.ToUpper(fmtAny(v)))
	}
	for _, h := range []string{"010200A9618", "100190Y999P", "131052-308T", "131052+308T"} {
		if strings.Contains(sb.String(), h) {
			t.Errorf("%s survived: %s", h, sb.String())
		}
	}
	if got["i"] != int64(7) || got["b"] != true || got["s"] != "x 010200A****" {
		t.Errorf("values changed: %v", got)
	}
}

func fmtAny(v any) string {
	var b bytes.Buffer
	slog.New(slog.NewTextHandler(&b, nil)).Info("", "v", v)
	return b.String()
}

// The production log handler's ReplaceAttr masks strings, errors and
// Stringers (the last line of defence; code logs no free text).
func TestMaskHetuAttr(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	lg := slog.New(slog.NewJSONHandler(&b, &slog.HandlerOptions{ReplaceAttr: MaskHetuAttr}))
	lg.Info("x", "s", "a 131052-308T", "err", errors.New("bad 010200A9618"), "n", 5)
	out := b.String()
	if strings.Contains(out, "131052-308T") || strings.Contains(out, "010200A9618") || !strings.Contains(out, `"n":5`) ||
		!strings.Contains(out, "131052-****") {
		t.Fatalf("log: %s", out)
	}
}

// Issue 21: the pre-check that lets most texts skip the regexp never
// skips one the regexp would change (random texts dense in digits and
// century signs, and the mails' own shapes).
func TestMaskHetuPrecheckAgreesWithRegexp(t *testing.T) {
	t.Parallel()
	const alphabet = "0123456789-+AaFfGgUuYyZz T\n<>"
	rng := rand.New(rand.NewPCG(21, 16))
	masked := 0
	for range 200000 {
		b := make([]byte, 4+rng.IntN(24))
		for i := range b {
			if rng.IntN(3) > 0 {
				b[i] = byte('0' + rng.IntN(10))
			} else {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		s := string(b)
		want := hetuInText.ReplaceAllStringFunc(s, maskMatch)
		if got := MaskHetuInText(s); got != want {
			t.Fatalf("%q: masked %q, the regexp gives %q", s, got, want)
		}
		if want != s {
			masked++
		}
	}
	if masked < 100 {
		t.Fatalf("only %d of the random texts held a henkilötunnus: the test checks too little", masked)
	}
}
