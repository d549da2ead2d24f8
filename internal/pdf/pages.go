package pdf

import (
	"bytes"
	"regexp"
	"strconv"
)

// PageCount reads how many pages a PDF file has, for the print queue's
// list of the documents to enclose with a letter (FI-2): the /Count of
// its page tree's root, the largest /Count of a /Type /Pages object. A
// file that is not a PDF, or whose page tree is inside compressed object
// streams (PDF 1.5+), is unknown (false): the queue then gives no number
// rather than a wrong one.
func PageCount(b []byte) (int, bool) {
	if !bytes.HasPrefix(bytes.TrimLeft(b[:min(len(b), 1024)], "\x00\t\r\n "), []byte("%PDF-")) {
		return 0, false
	}
	best := 0
	for _, loc := range pagesTypeRe.FindAllIndex(b, -1) {
		// The object around the match: from its "obj" to its "endobj".
		start := bytes.LastIndex(b[:loc[0]], []byte(" obj"))
		end := bytes.Index(b[loc[1]:], []byte("endobj"))
		if start < 0 || end < 0 {
			continue
		}
		for _, m := range countRe.FindAllSubmatch(b[start:loc[1]+end], -1) {
			if n, err := strconv.Atoi(string(m[1])); err == nil && n > best {
				best = n
			}
		}
	}
	return best, best > 0
}

var (
	pagesTypeRe = regexp.MustCompile(`/Type\s*/Pages\b`)
	countRe     = regexp.MustCompile(`/Count\s+(\d{1,6})\b`)
)
