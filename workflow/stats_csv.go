package workflow

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
)

// StatsCSV is the page's overview and breakdowns as one CSV in lang, a row
// per month (ISO, 2026-03) and the year's; the same figures as the page,
// suppressed the same way (hidden ones as ".."). A share is a plain number
// under a header that says it is a percentage (a spreadsheet sums it,
// and "80" under "answered on time" read as a count); "no figure" is empty.
func (s *Service) StatsCSV(y StatsYear, lang string) ([]byte, error) {
	v := s.StatsView(y, lang, false)
	t := func(key string, args ...any) string { return s.Catalog.T(lang, key, args...) }
	var buf bytes.Buffer
	buf.WriteString("\uFEFF") // spreadsheet programs read the file as UTF-8
	w := csv.NewWriter(&buf)
	// Overview and the three breakdowns side by side: their rows are the
	// same months in the same order.
	head := []string{t("statspage.col.month")}
	rows := make([][]string, len(y.Months)+1)
	for i := range rows {
		if i < len(y.Months) {
			rows[i] = []string{fmt.Sprintf("%04d-%02d", y.Year, i+1)}
		} else {
			rows[i] = []string{strconv.Itoa(y.Year)}
		}
	}
	for _, tb := range v.Tables[:1+len(y.Breakdowns)] {
		for j, h := range tb.Head[1:] {
			switch {
			case tb.ID != "overview":
				h = tb.Title + ": " + h
			case j == statsColOnTime-1:
				h = t("statspage.col.on_time_pct")
			}
			head = append(head, h)
		}
		for i := range y.Months {
			rows[i] = append(rows[i], csvFigures(tb.Rows[i][1:])...)
		}
		rows[len(y.Months)] = append(rows[len(y.Months)], csvFigures(tb.Foot[1:])...)
	}
	_ = w.Write(head)
	_ = w.WriteAll(rows)
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("statistics csv: %w", err)
	}
	return buf.Bytes(), nil
}

// csvFigures: a share is a plain number ("93", not "93 %"; the header
// says %), and "no figure" is empty.
func csvFigures(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		c = strings.TrimSpace(strings.TrimSuffix(strings.ReplaceAll(c, "\u00a0", " "), "%"))
		if c == "–" {
			c = ""
		}
		out[i] = c
	}
	return out
}
