package demo

import (
	"encoding/json"
	"strconv"
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

// receivedJSON is the "received" event's data.
func receivedJSON(arena *[]byte, channel string, rights []string, lang string, received time.Time, legalDue string, onBehalf, docReq bool) []byte {
	return take(arena, func(b []byte) []byte {
		b = append(b, `{"all_registers":true,"channel":`...)
		b = appendJSONString(b, channel)
		b = append(b, `,"document_request":`...)
		b = strconv.AppendBool(b, docReq)
		b = append(b, `,"lang":`...)
		b = appendJSONString(b, lang)
		b = append(b, `,"legal_due":`...)
		b = appendJSONString(b, legalDue)
		b = append(b, `,"on_behalf":`...)
		b = strconv.AppendBool(b, onBehalf)
		b = append(b, `,"received_at":"`...)
		b = received.AppendFormat(b, time.RFC3339Nano) // time.Time's MarshalJSON
		b = append(b, `","registers":0,"rights":[`...)
		for i, r := range rights {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, r)
		}
		return append(b, "]}"...)
	})
}

// stringJSON is {"key":"value"}.
func stringJSON(arena *[]byte, key, value string) []byte {
	return take(arena, func(b []byte) []byte {
		b = append(b, '{')
		b = appendJSONString(b, key)
		b = append(b, ':')
		b = appendJSONString(b, value)
		return append(b, '}')
	})
}

// intJSON is {"key":n}; a small integer reads back as a float64 that
// prints the same.
func intJSON(arena *[]byte, key string, n int) []byte {
	return take(arena, func(b []byte) []byte {
		b = append(b, '{')
		b = appendJSONString(b, key)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(n), 10)
		return append(b, '}')
	})
}
