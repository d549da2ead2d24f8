package demo

import (
	"encoding/binary"
	"math"
	"time"
)

// copyBuf is one table's rows in PostgreSQL's binary COPY format, written
// by the generator goroutines as they make each row: the writers then only
// stream bytes. pgx's CopyFrom boxed every value in an interface and
// looked up its encode plan per value, a quarter of the loader's Go CPU
// once the audit links were cheap (docs/scale.md 15). The column types
// are the tables' own (TestGenerate loads every column through it).
type copyBuf struct {
	b    []byte
	rows int
}

// copyHeader starts every binary COPY stream: signature, flags, no
// header extension.
const copyHeader = "PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00"

// pgEpoch is 2000-01-01, the origin of binary dates and timestamps.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func (c *copyBuf) row(cols int) {
	if c.b == nil {
		c.b = append(make([]byte, 0, 1<<20), copyHeader...)
	}
	c.rows++
	c.b = binary.BigEndian.AppendUint16(c.b, uint16(cols))
}

// data returns the stream with its trailer.
func (c *copyBuf) data() []byte { return binary.BigEndian.AppendUint16(c.b, math.MaxUint16) }

func (c *copyBuf) size(n int) { c.b = binary.BigEndian.AppendUint32(c.b, uint32(n)) }

func (c *copyBuf) null() { c.b = binary.BigEndian.AppendUint32(c.b, math.MaxUint32) } // length -1

func (c *copyBuf) i8(v int64) {
	c.size(8)
	c.b = binary.BigEndian.AppendUint64(c.b, uint64(v))
}

func (c *copyBuf) i4(v int) {
	c.size(4)
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(int32(v)))
}

func (c *copyBuf) boolean(v bool) {
	c.size(1)
	if v {
		c.b = append(c.b, 1)
	} else {
		c.b = append(c.b, 0)
	}
}

// text and bytea share the format; an empty value is empty, never NULL.
func (c *copyBuf) text(s string) {
	c.size(len(s))
	c.b = append(c.b, s...)
}

func (c *copyBuf) bytea(v []byte) {
	c.size(len(v))
	c.b = append(c.b, v...)
}

// byteaOrNull writes NULL for a nil slice.
func (c *copyBuf) byteaOrNull(v []byte) {
	if v == nil {
		c.null()
		return
	}
	c.bytea(v)
}

func (c *copyBuf) jsonb(v []byte) {
	c.size(1 + len(v))
	c.b = append(c.b, 1) // jsonb's binary format version
	c.b = append(c.b, v...)
}

// ts is a timestamptz: microseconds since pgEpoch (as pgx writes it).
func (c *copyBuf) ts(t time.Time) {
	c.size(8)
	us := t.Unix()*1_000_000 + int64(t.Nanosecond())/1000 - pgEpoch.Unix()*1_000_000
	c.b = binary.BigEndian.AppendUint64(c.b, uint64(us))
}

// tsOrNull writes a time.Time, or NULL for nil.
func (c *copyBuf) tsOrNull(v any) {
	if v == nil {
		c.null()
		return
	}
	c.ts(v.(time.Time))
}

// date is the calendar day of t in t's location, as pgx writes a time.Time
// to a date column: days since pgEpoch.
func (c *copyBuf) date(t time.Time) {
	c.size(4)
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	c.b = binary.BigEndian.AppendUint32(c.b, uint32(int32(day.Sub(pgEpoch)/(24*time.Hour))))
}

func (c *copyBuf) dateOrNull(v any) {
	if v == nil {
		c.null()
		return
	}
	c.date(v.(time.Time))
}

// textArray is a one-dimensional text[] without NULLs.
func (c *copyBuf) textArray(vs []string) {
	n := 12
	if len(vs) > 0 {
		n += 8
	}
	for _, v := range vs {
		n += 4 + len(v)
	}
	c.size(n)
	ndim := uint32(0)
	if len(vs) > 0 {
		ndim = 1
	}
	c.b = binary.BigEndian.AppendUint32(c.b, ndim)
	c.b = binary.BigEndian.AppendUint32(c.b, 0)  // no NULLs
	c.b = binary.BigEndian.AppendUint32(c.b, 25) // element type text
	if len(vs) > 0 {
		c.b = binary.BigEndian.AppendUint32(c.b, uint32(len(vs)))
		c.b = binary.BigEndian.AppendUint32(c.b, 1) // lower bound
	}
	for _, v := range vs {
		c.text(v)
	}
}
