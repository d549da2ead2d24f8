package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"rightsdesk/internal/mail"
	"rightsdesk/internal/seed"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
)

// ---- the server -------------------------------------------------------------

// site is one test's rightsdesk: a fresh database with the seed
// organisations and their demo DPOs, served on 127.0.0.1 at a port the
// system chose, mail going to the in-process catcher.
type site struct {
	t    *testing.T
	env  *testenv.Env
	base string
	// dpo maps an organisation's slug to its demo DPO's password.
	dpo map[string]string
}

func newSite(t *testing.T) *site {
	t.Helper()
	// Fail before building anything when the browser or axe is missing.
	if browserErr != nil {
		t.Fatal(browserErr)
	}
	if axeErr != nil {
		t.Fatal(axeErr)
	}
	env := testenv.New(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	// Links in mail (task links) must lead to this server.
	env.Config.BaseURL = base
	env.Workflow.BaseURL = base
	res, err := seed.Run(env.Ctx, seed.Deps{Pool: env.Pool, Workflow: env.Workflow, Logger: env.Logger, Argon2Memory: 64, Argon2Time: 1})
	if err != nil {
		t.Fatalf("seeding: %v", err)
	}
	s := &site{t: t, env: env, base: base, dpo: map[string]string{}}
	for _, c := range res.Credentials {
		s.dpo[c.Org] = c.Password
	}
	srv := &http.Server{Handler: env.Server().Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// org returns a seed organisation.
func (s *site) org(slug string) store.Org {
	s.t.Helper()
	o, err := store.New(s.env.Pool).OrgBySlug(s.env.Ctx, slug)
	if err != nil {
		s.t.Fatalf("organisation %s: %v", slug, err)
	}
	return o
}

// codeRe finds the code on its own indented line (the mails also carry
// receipt numbers such as RD-2026-000001).
var codeRe = regexp.MustCompile(`(?m)^[ \t]+(\d{6})[ \t]*$`)

// deliver sends the queued mail to the catcher (the jobs a River worker
// would run).
func (s *site) deliver() {
	s.t.Helper()
	s.env.WorkAll(jobargs.DeliverMail{}.Kind())
}

// mailTo delivers queued mail and returns the newest message of the kind
// (X-Rightsdesk-Kind) sent to addr.
func (s *site) mailTo(addr, kind string) mail.Caught {
	s.t.Helper()
	s.deliver()
	for _, m := range s.env.Catcher.Messages() { // newest first
		if slices.Contains(m.To, addr) && m.Headers.Get("X-Rightsdesk-Kind") == kind {
			return m
		}
	}
	s.t.Fatalf("no %q mail to %s among %d caught", kind, addr, len(s.env.Catcher.Messages()))
	return mail.Caught{}
}

// code reads the newest code of the kind sent to addr from the caught mail.
func (s *site) code(addr, kind string) string {
	s.t.Helper()
	m := s.mailTo(addr, kind)
	c := codeRe.FindStringSubmatch(m.Text)
	if c == nil {
		s.t.Fatalf("no code in the %q mail to %s:\n%s", kind, addr, m.Text)
	}
	return c[1]
}

// ---- the browser tab --------------------------------------------------------

// tab is one test's browser tab, with the step log and screenshots.
type tab struct {
	t      *testing.T
	s      *site
	ctx    context.Context
	dir    string // screenshots
	n      int    // steps so far
	noJS   bool
	lastAt string
	lang   string // the language of the pages: "@key" wants are looked up in it
}

var (
	shotsOnce sync.Once
	shotsRoot string
	shotsErr  error
)

// shotsDir is $E2E_SHOTS, or one temporary directory per run.
func shotsDir() (string, error) {
	shotsOnce.Do(func() {
		if d := os.Getenv("E2E_SHOTS"); d != "" {
			shotsRoot, shotsErr = filepath.Abs(d)
			if shotsErr == nil {
				shotsErr = os.MkdirAll(shotsRoot, 0o755)
			}
			return
		}
		shotsRoot, shotsErr = os.MkdirTemp("", "rightsdesk-e2e-")
	})
	return shotsRoot, shotsErr
}

// tabTimeout bounds one test's tab: generous, so that a machine busy with
// other work does not fail a journey that is only slow.
const tabTimeout = 5 * time.Minute

// browserTurn lets one test at a time use the browser (see newTab).
var browserTurn = make(chan struct{}, 1)

// newTab opens a tab of the package's browser for t. With noJS the tab
// runs no page scripts (the checks of each step still run axe through the
// DevTools protocol).
func newTab(t *testing.T, s *site, lang string, noJS bool) *tab {
	t.Helper()
	if browserErr != nil {
		t.Fatal(browserErr)
	}
	if axeErr != nil {
		t.Fatal(axeErr)
	}
	root, err := shotsDir()
	if err != nil {
		t.Fatalf("screenshot directory: %v", err)
	}
	dir := filepath.Join(root, strings.ReplaceAll(t.Name(), "/", "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// One journey drives the browser at a time; the servers and databases
	// of the others are still set up side by side. Two tabs navigating at
	// once in the one browser sometimes never finished loading (every
	// step, even a screenshot, hit the tab's five-minute limit).
	browserTurn <- struct{}{}
	t.Cleanup(func() { <-browserTurn }) // runs last: after the tab is closed
	// A browser context of its own: cookies are per host, not per port,
	// so tests running side by side on 127.0.0.1 would otherwise share
	// (and overwrite) each other's session and CSRF cookies.
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	ctx, cancelT := context.WithTimeout(ctx, tabTimeout)
	t.Cleanup(func() {
		cancelT()
		cancel()
		if t.Failed() {
			t.Logf("screenshots of the steps: %s", dir)
		} else if os.Getenv("E2E_SHOTS") == "" {
			os.RemoveAll(dir)
		}
	})
	b := &tab{t: t, s: s, ctx: ctx, dir: dir, noJS: noJS, lang: lang}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	if noJS {
		b.run(scripts(false))
	}
	return b
}

// scripts turns the page's JavaScript on or off.
func scripts(on bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
		return err
	})
}

// run runs actions, failing the test on error.
func (b *tab) run(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.fail("%v", err)
	}
}

// fail stops the test with a screenshot of where the tab is.
func (b *tab) fail(format string, args ...any) {
	b.t.Helper()
	b.shot("FAILED")
	b.t.Fatalf("step %d (%s): %s", b.n, b.lastAt, fmt.Sprintf(format, args...))
}

// navStart bounds the wait for a navigation to begin after its action: a
// click that lands while the page still moves (a viewport just restored, a
// font swapped in) hits nothing, and the page it should load never starts.
const navStart = 20 * time.Second

// navFinish bounds the wait for a page whose request has begun.
const navFinish = 2 * time.Minute

// nav runs actions that load a page (a link, a form's button) and waits for
// it; the page must answer 2xx (after redirects). When no page request has
// begun navStart after the action, the action missed (see navStart) and is
// done again, as a person clicks again on a button that did nothing; a page
// request that began is never repeated (a form is not sent twice).
func (b *tab) nav(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	for try := 1; ; try++ {
		resp, started, err := b.navOnce(actions)
		if err == nil {
			if resp == nil {
				b.fail("navigation: no response")
			}
			if resp.Status >= 400 && resp.Status != 422 {
				b.fail("navigation to %s: HTTP %d; the page says:\n%s", resp.URL, resp.Status, b.text())
			}
			b.loaded()
			return
		}
		if started || try == 3 || b.ctx.Err() != nil {
			b.dumpGoroutines()
			b.fail("navigation (try %d, a page request began: %v): %v", try, started, err)
		}
		b.t.Logf("step %d (%s): no page request began within %v of the action (try %d); doing it again", b.n, b.lastAt, navStart, try)
	}
}

// dumpGoroutines writes the stacks of this process (the server runs in it)
// beside the screenshots: a page request that never finished shows where
// the server waits.
func (b *tab) dumpGoroutines() {
	var buf strings.Builder
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 2); err != nil {
		b.t.Logf("goroutine dump: %v", err)
		return
	}
	file := filepath.Join(b.dir, "goroutines.txt")
	if err := os.WriteFile(file, []byte(buf.String()), 0o644); err != nil {
		b.t.Logf("goroutine dump: %v", err)
	}
	// CI keeps only the log: print the goroutines in the product's code
	// (a handler or a job waiting), at most 30 of them.
	var ours []string
	for g := range strings.SplitSeq(buf.String(), "\n\n") {
		if strings.Contains(g, "rightsdesk/") && !strings.Contains(g, "rightsdesk/e2e.") && len(ours) < 30 {
			ours = append(ours, g)
		}
	}
	b.t.Logf("stacks of all goroutines: %s; those in rightsdesk's code:\n%s", file, strings.Join(ours, "\n\n"))
}

// navOnce runs the actions once and waits for the page they load. started
// says whether a page (document) request began.
func (b *tab) navOnce(actions []chromedp.Action[chromedp.Void]) (*network.Response, bool, error) {
	ctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	begun := make(chan struct{})
	var once sync.Once
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && e.Type == network.ResourceTypeDocument {
			once.Do(func() { close(begun) })
		}
	}); err != nil {
		return nil, false, err
	}
	type result struct {
		resp *network.Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := chromedp.RunResponse(ctx, actions...)
		done <- result{resp, err}
	}()
	wait := func(d time.Duration, started bool) (*network.Response, bool, error) {
		select {
		case r := <-done:
			return r.resp, started, r.err
		case <-time.After(d):
			cancel()
			<-done
			return nil, started, fmt.Errorf("no page loaded within %v", d)
		}
	}
	select {
	case r := <-done:
		return r.resp, true, r.err
	case <-begun:
		return wait(navFinish, true)
	case <-time.After(navStart):
		// The request may have begun just now: give it its time.
		select {
		case <-begun:
			return wait(navFinish, true)
		default:
		}
		cancel()
		<-done
		return nil, false, fmt.Errorf("no page request began within %v", navStart)
	}
}

// loaded waits until the document has loaded.
func (b *tab) loaded() {
	b.t.Helper()
	for range 200 {
		if evalAs[string](b, `document.readyState`) == "complete" {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	b.fail("the page did not finish loading")
}

// open loads path (relative to the site).
func (b *tab) open(path string) { b.t.Helper(); b.nav(chromedp.Navigate(b.s.base + path)) }

// click clicks the element matched by the CSS selector and waits for the
// page it loads.
func (b *tab) click(sel string) { b.t.Helper(); b.nav(chromedp.Click(chromedp.CSS(sel))) }

// follow clicks the link whose visible text is text (inside main) and waits.
func (b *tab) follow(text string) {
	b.t.Helper()
	sel := b.linkSel(text)
	b.click(sel)
}

// linkSel finds a link in main by its text and returns a selector for it.
func (b *tab) linkSel(text string) string {
	b.t.Helper()
	idx := evalAs[int](b, fmt.Sprintf(`(() => { const as = [...document.querySelectorAll('main a')];
		const i = as.findIndex(a => a.innerText.trim().includes(%q));
		if (i >= 0) as[i].setAttribute('data-e2e', 'target-%d');
		return i; })()`, text, b.n))
	if idx < 0 {
		b.fail("no link %q in main", text)
	}
	return fmt.Sprintf(`[data-e2e="target-%d"]`, b.n)
}

// typeIn types text into the field (real key events).
func (b *tab) typeIn(sel, text string) {
	b.t.Helper()
	b.run(chromedp.SendKeys(chromedp.CSS(sel), text))
}

// check clicks a checkbox or radio button (by its selector).
func (b *tab) check(sel string) {
	b.t.Helper()
	// A click lands where the box was when its position was read; on a
	// loaded machine the page can still be settling (scrolling into view,
	// fonts). Like a person who sees the box still empty, click again, and
	// fail only when it will not take.
	for try := 1; ; try++ {
		b.run(chromedp.Click(chromedp.CSS(sel)))
		if evalAs[bool](b, `(e => !(e.type === "checkbox" || e.type === "radio") || e.checked)(document.querySelector(`+strconv.Quote(sel)+`))`) {
			return
		}
		if try == 3 {
			b.t.Fatalf("%s is still not checked after %d clicks", sel, try)
		}
	}
}

// evalAs evaluates JavaScript in the page (for reading, never for acting
// as the user) and decodes its value. On a tab without page scripts it
// enables them for the call.
func evalAs[T any](b *tab, js string) T {
	b.t.Helper()
	if b.noJS {
		b.run(scripts(true))
		defer b.run(scripts(false))
	}
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail("evaluating %.80q: %v", js, err)
	}
	return v
}

// text is the page's visible text.
func (b *tab) text() string { return evalAs[string](b, `document.body.innerText`) }

// url is the page's address, without the site.
func (b *tab) url() string {
	u, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	return strings.TrimPrefix(u, b.s.base)
}

// tr is the catalogue's text for key in the tab's language: the tests
// assert what people read without copying the wording, which the
// catalogues own (terms.md).
func (b *tab) tr(key string, args ...any) string {
	b.t.Helper()
	if !b.s.env.Catalog.Has(b.lang, key) {
		b.t.Fatalf("no %s text %q in the catalogue", b.lang, key)
	}
	return b.s.env.Catalog.T(b.lang, key, args...)
}

// step is one step of a journey, checked: the page shows every text in
// want (a "@key" is the catalogue's text for the key), a screenshot is saved, axe-core finds no WCAG 2.1 A/AA violation
// and at 390 px the page does not scroll sideways.
func (b *tab) step(name string, want ...string) string {
	b.t.Helper()
	b.n++
	b.lastAt = name
	t0 := time.Now()
	b.shot(name)
	t1 := time.Now()
	txt := b.text()
	for _, w := range want {
		if key, ok := strings.CutPrefix(w, "@"); ok {
			w = b.tr(key)
		}
		if !strings.Contains(txt, w) {
			b.fail("the page %s does not show %q; it shows:\n%s", b.url(), w, txt)
		}
	}
	t2 := time.Now()
	b.axe()
	t3 := time.Now()
	b.phone()
	if os.Getenv("E2E_TIMING") != "" {
		b.t.Logf("step %d %s: shot %v text %v axe %v phone %v", b.n, name, t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), time.Since(t3))
	}
	return txt
}

// shot saves a screenshot of the window (the whole page when the step
// failed) as NN-name.jpg; JPEG optimised for speed keeps a step quick.
func (b *tab) shot(name string) {
	full := name == "FAILED"
	buf, err := chromedp.Run(b.ctx, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		res, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format: page.CaptureScreenshotFormatJpeg, Quality: new(int64(70)),
			CaptureBeyondViewport: new(full), OptimizeForSpeed: new(true)})
		return res.Data, err
	})
	if full && err == nil {
		buf, err = chromedp.Run(b.ctx, chromedp.FullScreenshot(70))
	}
	if err != nil {
		b.t.Logf("screenshot %q: %v", name, err)
		return
	}
	safe := strings.Map(func(r rune) rune {
		if r == ' ' || r == '/' || r == ':' {
			return '-'
		}
		return r
	}, name)
	file := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.jpg", b.n, safe))
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		b.t.Logf("screenshot %q: %v", name, err)
	}
}

// axeViolation is what the tests report of one axe-core violation.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
	HTML    []string `json:"html"`
}

// axe runs axe-core on the page: WCAG 2.0 and 2.1, levels A and AA.
func (b *tab) axe() {
	b.t.Helper()
	t0 := time.Now()
	if !evalAs[bool](b, `typeof window.axe !== 'undefined'`) {
		evalAs[bool](b, axeSource+"\n;true")
	}
	if os.Getenv("E2E_TIMING") != "" {
		b.t.Logf("axe injected in %v", time.Since(t0))
	}
	res := evalAs[[]axeViolation](b, `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})
		.then(r => r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help,
			targets: v.nodes.map(n => n.target.join(' ')), html: v.nodes.map(n => n.html.slice(0, 200))})))`)
	if len(res) > 0 {
		js, _ := json.MarshalIndent(res, "", "  ")
		// Errorf, not Fatal: the journey goes on, so one run lists every
		// page with a problem.
		b.t.Errorf("step %d (%s): axe-core: WCAG 2.1 A/AA violations on %s:\n%s", b.n, b.lastAt, b.url(), js)
	}
}

// phoneWidth is the narrow phone the layout must fit (issue 15).
const phoneWidth = 390

// phone checks that at 390 px CSS width nothing scrolls sideways.
func (b *tab) phone() {
	b.t.Helper()
	b.run(chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile))
	type width struct {
		Scroll int    `json:"scroll"`
		Client int    `json:"client"`
		Wide   string `json:"wide"`
	}
	w := evalAs[width](b, `(() => { const d = document.documentElement;
		let wide = '';
		if (d.scrollWidth > d.clientWidth) {
			for (const el of document.querySelectorAll('body *')) {
				const r = el.getBoundingClientRect();
				if (r.right > d.clientWidth + 1) { wide = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + String(el.className).split(' ').join('.') : '') + ' right=' + Math.round(r.right); break; }
			}
		}
		return {scroll: d.scrollWidth, client: d.clientWidth, wide}; })()`)
	if w.Scroll > w.Client {
		b.shot("phone-too-wide")
	}
	b.run(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
		return err
	}))
	b.settle()
	if w.Scroll > w.Client {
		b.t.Errorf("step %d (%s): at %d px %s scrolls sideways: scrollWidth %d > clientWidth %d (first element past the edge: %s)", b.n, b.lastAt, phoneWidth, b.url(), w.Scroll, w.Client, w.Wide)
	}
}

// settle waits until the window has its desktop width again and two frames
// have been drawn since, so that the next click lands where the element is
// (a click computed from the phone layout, or from one in between, hits
// nothing and loads no page).
func (b *tab) settle() {
	b.t.Helper()
	for range 200 {
		if evalAs[bool](b, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(window.innerWidth > 390))))`) {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	b.fail("the window did not return to its desktop width")
}

// ---- the keyboard -----------------------------------------------------------

// press sends one key (kb.Tab, kb.Enter, " ", kb.ArrowDown ...) to the
// focused element.
func (b *tab) press(key string) {
	b.t.Helper()
	b.run(chromedp.KeyEvent(key))
}

// pressNav presses a key that loads a page (Enter on a link or in a form).
func (b *tab) pressNav(key string) {
	b.t.Helper()
	b.nav(chromedp.KeyEvent(key))
}

// focused describes document.activeElement.
type focused struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Tag  string `json:"tag"`
	Type string `json:"type"`
}

func (b *tab) focused() focused {
	return evalAs[focused](b, `(() => { const e = document.activeElement || document.body;
		return {id: e.id || '', name: e.getAttribute('name') || '', tag: e.tagName.toLowerCase(), type: e.getAttribute('type') || ''}; })()`)
}

// tabTo presses Tab until the element with the id has focus. A radio button
// is reached the keyboard's way: Tab into its group, then arrow keys (which
// also select it).
func (b *tab) tabTo(id string) {
	b.t.Helper()
	target := evalAs[focused](b, fmt.Sprintf(`(() => { const e = document.getElementById(%q); if (!e) return {};
		return {id: e.id, name: e.getAttribute('name') || '', tag: e.tagName.toLowerCase(), type: e.getAttribute('type') || ''}; })()`, id))
	if target.ID == "" {
		b.fail("no element #%s", id)
	}
	for range 300 {
		f := b.focused()
		if f.ID == id {
			return
		}
		if target.Type == "radio" && f.Type == "radio" && f.Name == target.Name {
			for range 10 {
				b.press(kb.ArrowDown)
				if b.focused().ID == id {
					return
				}
			}
			b.fail("arrow keys in the radio group %s never reached #%s", target.Name, id)
		}
		b.press(kb.Tab)
	}
	b.fail("Tab never reached #%s", id)
}

// keyType types text into the focused element with key events only.
func (b *tab) keyType(text string) {
	b.t.Helper()
	b.run(chromedp.KeyEvent(text))
}

// focusStart puts the keyboard at the start of the page, as a page load
// does, without a click: blur whatever has focus.
func (b *tab) focusStart() {
	b.t.Helper()
	evalAs[bool](b, `document.activeElement && document.activeElement.blur(); true`)
}
