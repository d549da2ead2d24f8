package demo

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The demo's audit data, written as the canonical JSON the chain links
// cover (store.ChainNewEventsJSON): keys in sorted order, compact, as
// json.Marshal writes the data read back from the database. Building
// maps and round-tripping them through encoding/json cost the loader
// about 40 % of its CPU (docs/scale.md 15). TestEventJSONCanonical holds
// every generated event to json.Marshal's bytes.

// take cuts the bytes appended since from out of *arena as one value; the
// arena is replaced when full, so earlier values are never overwritten.
func take(arena *[]byte, build func([]byte) []byte) []byte {
	if cap(*arena)-len(*arena) < 512 {
		*arena = make([]byte, 0, 64<<10)
	}
	from := len(*arena)
	*arena = build(*arena)
	return (*arena)[from:len(*arena):len(*arena)]
}

// appendJSONString writes s as json.Marshal does; the demo's values are
// plain ASCII words, anything else goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// field is one key of an event's data and its value. The product's
// events hold strings, flags, counts, lists of codes and times (D-25).
type field struct {
	key  string
	kind byte // 's' string, 'b' flag, 'n' count, 'l' list (nil: null), 't' time
	s    string
	n    int64
	b    bool
	l    []string
	t    time.Time
}

func str(k, v string) field                  { return field{key: k, kind: 's', s: v} }
func flag(k string, v bool) field            { return field{key: k, kind: 'b', b: v} }
func num[T int | int64](k string, n T) field { return field{key: k, kind: 'n', n: int64(n)} }
func list(k string, v []string) field        { return field{key: k, kind: 'l', l: v} }
func when(k string, t time.Time) field       { return field{key: k, kind: 't', t: t} }

// objJSON writes the fields as one object, as json.Marshal writes the
// map they make: keys sorted, compact, a time as its MarshalJSON.
func objJSON(arena *[]byte, fs ...field) []byte {
	slices.SortFunc(fs, func(a, b field) int { return strings.Compare(a.key, b.key) })
	return take(arena, func(b []byte) []byte {
		b = append(b, '{')
		for i, f := range fs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, f.key)
			b = append(b, ':')
			switch f.kind {
			case 's':
				b = appendJSONString(b, f.s)
			case 'b':
				b = strconv.AppendBool(b, f.b)
			case 'n':
				b = strconv.AppendInt(b, f.n, 10)
			case 'l':
				if f.l == nil {
					b = append(b, "null"...)
					break
				}
				b = append(b, '[')
				for j, v := range f.l {
					if j > 0 {
						b = append(b, ',')
					}
					b = appendJSONString(b, v)
				}
				b = append(b, ']')
			case 't':
				b = append(b, '"')
				b = f.t.AppendFormat(b, time.RFC3339Nano) // time.Time's MarshalJSON
				b = append(b, '"')
			}
		}
		return append(b, '}')
	})
}
