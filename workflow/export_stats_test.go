package workflow

// The statistics' suppression is tested from an attacker's side on
// generated tables, without a database.
var BuildStatsYear = buildStatsYear

// StatsReportPDF is the annual report of y as the page's download makes it.
func (s *Service) StatsReportPDF(orgName string, y StatsYear, lang string) ([]byte, error) {
	return s.statsReportPDF(orgName, y, lang)
}
