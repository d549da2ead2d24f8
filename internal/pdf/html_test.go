package pdf_test

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"rightsdesk/internal/pdf"
)

var tagRe = regexp.MustCompile(`<[^>]*>`)

// Issue 18, Act 306/2019: every letter has an HTML twin with the same
// content: the letter's language on <html>, one h1 and h2/h3 headings, the
// extract as a table with th scope="col", withheld content absent as in the
// PDF, and every word of the HTML's text in the PDF's text.
func TestLetterHTML_SameContent(t *testing.T) {
	r := renderer(t)
	for _, k := range pdf.Kinds {
		for _, lang := range []string{"fi", "sv", "en"} {
			l := pdf.Sample(k, lang)
			b, err := r.HTML(l)
			if err != nil {
				t.Fatalf("%s %s: %v", k, lang, err)
			}
			h := string(b)
			if !strings.Contains(h, `<html lang="`+lang+`">`) || strings.Count(h, "<h1>") != 1 || !strings.Contains(h, "<h2>") && k == pdf.KindAccess {
				t.Errorf("%s %s: lang or headings missing", k, lang)
			}
			file := writeTemp(t, string(k)+"-"+lang+".pdf", render(t, r, l))
			// The letterhead prints the document type in capitals.
			pdfText := strings.ToLower(words(tool(t, "pdftotext", "-enc", "UTF-8", file, "-")))
			pdfWords := map[string]bool{}
			for _, w := range strings.Fields(pdfText) {
				pdfWords[w] = true
			}
			body := h[strings.Index(h, "<body>"):]
			text := strings.ToLower(html.UnescapeString(tagRe.ReplaceAllString(body, " ")))
			missing := 0
			for _, w := range strings.Fields(text) {
				if !pdfWords[w] && !strings.Contains(pdfText, w) {
					missing++
					if missing < 5 {
						t.Errorf("%s %s: HTML word %q not in the PDF", k, lang, w)
					}
				}
			}
			if k != pdf.KindAccess {
				continue
			}
			if !strings.Contains(h, `<th scope="col">`) || !strings.Contains(h, "<td>") {
				t.Errorf("%s %s: no extract table with th scope", k, lang)
			}
		}
	}
}

// Withheld cells and rows: the HTML leaves out what the PDF leaves out.
func TestLetterHTML_Withheld_15_4(t *testing.T) {
	r := renderer(t)
	l := pdf.Sample(pdf.KindAccess, "sv")
	l.Registers[0].Extract = "Namn\tAnteckning\nMaja\tsnäll\nOlle\tHEMLIGRAD\nMaja\tHEMLIGCELL\n"
	l.Registers[0].Withheld = []pdf.Withheld{{Row: 2, Ground: "art15_4_others", Reason: "Annan elev."},
		{Row: 3, Col: 2, Ground: "dpa_34", Reason: "Vården."}}
	b, err := r.HTML(l)
	if err != nil {
		t.Fatal(err)
	}
	h := string(b)
	if strings.Contains(h, "HEMLIG") || strings.Contains(h, "Olle") {
		t.Error("withheld content in the HTML letter")
	}
	for _, want := range []string{"Annan elev.", "Vården.", "<td>snäll</td>"} {
		if !strings.Contains(h, want) {
			t.Errorf("the HTML letter lacks %q", want)
		}
	}
}
