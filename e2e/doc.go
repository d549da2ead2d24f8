// Package e2e holds the end-to-end gate (issue 15): Go tests that drive a
// real Chromium (chromedp) through the journeys of residents, register
// owners and the DPO against a server started by the test on 127.0.0.1 with
// a fresh database and the in-process mail catcher.
//
// Every step asserts the text a person sees, saves a screenshot, runs
// axe-core (WCAG 2.1 A and AA) on the page and checks that at 390 px width
// the page does not scroll sideways.
//
// Needs: chromium (scripts/deps.sh test installs it), npm (to fetch
// axe-core into e2e/.axe, ignored by git) and PostgreSQL (internal/pgtest).
// A missing tool fails the tests; it never skips them.
//
// Screenshots go to $E2E_SHOTS when set, otherwise to a temporary directory
// that is kept, and named in the output, when a test fails.
package e2e
