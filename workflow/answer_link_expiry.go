package workflow

import "time"

// AnswerLinkExpiry is when a link sent at sent stops working: at the end
// of the day, in Helsinki, AnswerLinkTTL's days after the day it was sent
// (counted in days, so a change of summer time moves no date). The mail
// and the pages say the link works "through" that date, so it must, to
// the end of it.
func AnswerLinkExpiry(sent time.Time) time.Time {
	days := int(AnswerLinkTTL / (24 * time.Hour))
	return HelsinkiDate(sent).AddDays(days + 1).In(helsinki()).Add(-time.Millisecond)
}
