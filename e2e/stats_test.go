package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"rightsdesk/internal/demo"
	"rightsdesk/workflow"
)

// Journey (issue 21, the QA walkthrough): the DPO reads a year's
// statistics. At 390 px every chart scales to the width, so the whole
// year and every bar's label are in view: nothing is cut off behind a
// sideways scroll that nothing points to.
func TestStatsCharts(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	org := s.org("esimerkki")
	now := s.env.Clock.Now()
	if _, err := demo.Generate(s.env.Ctx, s.env.Pool, s.env.Keys, org, demo.Options{Cases: 240, Years: 2, Seed: 21, Now: now, Writers: 1}); err != nil {
		t.Fatalf("demo cases: %v", err)
	}
	if err := s.env.Workflow.RefreshStats(s.env.Ctx); err != nil {
		t.Fatal(err)
	}
	b := newTab(t, s, "fi", false)
	b.open("/staff/login")
	b.typeIn("#email", "dpo@esimerkki.example")
	b.typeIn("#password", s.dpo["esimerkki"])
	b.click(`form button[type="submit"]`)
	b.step("dashboard", "@staffcase.dashboard.title")
	b.chartsFit("dashboard")

	year := workflow.HelsinkiDate(now).Year - 1
	b.open(fmt.Sprintf("/staff/orgs/esimerkki/stats?year=%d", year))
	b.step("statistics", "@statspage.charts", "@statspage.suppressed")
	b.shotCharts("desktop-statistics")
	b.chartsFit("statistics")
}

// chartsFit checks at phone width that every chart is drawn whole inside
// the page (its right edge in view, its box not scrolling sideways), and
// saves the whole page as phone-NAME.png.
func (b *tab) chartsFit(name string) {
	b.t.Helper()
	b.run(chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile))
	defer func() {
		b.run(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
			return err
		}))
		b.settle()
	}()
	type chart struct {
		ID     string  `json:"id"`
		Right  float64 `json:"right"`
		Scroll int     `json:"scroll"`
		Client int     `json:"client"`
	}
	charts := evalAs[[]chart](b, `[...document.querySelectorAll('figure.stats-chart')].map(f => {
		const svg = f.querySelector('svg'), box = svg.parentElement;
		return {id: f.id, right: svg.getBoundingClientRect().right, scroll: box.scrollWidth, client: box.clientWidth};
	})`)
	b.shotCharts("phone-" + name)
	if len(charts) == 0 {
		b.fail("%s: no charts", name)
	}
	width := evalAs[float64](b, `document.documentElement.clientWidth`)
	for _, c := range charts {
		if c.Right > width+0.5 || c.Scroll > c.Client {
			b.t.Errorf("%s at %d px: chart %s ends at %.0f px of %.0f (its box %d of %d px wide): part of it is out of view",
				name, phoneWidth, c.ID, c.Right, width, c.Scroll, c.Client)
		}
	}
}

// shotCharts saves each chart of the page as shown now, its figure's box
// as PNG (prefix-ID.png).
func (b *tab) shotCharts(prefix string) {
	b.t.Helper()
	ids := evalAs[[]string](b, `[...document.querySelectorAll('figure.stats-chart')].map(f => f.id)`)
	type box struct{ X, Y, W, H float64 }
	for _, id := range ids {
		r := evalAs[box](b, fmt.Sprintf(`(() => { const r = document.getElementById(%q).getBoundingClientRect();
			return {X: r.left + window.scrollX, Y: r.top + window.scrollY, W: Math.min(r.width, document.documentElement.clientWidth), H: r.height}; })()`, id))
		buf, err := chromedp.Run(b.ctx, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
			res, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng,
				Clip: &page.Viewport{X: r.X, Y: r.Y, Width: r.W, Height: r.H, Scale: 1}, CaptureBeyondViewport: new(true)})
			return res.Data, err
		})
		if err == nil {
			err = os.WriteFile(filepath.Join(b.dir, prefix+"-"+id+".png"), buf, 0o644)
		}
		if err != nil {
			b.t.Logf("screenshot of %s: %v", id, err)
		}
	}
}
