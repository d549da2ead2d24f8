package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"rightsdesk/internal/demo"
	"rightsdesk/workflow"
)

// atWidth shows the page at width CSS pixels (a phone's at phoneWidth),
// runs check there, saves a screenshot and restores the window.
func (b *tab) atWidth(width int64, name, scrollTo string, check func()) {
	b.t.Helper()
	opts := []chromedp.EmulateViewportOption{}
	if width <= phoneWidth {
		opts = append(opts, chromedp.EmulateMobile)
	}
	b.run(chromedp.EmulateViewport(width, 900, opts...))
	if scrollTo != "" {
		evalAs[bool](b, fmt.Sprintf(`document.querySelector(%q).scrollIntoView(); true`, scrollTo))
	}
	evalAs[bool](b, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
	b.pngShot(name)
	check()
	b.run(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
		return err
	}))
	b.settle()
}

// pngShot saves the window as NN-name.png (lossless, for reading text).
func (b *tab) pngShot(name string) {
	b.t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.fail("screenshot %q: %v", name, err)
	}
	if err = os.WriteFile(filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, name)), buf, 0o644); err != nil {
		b.t.Logf("screenshot %q: %v", name, err)
	}
}

// boxFit is how a wide table's scrolling box and caption sit in the window.
type boxFit struct {
	Window        int  `json:"window"`
	BoxRight      int  `json:"boxRight"`
	BoxWidth      int  `json:"boxWidth"`
	TableWidth    int  `json:"tableWidth"`
	Scrolls       bool `json:"scrolls"`
	Cue           bool `json:"cue"`
	CaptionRight  int  `json:"captionRight"`
	CaptionHidden bool `json:"captionHidden"`
}

// fitOf measures the table sel and its scrolling box.
func (b *tab) fitOf(sel string) boxFit {
	b.t.Helper()
	return evalAs[boxFit](b, fmt.Sprintf(`(() => {
		const t = document.querySelector(%q), box = t.closest('.table-scroll'), c = t.querySelector('caption');
		const r = box.getBoundingClientRect();
		const cap = c ? c.getBoundingClientRect() : {right: 0};
		return {window: document.documentElement.clientWidth, boxRight: Math.round(r.right), boxWidth: box.clientWidth,
			tableWidth: t.scrollWidth, scrolls: box.scrollWidth > box.clientWidth + 1,
			cue: getComputedStyle(box).backgroundImage !== 'none',
			captionRight: Math.round(cap.right), captionHidden: c ? c.scrollWidth > c.clientWidth + 1 : false};
	})()`, sel))
}

// Layout (found in a walkthrough): with a realistic mix of requests the
// dashboard's table cut its last column off at 1200 px ("Hand…") and its
// caption at 390 px ("mest brådskan…"), and the breach list's last
// columns ("Tid kvar", "Status") were off-screen at 390 px, with nothing
// telling that the box scrolls. Now the dashboard fits at 1200 px; at
// 390 px it scrolls in its own box with a shadow at the edge and a line
// saying so, its caption wrapped within the window; the breach list
// reflows into one block per breach. Screenshots: NN-*-1200.png, -390.png.
func TestWideTablesFitOrShowTheyScroll(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	org := s.org("raseborg")
	if _, err := demo.Generate(s.env.Ctx, s.env.Pool, s.env.Keys, org, demo.Options{Cases: 1500, Seed: 4, Now: s.env.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	// A handler with a long name on the most urgent cases.
	if _, err := s.env.Pool.Exec(s.env.Ctx, `UPDATE staff_users SET name = 'Karl-Johan Sundström-Lindqvist' WHERE id = $1`, s.dpoID(org)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.env.Pool.Exec(s.env.Ctx, `UPDATE cases SET assigned_to = $1 WHERE org_id = $2 AND state = 'in_progress'`, s.dpoID(org), org.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.env.Workflow.CreateBreach(s.env.Ctx, org, s.dpoID(org), workflow.BreachInput{Title: "Förlorat USB-minne med elevlistor",
		AwareAt: s.env.Clock.Now().In(workflow.Helsinki()).Format("2006-01-02T15:04"), Nature: "Ett okrypterat USB-minne försvann."}); err != nil {
		t.Fatal(err)
	}
	b := newTab(t, s, "sv", false)
	b.signIn("raseborg")
	b.atWidth(1200, "dashboard-1200", "#cases", func() {
		if f := b.fitOf("#cases"); f.Scrolls || f.BoxRight > f.Window {
			b.fail("at 1200 px the list of requests does not fit: %+v", f)
		}
	})
	b.atWidth(phoneWidth, "dashboard-390", ".sc-scroll-hint", func() {
		f := b.fitOf("#cases")
		if !f.Scrolls || !f.Cue || f.CaptionRight > f.Window || f.CaptionHidden {
			b.fail("at 390 px the list scrolls without a cue, or its caption runs past the window: %+v", f)
		}
		if !evalAs[bool](b, `getComputedStyle(document.querySelector('.sc-scroll-hint')).display !== 'none'`) {
			b.fail("at 390 px the list does not say that it scrolls sideways")
		}
	})
	b.open("/staff/?state=answered")
	b.step("answered requests", "@staffcase.dashboard.title", "@state.answered")
	b.atWidth(1200, "answered-1200", "#cases", func() {
		if f := b.fitOf("#cases"); f.Scrolls {
			b.fail("at 1200 px the list of answered requests does not fit: %+v", f)
		}
	})
	b.open("/staff/breaches")
	b.step("breaches", "@breach.list.title", "Förlorat USB-minne med elevlistor")
	b.atWidth(phoneWidth, "breaches-390", "", func() {
		if f := b.fitOf(".org-breaches table"); f.Scrolls {
			b.fail("at 390 px the breach list scrolls: %+v", f)
		}
		// Each breach reflows into lines: the time left and the state are
		// in the window, named.
		for _, col := range []string{"breach.col.left", "breach.col.state"} {
			right := evalAs[int](b, fmt.Sprintf(`(() => { const td = [...document.querySelectorAll('.org-breaches td')].find(td => td.dataset.label === %q);
				return td ? Math.round(td.getBoundingClientRect().right) : 9999; })()`, b.tr(col)))
			if right > phoneWidth {
				b.fail("at 390 px the breach list's %q is off-screen (right edge %d)", b.tr(col), right)
			}
		}
	})
}
