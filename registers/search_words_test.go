package registers_test

import (
	"slices"
	"strings"
	"testing"

	"rightsdesk/registers"
)

// The curated list in the repo parses, has entries in every language, and
// no typed word appears twice within a language (a second entry would be
// a silent second meaning; merge them instead).
func TestSearchWordsListIsWellFormed(t *testing.T) {
	t.Parallel()
	s, err := registers.DefaultSearchWords()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range registers.SearchLangs {
		seen := map[string]bool{}
		for _, e := range s.Lang(lang) {
			for _, w := range e.Words {
				if f := registers.FoldSearch(w); seen[f] {
					t.Errorf("%s: %q is in two entries", lang, w)
				} else {
					seen[f] = true
				}
			}
		}
		if len(seen) < 50 {
			t.Errorf("%s: only %d words", lang, len(seen))
		}
	}
	// The examples of issue 15 are there.
	for _, c := range []struct{ lang, word, piece string }{
		{"fi", "päivähoito", "varhaiskasvatu"}, {"fi", "lapsi", "lasten"}, {"fi", "koulu", "opetu"},
		{"sv", "barn", "barn"}, {"sv", "dagvård", "småbarnspedagogik"}, {"sv", "skola", "utbildning"},
		{"en", "day care", "varhaiskasvatu"}, {"en", "school", "skol"},
	} {
		found := false
		for _, e := range s.Lang(c.lang) {
			found = found || slices.Contains(e.Words, c.word) && slices.Contains(e.Find, c.piece)
		}
		if !found {
			t.Errorf("%s: %q does not find %q", c.lang, c.word, c.piece)
		}
	}
}

func TestParseSearchWordsRefusesBadEntries(t *testing.T) {
	t.Parallel()
	good := `{"words": ["lapsi"], "find": ["laps"]}`
	for name, entry := range map[string]string{
		"upper case word":  `{"words": ["Lapsi"], "find": ["laps"]}`,
		"padded word":      `{"words": [" lapsi"], "find": ["laps"]}`,
		"short piece":      `{"words": ["lapsi"], "find": ["lap"]}`,
		"short ^piece":     `{"words": ["lapsi"], "find": ["^lap"]}`,
		"wildcard":         `{"words": ["lapsi"], "find": ["la%s"]}`,
		"no pieces":        `{"words": ["lapsi"], "find": []}`,
		"no words":         `{"words": [], "find": ["laps"]}`,
		"unknown field":    `{"words": ["lapsi"], "find": ["laps"], "see": "x"}`,
		"upper case piece": `{"words": ["lapsi"], "find": ["Laps"]}`,
	} {
		doc := `{"comment": "", "fi": [` + entry + `], "sv": [` + good + `], "en": [` + good + `]}`
		if _, err := registers.ParseSearchWords([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := registers.ParseSearchWords([]byte(`{"comment": "", "fi": [` + good + `], "sv": [` + good + `], "en": []}`)); err == nil {
		t.Error("a language without entries: accepted")
	}
	if _, err := registers.ParseSearchWords([]byte(`{"comment": "", "fi": [` + good + `], "sv": [` + good + `], "en": [` + good + `]}`)); err != nil {
		t.Errorf("good list refused: %v", err)
	}
}

func TestFoldSearch(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Päivähoito":                        "paivahoito",
		"ÅLDRE Öppna Über Café":             "aldre oppna uber cafe",
		"Sosiaali- ja terveyslautakunta: X": "sosiaali ja terveyslautakunta x",
		"  (förskole)\n\tundervisning.  ":   "forskole undervisning",
		"e-post / adress":                   "e post adress",
		"a\u00a0b":                          "a b",
	} {
		if got := registers.FoldSearch(in); got != want {
			t.Errorf("FoldSearch(%q) = %q, want %q", in, got, want)
		}
	}
	if got := registers.SearchPattern("^kund"); got != "% kund%" {
		t.Errorf("^kund: %q", got)
	}
	if got := registers.SearchPattern("småbarnspedagogik"); got != "%smabarnspedagogik%" {
		t.Errorf("småbarnspedagogik: %q", got)
	}
}

func TestSearchTokens(t *testing.T) {
	t.Parallel()
	got := registers.SearchTokens("Lasten-suojelu, PÄIVÄHOITO 100% _x_", 8)
	want := []string{"lasten", "suojelu", "päivähoito", "100", "x"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := registers.SearchTokens(strings.Repeat("a ", 20), 8); len(got) != 8 {
		t.Errorf("%d words, want at most 8", len(got))
	}
	if got := registers.SearchTokens(strings.Repeat("ä", 100), 8); len([]rune(got[0])) != 40 {
		t.Errorf("a word of %d letters, want at most 40", len([]rune(got[0])))
	}
	if got := registers.SearchTokens("%_!", 8); len(got) != 0 {
		t.Errorf("punctuation gave %q", got)
	}
}
