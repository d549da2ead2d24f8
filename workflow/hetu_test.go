package workflow_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"rightsdesk/workflow"
)

// checkChar is an independent statement of ID-3's check character rule.
func checkChar(t testing.TB, digits string) string {
	t.Helper()
	n, err := strconv.Atoi(digits)
	if err != nil || len(digits) != 9 {
		t.Fatalf("checkChar(%q): want nine digits", digits)
	}
	return string("0123456789ABCDEFHJKLMNPRSTUVWXY"[n%31])
}

func TestID3ParseHetuValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, canonical, masked, birth string
		temporary                          bool
	}{
		{"ID-3_1900s_dash", "131052-308T", "131052-308T", "131052-****", "1952-10-13", false},
		// 961 is in the temporary range too, though legal.md flags only 999.
		{"ID-3_2000s_A", "010200A9618", "010200A9618", "010200A****", "2000-02-01", true},
		{"ID-3_temporary_Y", "100190Y999P", "100190Y999P", "100190Y****", "1990-01-10", true},
		{"ID-3_normalised", "  131052-308t\t", "131052-308T", "131052-****", "1952-10-13", false},
		{"ID-3_lower_century_sign", "010200a9618", "010200A9618", "010200A****", "2000-02-01", true},
		{"ID-3_leap_day_2000", "290200A" + "002" + checkChar(t, "290200002"), "290200A002" + checkChar(t, "290200002"), "290200A****", "2000-02-29", false},
		{"ID-3_1800s_plus", "010185+123" + checkChar(t, "010185123"), "010185+123" + checkChar(t, "010185123"), "010185+****", "1885-01-01", false},
		{"ID-3_2023_sign_F", "311223F900" + checkChar(t, "311223900"), "311223F900" + checkChar(t, "311223900"), "311223F****", "2023-12-31", true},
		{"ID-3_lowest_individual", "131052-002" + checkChar(t, "131052002"), "131052-002" + checkChar(t, "131052002"), "131052-****", "1952-10-13", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := workflow.ParseHetu(tt.in)
			if err != nil {
				t.Fatalf("ParseHetu: %v", err)
			}
			if got := h.Canonical(); got != tt.canonical {
				t.Errorf("Canonical() = %q, want %q", got, tt.canonical)
			}
			if got := h.BirthDate().String(); got != tt.birth {
				t.Errorf("BirthDate() = %s, want %s", got, tt.birth)
			}
			if got := h.Temporary(); got != tt.temporary {
				t.Errorf("Temporary() = %v, want %v", got, tt.temporary)
			}
			if got := h.Masked(); got != tt.masked {
				t.Errorf("Masked() = %q, want %q", got, tt.masked)
			}
			if got := workflow.MaskHetu(tt.in); got != tt.masked {
				t.Errorf("MaskHetu() = %q, want %q", got, tt.masked)
			}
		})
	}
}

func TestID3ParseHetuInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     workflow.HetuFault
	}{
		{"ID-3_check_should_be_J", "280453-111A", workflow.HetuFaultCheck},
		{"ID-3_individual_001_before_check", "010100A001N", workflow.HetuFaultIndividual},
		{"ID-3_individual_000", "010100A000" + checkChar(t, "010100000"), workflow.HetuFaultIndividual},
		{"ID-3_empty", "", workflow.HetuFaultLength},
		{"ID-3_too_short", "131052-308", workflow.HetuFaultLength},
		{"ID-3_too_long", "131052-308TT", workflow.HetuFaultLength},
		{"ID-3_inner_space_kept", "131052 -308T", workflow.HetuFaultLength},
		{"ID-3_letter_in_date", "13105X-308T", workflow.HetuFaultCharacters},
		{"ID-3_letter_in_individual", "131052-3O8T", workflow.HetuFaultCharacters},
		{"ID-3_check_char_not_in_alphabet", "131052-308G", workflow.HetuFaultCharacters},
		{"ID-3_non_ASCII", "131052-308Ä", workflow.HetuFaultCharacters},
		{"ID-3_characters_before_date", "991352-30XT", workflow.HetuFaultCharacters},
		{"ID-3_no_such_day", "320152-308T", workflow.HetuFaultDate},
		{"ID-3_month_13", "011352-308T", workflow.HetuFaultDate},
		{"ID-3_29_Feb_1900", "290200-002" + checkChar(t, "290200002"), workflow.HetuFaultDate},
		{"ID-3_29_Feb_2023", "290223A002" + checkChar(t, "290223002"), workflow.HetuFaultDate},
		{"ID-3_date_before_century", "320152G308T", workflow.HetuFaultDate},
		{"ID-3_29_Feb_00_unknown_sign", "290200G002" + checkChar(t, "290200002"), workflow.HetuFaultCentury},
		{"ID-3_unknown_sign_G", "131052G308T", workflow.HetuFaultCentury},
		{"ID-3_unknown_sign_Z", "131052Z308T", workflow.HetuFaultCentury},
		{"ID-3_century_before_individual", "010100G001N", workflow.HetuFaultCentury},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := workflow.ParseHetu(tt.in)
			var he *workflow.HetuError
			if !errors.As(err, &he) {
				t.Fatalf("ParseHetu(%q) = %v, %v; want *HetuError", tt.in, h, err)
			}
			if he.Fault != tt.want {
				t.Errorf("ParseHetu(%q) fault = %q, want %q", tt.in, he.Fault, tt.want)
			}
			if !h.IsZero() {
				t.Errorf("ParseHetu(%q) returned a non-zero Hetu with an error", tt.in)
			}
			// ID-4: the message never repeats the input.
			if msg := err.Error(); len(tt.in) > 0 && strings.Contains(strings.ToUpper(msg), strings.ToUpper(strings.TrimSpace(tt.in))) {
				t.Errorf("error %q contains the input", msg)
			}
		})
	}

	// ID-3's note on 010100A001N: its check character would be F.
	if got := checkChar(t, "010100001"); got != "F" {
		t.Errorf("check character of 010100A001 = %s, want F", got)
	}
	if got := checkChar(t, "280453111"); got != "J" {
		t.Errorf("check character of 280453-111 = %s, want J", got)
	}
}

// TestID4HetuNeverPrintedInFull: formatting and logging a Hetu show only
// the masked form.
func TestID4HetuNeverPrintedInFull(t *testing.T) {
	t.Parallel()
	h, err := workflow.ParseHetu("131052-308T")
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "hetu", h)
	outputs := []string{
		fmt.Sprint(h), fmt.Sprintf("%v %+v %#v %s %q", h, h, h, h, h),
		fmt.Sprintf("%v", struct{ H workflow.Hetu }{h}), logged.String(),
	}
	for _, out := range outputs {
		if strings.Contains(out, "308T") {
			t.Errorf("output %q contains the full henkilötunnus", out)
		}
		if !strings.Contains(out, "131052-****") {
			t.Errorf("output %q lacks the masked form", out)
		}
	}

	for in, want := range map[string]string{
		"":             "***********",
		"131052-308":   "***********",
		"131052-308TT": "***********",
		"131052-308Ä":  "***********",
		"131052-308t":  "131052-****",
		"010200a9618 ": "010200A****",
	} {
		if got := workflow.MaskHetu(in); got != want {
			t.Errorf("MaskHetu(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestID3HetuRoundTrip builds a valid code for every day 1900-2025, with the
// century signs and individual numbers varied, and parses it back.
func TestID3HetuRoundTrip(t *testing.T) {
	t.Parallel()
	signs := map[int]string{1900: "-YXWVU", 2000: "ABCDEF"}
	last := workflow.NewDate(2025, 12, 31)
	i := 0
	for d := workflow.NewDate(1900, 1, 1); !d.After(last); d = d.AddDays(1) {
		century := d.Year / 100 * 100
		sign := signs[century][i%len(signs[century])]
		individual := 2 + i%998 // 002..999, temporary range included
		digits := fmt.Sprintf("%02d%02d%02d%03d", d.Day, d.Month, d.Year%100, individual)
		code := digits[:6] + string(sign) + digits[6:] + checkChar(t, digits)
		i++

		h, err := workflow.ParseHetu(code)
		if err != nil {
			t.Fatalf("ParseHetu(%s): %v", code, err)
		}
		if h.BirthDate() != d || h.Canonical() != code || h.Temporary() != (individual >= 900) {
			t.Fatalf("ParseHetu(%s) = birth %s, canonical %s, temporary %v", code, h.BirthDate(), h.Canonical(), h.Temporary())
		}
		if got, want := h.Masked(), code[:7]+"****"; got != want {
			t.Fatalf("Masked(%s) = %s, want %s", code, got, want)
		}
	}
}

// FuzzParseHetu: ParseHetu never panics, accepts only what round-trips, and
// fails only with a *HetuError whose message is one of the fixed ones.
func FuzzParseHetu(f *testing.F) {
	for _, s := range []string{
		"131052-308T", "010200A9618", "100190Y999P", "280453-111A", "010100A001N",
		"", " 131052-308t ", "290200G0020", "131052-308Ä", "\xff\xfe0000000000",
	} {
		f.Add(s)
	}
	messages := map[string]bool{}
	for _, fault := range []workflow.HetuFault{
		workflow.HetuFaultLength, workflow.HetuFaultCharacters, workflow.HetuFaultDate,
		workflow.HetuFaultCentury, workflow.HetuFaultIndividual, workflow.HetuFaultCheck,
	} {
		messages[(&workflow.HetuError{Fault: fault}).Error()] = true
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := workflow.ParseHetu(s)
		if err != nil {
			var he *workflow.HetuError
			if !errors.As(err, &he) || !messages[err.Error()] {
				t.Fatalf("ParseHetu error %#v (%q) is not a known *HetuError", err, err)
			}
			return
		}
		c := h.Canonical()
		if len(c) != 11 || !h.BirthDate().IsValid() || h.Masked() != c[:7]+"****" || workflow.MaskHetu(s) != h.Masked() {
			t.Fatalf("ParseHetu accepted an inconsistent code: %#v", h)
		}
		again, err := workflow.ParseHetu(c)
		if err != nil || again != h {
			t.Fatalf("canonical form does not round-trip: %v", err)
		}
	})
}

// Issue 16, item 10 (ID-3 date fault): a birth date after today is
// refused; today is fine.
func TestParseHetuAtRefusesFutureBirth(t *testing.T) {
	t.Parallel()
	today := workflow.Date{Year: 2026, Month: 3, Day: 3}
	if _, err := workflow.ParseHetuAt("030326A0024", today); err != nil {
		t.Errorf("born today: %v", err)
	}
	for _, h := range []string{"040326A002S", "010127A002F"} {
		var he *workflow.HetuError
		if _, err := workflow.ParseHetuAt(h, today); !errors.As(err, &he) || he.Fault != workflow.HetuFaultDate {
			t.Errorf("%s: %v, want the date fault", h, err)
		}
	}
}
