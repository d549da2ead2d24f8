package workflow

import "testing"

func TestValidBusinessID(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]bool{
		"0112038-9": true,  // Nokia Oyj: sum 57, remainder 2, check 9
		"0112038-8": false, // wrong check digit
		"1234567-1": true,  // sum 153, remainder 10, check 1
		"0000000-0": true,  // remainder 0 gives 0
		"0000001-0": false, // sum 2 → check 9
		"0000006-1": false, // sum 12, remainder 1: never issued
		"112038-9":  false,
		"01120389":  false,
		"0112038-x": false,
		"":          false,
	} {
		if got := ValidBusinessID(id); got != want {
			t.Errorf("ValidBusinessID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestValidSlug(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"vaasa": true, "pedersoren-kunta": true, "k2": true,
		"a": false, "-vaasa": false, "vaasa-": false, "va--asa": false, "Vaasa": false,
		"vaasa kaupunki": false, "väasa": false, "x2345678901234567890123456789012345678901": false, "x234567890123456789012345678901234567890": true,
	} {
		if got := ValidSlug(s); got != want {
			t.Errorf("ValidSlug(%q) = %v, want %v", s, got, want)
		}
	}
}
