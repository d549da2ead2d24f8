package registers

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Catalogue search vocabulary (issue 15). Residents ask in everyday words
// ("päivähoito", "lapsi", "skola"); registers are published in the
// administration's words ("Varhaiskasvatuksen tietovaranto",
// "Lastensuojelun asiakasrekisteri"), often in one language only (D-5).
// search_words.json maps the one to the other; the store matches its
// pieces anywhere in the folded published text (migration 007).

//go:embed search_words.json
var searchWordsJSON []byte

// SearchWord is one entry of the curated list: words a resident may type,
// and pieces of published text that they mean.
type SearchWord struct {
	Words []string `json:"words"`
	Find  []string `json:"find"`
}

// SearchWords is the curated list, by the language of the typed words.
type SearchWords struct {
	Comment string       `json:"comment"`
	FI      []SearchWord `json:"fi"`
	SV      []SearchWord `json:"sv"`
	EN      []SearchWord `json:"en"`

	index  sync.Once
	keys   []SearchKey
	byFold map[string][]SearchKey
}

// SearchKey is one typed word of the list, folded (FoldSearch), with the
// language it is in and its entry.
type SearchKey struct {
	Word, Fold, Lang string
	Entry            *SearchWord
}

func (s *SearchWords) buildIndex() {
	s.byFold = map[string][]SearchKey{}
	for _, lang := range SearchLangs {
		entries := s.Lang(lang)
		for i := range entries {
			for _, w := range entries[i].Words {
				k := SearchKey{Word: w, Fold: FoldSearch(w), Lang: lang, Entry: &entries[i]}
				s.keys = append(s.keys, k)
				s.byFold[k.Fold] = append(s.byFold[k.Fold], k)
			}
		}
	}
}

// Keys are all typed words of the list, folded once.
func (s *SearchWords) Keys() []SearchKey {
	s.index.Do(s.buildIndex)
	return s.keys
}

// ByFold are the list's typed words whose folded form is fold (a word or
// a phrase such as "day care").
func (s *SearchWords) ByFold(fold string) []SearchKey {
	s.index.Do(s.buildIndex)
	return s.byFold[fold]
}

// SearchLangs are the languages of the curated list, in its order.
var SearchLangs = []string{"fi", "sv", "en"}

// Lang returns the entries whose words are in lang.
func (s *SearchWords) Lang(lang string) []SearchWord {
	switch lang {
	case "fi":
		return s.FI
	case "sv":
		return s.SV
	case "en":
		return s.EN
	}
	return nil
}

// SearchPattern is the LIKE pattern of a piece of the curated list: found
// anywhere in the folded text, or at the start of a word when the piece
// begins with ^ (search_text has a space before each word).
func SearchPattern(piece string) string {
	if rest, ok := strings.CutPrefix(piece, "^"); ok {
		return "% " + FoldSearch(rest) + "%"
	}
	return "%" + FoldSearch(piece) + "%"
}

// MinPiece is the shortest piece of published text the list may name: a
// shorter one matches too many unrelated words, and the trigram index
// cannot serve it.
const MinPiece = 4

// ParseSearchWords reads and checks a curated list.
func ParseSearchWords(b []byte) (*SearchWords, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s SearchWords
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("search words: %w", err)
	}
	for _, lang := range SearchLangs {
		entries := s.Lang(lang)
		if len(entries) == 0 {
			return nil, fmt.Errorf("search words: no entries for %s", lang)
		}
		for i, e := range entries {
			if len(e.Words) == 0 || len(e.Find) == 0 {
				return nil, fmt.Errorf("search words: %s entry %d: needs words and find", lang, i+1)
			}
			for _, w := range e.Words {
				if w != strings.ToLower(strings.TrimSpace(w)) || w == "" {
					return nil, fmt.Errorf("search words: %s word %q: write it trimmed, in lower case", lang, w)
				}
			}
			for _, f := range e.Find {
				if f != strings.ToLower(strings.TrimSpace(f)) || strings.ContainsAny(f, `%_\`) {
					return nil, fmt.Errorf("search words: %s piece %q: write it trimmed, in lower case, without %%, _ or \\", lang, f)
				}
				if utf8.RuneCountInString(FoldSearch(strings.TrimPrefix(f, "^"))) < MinPiece {
					return nil, fmt.Errorf("search words: %s piece %q: shorter than %d letters", lang, f, MinPiece)
				}
			}
		}
	}
	return &s, nil
}

var defaultSearchWords = sync.OnceValues(func() (*SearchWords, error) {
	return ParseSearchWords(searchWordsJSON)
})

// DefaultSearchWords is the list kept in registers/search_words.json.
func DefaultSearchWords() (*SearchWords, error) { return defaultSearchWords() }

// foldLetters is what migration 007's search_text folds (both cases, for a
// database whose lower() knows only ASCII).
var foldLetters = strings.NewReplacer("ä", "a", "ö", "o", "å", "a", "ü", "u", "é", "e",
	"Ä", "a", "Ö", "o", "Å", "a", "Ü", "u", "É", "e")

// FoldSearch normalises text as registers.search_text is normalised
// (migration 007): lower case, ä ö å ü é folded to a o a u e, and each run
// of spaces and punctuation one space. A piece of the curated list or a
// typed word is folded so before it is matched there.
func FoldSearch(s string) string {
	s = foldLetters.Replace(strings.ToLower(s))
	var b strings.Builder
	space := false
	for _, r := range s {
		if isSearchSeparator(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// isSearchSeparator mirrors the character class of migration 007.
func isSearchSeparator(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune(`()[]{}/\,.;:!?"'«»”“–—-`, r)
}

// SearchTokens splits a typed query into lower-case words of letters and
// digits (at most max words); the words keep their letters unfolded, for
// the stemmers.
func SearchTokens(query string, max int) []string {
	words := strings.FieldsFunc(strings.ToLower(query), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) > max {
		words = words[:max]
	}
	for i, w := range words {
		if utf8.RuneCountInString(w) > 40 {
			words[i] = string([]rune(w)[:40])
		}
	}
	return words
}
