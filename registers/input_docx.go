package registers

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// docxText reads the paragraphs and tables of word/document.xml: one line
// per paragraph (list paragraphs as "• " lines), one line per table row
// with its cells separated by tabs. Only the main document part is read;
// headers, footers and comments are page furniture. The XML is bounded by
// max bytes so that a zip bomb cannot exhaust memory.
func docxText(b []byte, max int64) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return "", fmt.Errorf("%w: not a readable DOCX (zip) file: %v", ErrBinary, err)
	}
	var doc *zip.File
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			doc = f
			break
		}
	}
	if doc == nil {
		return "", fmt.Errorf("%w: a zip file without word/document.xml is not a DOCX", ErrBinary)
	}
	rc, err := doc.Open()
	if err != nil {
		return "", fmt.Errorf("%w: DOCX document part: %v", ErrBinary, err)
	}
	defer rc.Close()
	lr := &io.LimitedReader{R: rc, N: max + 1}
	dec := xml.NewDecoder(lr)
	dec.Strict = false
	var (
		lines  []string
		para   strings.Builder
		inText bool
		list   bool
		// table state: depth of nested tables, cells of the current row
		tblDepth int
		cells    []string
		cell     []string
		inCell   bool
	)
	endPara := func() {
		p := strings.TrimSpace(para.String())
		para.Reset()
		if inCell {
			if p != "" {
				cell = append(cell, p)
			}
			list = false
			return
		}
		if p != "" {
			if list {
				p = "• " + p
			}
			lines = append(lines, p)
		} else if n := len(lines); n > 0 && lines[n-1] != "" {
			lines = append(lines, "")
		}
		list = false
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if lr.N <= 0 {
				return "", fmt.Errorf("DOCX text larger than %d bytes", max)
			}
			return "", fmt.Errorf("%w: DOCX XML: %v", ErrBinary, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inText = true
			case "tab":
				para.WriteByte(' ')
			case "br", "cr":
				para.WriteByte(' ')
			case "numPr":
				list = true
			case "tbl":
				tblDepth++
			case "tr":
				if tblDepth == 1 {
					cells = cells[:0]
				}
			case "tc":
				if tblDepth == 1 {
					inCell = true
					cell = cell[:0]
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				endPara()
			case "tc":
				if tblDepth == 1 {
					inCell = false
					cells = append(cells, strings.Join(cell, " "))
				}
			case "tr":
				if tblDepth == 1 {
					row := strings.Join(cells, "\t")
					if strings.TrimSpace(row) != "" {
						lines = append(lines, row)
					}
				}
			case "tbl":
				tblDepth--
				if tblDepth == 0 {
					lines = append(lines, "")
				}
			}
		case xml.CharData:
			if inText {
				para.Write(t)
			}
		}
	}
	if lr.N <= 0 {
		return "", fmt.Errorf("DOCX text larger than %d bytes", max)
	}
	return strings.TrimSpace(strings.Join(lines, "\n")) + "\n", nil
}
