package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"rightsdesk/registers"
)

// Catalogue search (issue 15). A query is cut into words; a register
// matches when, for every word, its folded published text (search_text,
// migration 007) contains one of the word's pieces: the word itself, its
// stem by PostgreSQL's finnish or swedish configuration (the page's
// language; both on English pages), and the pieces the curated list
// (registers/search_words.json) gives for it. Pieces are matched anywhere
// in a word, so they find compounds ("lasten" in "lastensuojelun"), and
// the trigram index serves each LIKE.

// maxSearchWords bounds the words of one query (the field takes 200
// characters).
const maxSearchWords = 8

// minStem is the shortest stem used as a piece: the finnish stemmer makes
// "lap" of "lapsi", which would find "kaplan".
const minStem = 4

// wordStems are one word's stems by language (PostgreSQL's snowball
// dictionaries finnish_stem, swedish_stem, english_stem, which the
// finnish, swedish and english configurations use); stop is set when the
// word is a stop word of one of them ("ja", "och", "and").
type wordStems struct {
	stem map[string]string
	stop bool
}

// stems asks PostgreSQL for the finnish, swedish and english stems of
// words, in one round trip.
func (q *Q) stems(ctx context.Context, words []string) (map[string]wordStems, error) {
	out := make(map[string]wordStems, len(words))
	if len(words) == 0 {
		return out, nil
	}
	rows, err := q.db.Query(ctx, `
		SELECT w, ts_lexize('finnish_stem', w), ts_lexize('swedish_stem', w), ts_lexize('english_stem', w)
		FROM unnest($1::text[]) AS w`, words)
	if err != nil {
		return nil, mapErr(err, "stemming search words")
	}
	defer rows.Close()
	for rows.Next() {
		var w string
		var fi, sv, en []string
		if err := rows.Scan(&w, &fi, &sv, &en); err != nil {
			return nil, mapErr(err, "stemming search words")
		}
		s := wordStems{stem: map[string]string{}}
		for lang, lex := range map[string][]string{"fi": fi, "sv": sv, "en": en} {
			if lex != nil && len(lex) == 0 {
				s.stop = true
			}
			if len(lex) > 0 {
				s.stem[lang] = lex[0]
			}
		}
		out[w] = s
	}
	return out, mapErr(rows.Err(), "stemming search words")
}

// searchGroups turns a query into LIKE patterns, one group per word: a
// register matches when it matches a pattern of every group. No group
// means no search (an empty query, or only stop words of one letter).
func (q *Q) searchGroups(ctx context.Context, query, lang string) ([][]string, error) {
	words := registers.SearchTokens(query, maxSearchWords)
	if len(words) == 0 {
		return nil, nil
	}
	list, err := registers.DefaultSearchWords()
	if err != nil {
		return nil, err
	}
	// The list's words that may share a stem with a typed word (stemmers
	// cut endings, so such a word begins with the same letters) are
	// stemmed too.
	folded := make([]string, len(words))
	for i, w := range words {
		folded[i] = registers.FoldSearch(w)
	}
	var keys []registers.SearchKey
	toStem := slices.Clone(words)
	for _, k := range list.Keys() {
		if strings.Contains(k.Fold, " ") || !slices.ContainsFunc(folded, func(w string) bool { return samePrefix(w, k.Fold, minStem) }) {
			continue
		}
		keys = append(keys, k)
		toStem = append(toStem, k.Word)
	}
	stems, err := q.stems(ctx, toStem)
	if err != nil {
		return nil, err
	}
	// Stop words go, unless nothing else is left.
	kept := slices.DeleteFunc(slices.Clone(words), func(w string) bool { return stems[w].stop })
	if len(kept) == 0 {
		kept = words
	}
	pageStems := []string{lang}
	if lang != "fi" && lang != "sv" {
		pageStems = []string{"fi", "sv"}
	}

	var groups [][]string
	for i := 0; i < len(kept); i++ {
		// A phrase of the list ("day care", "contact details") is one
		// group; the longest phrase wins.
		n, entries := 1, []registers.SearchWord(nil)
		for j := min(len(kept), i+4); j > i+1; j-- {
			for _, k := range list.ByFold(registers.FoldSearch(strings.Join(kept[i:j], " "))) {
				entries = append(entries, *k.Entry)
			}
			if len(entries) > 0 {
				n = j - i
				break
			}
		}
		var pieces []string
		add := func(p string) {
			if !slices.Contains(pieces, p) {
				pieces = append(pieces, p)
			}
		}
		// A phrase finds by its entries' pieces only: the list's phrases
		// are English or everyday wording, never the published text.
		if n == 1 {
			w := kept[i]
			ws := stems[w]
			if utf8.RuneCountInString(w) >= 3 || len(kept) == 1 {
				add("%" + likeEscape(registers.FoldSearch(w)) + "%")
			}
			for _, l := range pageStems {
				if st := ws.stem[l]; utf8.RuneCountInString(st) >= minStem {
					add("%" + likeEscape(registers.FoldSearch(st)) + "%")
				}
			}
			for _, k := range list.ByFold(registers.FoldSearch(w)) {
				entries = append(entries, *k.Entry)
			}
			// The same stem in the list word's language (pieces repeated
			// by an exact match as well are added once).
			for _, k := range keys {
				st := ws.stem[k.Lang]
				if utf8.RuneCountInString(st) >= minStem && stems[k.Word].stem[k.Lang] == st {
					entries = append(entries, *k.Entry)
				}
			}
		}
		for _, e := range entries {
			for _, f := range e.Find {
				add(registers.SearchPattern(f))
			}
		}
		if len(pieces) > 0 {
			groups = append(groups, pieces)
		}
		i += n - 1
	}
	return groups, nil
}

// samePrefix reports whether the folded words a and b begin with the same
// n letters, or are equal when shorter.
func samePrefix(a, b string, n int) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) < n || len(rb) < n {
		return a == b
	}
	return string(ra[:n]) == string(rb[:n])
}

// searchWhere is the SQL condition of the groups, its parameters numbered
// from next: one OR of LIKEs per group, all of them ANDed, so that each
// LIKE can use the trigram index.
func searchWhere(groups [][]string, next int) (string, []any) {
	var and []string
	var args []any
	for _, g := range groups {
		var or []string
		for _, p := range g {
			or = append(or, "r.search_text LIKE $"+strconv.Itoa(next))
			args = append(args, p)
			next++
		}
		and = append(and, "("+strings.Join(or, " OR ")+")")
	}
	return strings.Join(and, " AND "), args
}
