package pdf

import (
	"bytes"
	"testing"

	"github.com/go-pdf/fpdf"
)

// FI-2: the print queue says how many pages each enclosed document has
// when the file tells it, and nothing when it does not.
func TestPageCount(t *testing.T) {
	doc := fpdf.New("P", "mm", "A4", "")
	for range 3 {
		doc.AddPage()
	}
	var b bytes.Buffer
	if err := doc.Output(&b); err != nil {
		t.Fatal(err)
	}
	if n, ok := PageCount(b.Bytes()); !ok || n != 3 {
		t.Errorf("fpdf's 3 pages = %d, %v", n, ok)
	}
	// A hand-written tree: the root counts the leaves of its kids.
	tree := "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
		"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 5 >> endobj\n" +
		"3 0 obj << /Type /Pages /Parent 2 0 R /Kids [] /Count 2 >> endobj\n" +
		"4 0 obj << /Type /Outlines /Count 40 >> endobj\n%%EOF\n"
	if n, ok := PageCount([]byte(tree)); !ok || n != 5 {
		t.Errorf("hand-written tree = %d, %v", n, ok)
	}
	for name, b := range map[string]string{
		"text":              "Pykälä 12: hankinta\n",
		"empty":             "",
		"no page tree":      "%PDF-1.4\n\x00\x01\x02 binary minutes\n%%EOF\n",
		"compressed stream": "%PDF-1.7\n5 0 obj << /Type /ObjStm /N 3 /Filter /FlateDecode >> stream\nx\x9c...\nendstream endobj\n",
	} {
		if n, ok := PageCount([]byte(b)); ok {
			t.Errorf("%s: pages = %d, want unknown", name, n)
		}
	}
}
