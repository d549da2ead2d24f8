package registers

import (
	"strings"
	"testing"
	"time"
)

func TestZZPerf(t *testing.T) {
	hdr := "Datasystemets namn\tAnvändningsområde\tDatainnehåll\tABP\tPRB\tDRB\tRegistrets ansvarsenhet\tRegistrets ansvarsperson\n"
	inputs := map[string]string{
		"cont":      hdr + "A\tb\tc\t\t\tx\tu\tp\n" + strings.Repeat("\tmore text here\t\t\t\t\t\tgen\n", 20000),
		"longline":  strings.Repeat("Rekisterinpitäjä ", 100000),
		"tabs":      strings.Repeat("a\t", 200000),
		"spaces":    strings.Repeat("a  ", 200000),
		"colons":    strings.Repeat("Rekisterinpitäjä: x ", 50000),
		"lines":     strings.Repeat("Sivistystoimiala\nfoo\n", 50000),
		"legal":     strings.Repeat("6 artiklan 1 c ja e ja f, a ", 20000),
		"headers":   strings.Repeat(hdr, 5000),
		"notice":    strings.Repeat("Rekisterinpitäjä\nKokkolan kaupunki\nRekisterin nimi\nX\n", 20000),
		"layout":    "Datasystemets namn  Användningsområde  Datainnehåll  ABP  PRB  DRB  Ansvarsenhet  Ansvarsperson\n" + strings.Repeat("      x  y  z\n", 50000),
	}
	for name, in := range inputs {
		start := time.Now()
		_, err := Parse(in, Options{})
		t.Logf("%s (%d bytes): %v %v", name, len(in), time.Since(start), err)
	}
}
