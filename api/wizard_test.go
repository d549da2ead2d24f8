package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"rightsdesk/api"
	"rightsdesk/internal/store"
	"rightsdesk/registers"
)

// The import wizard (issue 19): a DPO's documents in, a working portal out.

// wizardFixture reads one of the importer's committed input fixtures.
func wizardFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../registers/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// withFetchPrivate starts a second server for f's environment that may
// fetch from loopback addresses (the setting tests use) and points f at it.
func withFetchPrivate(t *testing.T, f *scFx) {
	t.Helper()
	cfg := f.env.Config
	cfg.ImportFetchPrivate = true
	s, err := api.New(api.Deps{Config: cfg, Pool: f.env.Pool, Logger: f.env.Logger, Catalog: f.env.Catalog, Keys: f.env.Keys,
		Workflow: f.env.Workflow, Catcher: f.env.Catcher, Now: f.env.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	f.base = ts.URL
}

var draftPath = regexp.MustCompile(`^/staff/orgs/espoo/import/(\d+)$`)

// liveNames are the names of the preview's registers to be published.
func liveNames(doc *html.Node) []string {
	var out []string
	for _, a := range htmlFindAll(doc, func(n *html.Node) bool { return htmlIs(n, "article") && htmlHasClass(n, "register") }) {
		if h := htmlFirst(a, func(n *html.Node) bool { return htmlIs(n, "h3") }); h != nil {
			out = append(out, strings.TrimSpace(htmlText(h)))
		}
	}
	return out
}

// registerID is the draft id of the live register called name.
func registerID(t *testing.T, doc *html.Node, name string) string {
	t.Helper()
	for _, a := range htmlFindAll(doc, func(n *html.Node) bool { return htmlIs(n, "article") && htmlHasClass(n, "register") }) {
		if h := htmlFirst(a, func(n *html.Node) bool { return htmlIs(n, "h3") }); h != nil && strings.TrimSpace(htmlText(h)) == name {
			return htmlAttr(a, "data-register")
		}
	}
	t.Fatalf("no register %q in the preview: %q", name, liveNames(doc))
	return ""
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

const (
	wzCamera  = "Kameravalvonta"
	wzLibrary = "Låntagarregister för Korsholms kommunbibliotek"
	wzRauta   = "Rautalammin kunnankirjaston asiakasrekisteri"
	wzRenamed = "Kiinteistöjen kameravalvonta"
)

func TestImportWizardUploadPreviewOwnersPublishD3D11(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	withFetchPrivate(t, f)
	// The published page, fetched by address (allowed here by the setting).
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(wizardFixture(t, "corpus/03_rautalampi_kirjaston_asiakasrekisteri.txt")))
	}))
	t.Cleanup(page.Close)

	dpo := f.login(t, f.dpo)
	if p := dpo.get("/staff/orgs/espoo/import"); p.status != http.StatusOK || htmlByID(p.doc, "import-form") == nil {
		t.Fatalf("start page = %d", p.status)
	}
	pdf := wizardFixture(t, "input/rantasalmi_kameravalvonta.pdf")
	htm := wizardFixture(t, "input/korsholm_bibliotek.html")
	p := dpo.postMultipart("/staff/orgs/espoo/import",
		url.Values{"url": {page.URL + "/rekisteriselosteet"}, "text": {"Tervetuloa kirjastoon. Aukioloajat ma–pe 10–18."}},
		map[string]string{"kamera.pdf": pdf, "korsholm.html": htm})
	m := draftPath.FindStringSubmatch(p.location())
	if p.status != http.StatusSeeOther || m == nil {
		t.Fatalf("upload = %d %q %s", p.status, p.location(), p.body)
	}
	draft := m[0]

	// The preview: every register with its source, and the document with
	// none reported as skipped, not refused.
	p = dpo.get(draft)
	if p.status != http.StatusOK {
		t.Fatalf("preview = %d", p.status)
	}
	names := liveNames(p.doc)
	for _, want := range []string{wzCamera, wzLibrary, wzRauta} {
		if !contains(names, want) {
			t.Errorf("preview lacks %q: %q", want, names)
		}
	}
	if len(names) != 3 {
		t.Errorf("preview lists %d registers, want 3: %q", len(names), names)
	}
	cam := htmlByID(p.doc, "r-"+registerID(t, p.doc, wzCamera))
	if src := htmlText(htmlFirst(cam, func(n *html.Node) bool { return htmlHasClass(n, "source") })); !strings.Contains(src, "kamera.pdf, line ") {
		t.Errorf("camera register's source = %q", src)
	}
	// Its basis is read from the words ("yleinen etu ja julkisen vallan
	// käyttäminen": e); the doubt left is the controller the document
	// names, which is not the organisation (Rantasalmi's municipality).
	var doubts []string
	for _, n := range htmlElems(cam, func(n *html.Node) bool { return htmlHasAttr(n, "data-doubt") }) {
		doubts = append(doubts, htmlAttr(n, "data-doubt"))
	}
	if !slices.Equal(doubts, []string{"wizard.doubt.controller_other"}) {
		t.Errorf("the camera register's doubtful fields %q, want its controller's", doubts)
	}
	skipped := htmlFindAll(htmlByID(p.doc, "sources"), func(n *html.Node) bool { return htmlHasClass(n, "skipped") })
	if len(skipped) != 1 || !strings.Contains(htmlText(skipped[0]), "No registers were found") {
		t.Errorf("skipped documents = %d", len(skipped))
	}
	if n := htmlText(htmlByID(p.doc, "n-added")); n != "3" {
		t.Errorf("would add %s registers, want 3", n)
	}

	// Rename one, drop one.
	if r := dpo.post(draft+"/rename", url.Values{"id": {registerID(t, p.doc, wzCamera)}, "name": {wzRenamed}}); r.status != http.StatusSeeOther {
		t.Fatalf("rename = %d", r.status)
	}
	// The page opens where the register went: its card is gone, so the
	// list of those left out.
	if r := dpo.post(draft+"/drop", url.Values{"id": {registerID(t, p.doc, wzRauta)}}); r.status != http.StatusSeeOther || r.location() != draft+"#left-out" {
		t.Fatalf("drop = %d to %q", r.status, r.location())
	}
	// A register added by hand: the page opens at its new card.
	if r := dpo.post(draft+"/add", url.Values{"name": {"Käsin lisätty rekisteri"}}); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), draft+"#r-") {
		t.Fatalf("add = %d to %q", r.status, r.location())
	} else {
		id := strings.TrimPrefix(r.location(), draft+"#r-")
		card := htmlByID(dpo.get(draft).doc, "r-"+id)
		if got := htmlText(htmlFirst(card, func(n *html.Node) bool { return htmlIs(n, "h3") })); got != "Käsin lisätty rekisteri" {
			t.Errorf("the anchor #r-%s is the card of %q", id, got)
		}
		if r := dpo.post(draft+"/drop", url.Values{"id": {id}}); r.status != http.StatusSeeOther {
			t.Fatalf("drop of the added one = %d", r.status)
		}
	}
	// A change refused says so, not that the import failed.
	if r := dpo.post(draft+"/rename", url.Values{"id": {registerID(t, p.doc, wzLibrary)}, "name": {"  "}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("empty rename = %d", r.status)
	} else if h := htmlText(htmlFirst(htmlByID(r.doc, "error-summary"), func(n *html.Node) bool { return htmlIs(n, "h2") })); h != f.env.Catalog.T("en", "wizard.error.change_title") {
		t.Errorf("empty rename's error heading %q", h)
	}
	p = dpo.get(draft)
	if names := liveNames(p.doc); len(names) != 2 || !contains(names, wzRenamed) || contains(names, wzRauta) {
		t.Fatalf("after rename and drop: %q", names)
	}

	// Owners by a pasted table; an unknown name is reported, the rest used.
	table := "register;owner name;owner email\n" + wzRenamed + ";Kalle Kiinteistö;kalle@espoo.test\nEi tällaista rekisteriä;X;x@espoo.test\n"
	p = dpo.postMultipart(draft+"/owners", url.Values{"owners": {table}}, nil)
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("owners with an unknown register = %d", p.status)
	}
	if probs := htmlText(htmlByID(p.doc, "owner-problems")); !strings.Contains(probs, "Ei tällaista rekisteriä") || !strings.Contains(probs, "unknown register") {
		t.Errorf("owner problems = %q", probs)
	}
	if n := htmlText(htmlByID(p.doc, "n-no-owner")); n != "1" {
		t.Errorf("registers without an owner = %s, want 1 (the library's, D-11)", n)
	}
	csv := dpo.get(draft + "/owners.csv")
	if csv.status != http.StatusOK || !strings.Contains(csv.body, wzRenamed+";Kalle Kiinteistö;kalle@espoo.test") {
		t.Errorf("owners CSV = %d %q", csv.status, csv.body)
	}
	// Its header row in the DPO's language (it was English in every one).
	if r := dpo.get("/staff/lang/sv"); r.status != http.StatusSeeOther {
		t.Fatal("language switch")
	}
	cat := f.env.Catalog
	header := cat.T("sv", "wizard.csv.register") + ";" + cat.T("sv", "wizard.csv.owner_name") + ";" + cat.T("sv", "wizard.csv.owner_email") + "\r\n"
	if csv := dpo.get(draft + "/owners.csv"); !strings.HasPrefix(strings.TrimPrefix(csv.body, "\ufeff"), header) || !strings.Contains(header, "ansvarsperson") {
		t.Errorf("sv owners CSV starts %.80q, want %q", csv.body, header)
	}
	dpo.get("/staff/lang/en")

	// Publish: the catalogue and the form go live.
	p = publishDraft(t, dpo, draft)
	// What it did (a reload of this page shows it again and posts nothing).
	if n := htmlText(htmlByID(p.doc, "n-added")); n != "2" {
		t.Errorf("the published page says %s added, want 2", n)
	}
	// Named as the DPO renamed it, not by its published name; the page's
	// heading says it is published, no longer a preview.
	var added []string
	for _, q := range htmlElems(p.doc, func(n *html.Node) bool { return htmlIs(n, "q") && htmlHasClass(n, "added") }) {
		added = append(added, htmlText(q))
	}
	if !slices.Contains(added, wzRenamed) || slices.Contains(added, wzCamera) {
		t.Errorf("added %q, want %q and not %q", added, wzRenamed, wzCamera)
	}
	if h := htmlText(htmlFirst(p.doc, func(n *html.Node) bool { return htmlIs(n, "h1") })); h != f.env.Catalog.T("en", "wizard.published.heading") {
		t.Errorf("heading %q", h)
	}
	if again := dpo.get(draft); htmlText(htmlByID(again.doc, "n-added")) != "2" || htmlByID(again.doc, "published") == nil {
		t.Error("the published page shown again lost what publishing did")
	}
	if r := dpo.post(draft+"/publish", url.Values{}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("publishing the same draft again = %d, want 422", r.status)
	}
	q := store.New(f.env.Pool)
	cam2, err := q.RegisterByNorm(f.env.Ctx, f.org.ID, registers.NormalizeName(wzCamera))
	if err != nil {
		t.Fatal(err)
	}
	if cam2.Name != wzRenamed || !cam2.Edited("name") || cam2.OwnerEmail != "kalle@espoo.test" {
		t.Errorf("published camera register: name %q edited %v owner %q", cam2.Name, cam2.EditedFields, cam2.OwnerEmail)
	}
	// The rename and the owner are saved as the DPO's edits; the texts the
	// document gave stay (the rename once emptied the recipients).
	if !strings.Contains(cam2.Recipients, "poliisille") || cam2.Purpose == "" || cam2.Edited("recipients") {
		t.Errorf("renamed camera register: recipients %q, purpose %q, edited %v", cam2.Recipients, cam2.Purpose, cam2.EditedFields)
	}
	if _, err := q.RegisterByNorm(f.env.Ctx, f.org.ID, registers.NormalizeName(wzRauta)); err == nil {
		t.Error("the dropped register was published")
	}
	lib, err := q.RegisterByNorm(f.env.Ctx, f.org.ID, registers.NormalizeName(wzLibrary))
	if err != nil || lib.OwnerEmail != "" {
		t.Errorf("library register: %v owner %q", err, lib.OwnerEmail)
	}
	portal := &scClient{t: t, base: f.base, c: newJarClient()}
	pp := portal.get("/fi/o/espoo/")
	if pp.status != http.StatusOK || !strings.Contains(pp.body, wzRenamed) || !strings.Contains(pp.body, "Korsholms kommunbibliotek") || strings.Contains(pp.body, "Rautalammin") {
		t.Errorf("portal = %d; lists renamed %v, library %v, dropped %v", pp.status,
			strings.Contains(pp.body, wzRenamed), strings.Contains(pp.body, "Korsholms kommunbibliotek"), strings.Contains(pp.body, "Rautalammin"))
	}
	if r := dpo.post(draft+"/rename", url.Values{"id": {"1"}, "name": {"Late"}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("editing a published draft = %d", r.status)
	}

	// Re-import (D-3): the rename and the drop are kept, and the preview
	// says what changed.
	p = dpo.postMultipart("/staff/orgs/espoo/import", url.Values{"url": {page.URL + "/x"}}, map[string]string{"kamera.pdf": pdf})
	m = draftPath.FindStringSubmatch(p.location())
	if m == nil {
		t.Fatalf("re-import = %d", p.status)
	}
	p = dpo.get(m[0])
	if names := liveNames(p.doc); len(names) != 1 || names[0] != wzRenamed {
		t.Errorf("re-import preview lists %q, want only the renamed camera register", names)
	}
	if out := htmlText(htmlByID(p.doc, "left-out")); !strings.Contains(out, wzRauta) {
		t.Errorf("the register dropped before is not left out again: %q", out)
	}
	if n := htmlText(htmlByID(p.doc, "n-added")); n != "0" {
		t.Errorf("re-import would add %s", n)
	}
	publishDraft(t, dpo, m[0])
	cam3, _ := q.RegisterByNorm(f.env.Ctx, f.org.ID, registers.NormalizeName(wzCamera))
	if cam3.Name != wzRenamed || cam3.OwnerEmail != "kalle@espoo.test" {
		t.Errorf("after re-import: name %q owner %q", cam3.Name, cam3.OwnerEmail)
	}
	if csv := dpo.get("/staff/orgs/espoo/catalogue.csv"); csv.status != http.StatusOK || !strings.Contains(csv.body, wzRenamed+";Kalle Kiinteistö;kalle@espoo.test") {
		t.Errorf("catalogue CSV = %d %q", csv.status, csv.body)
	}
}

func TestImportWizardRefusesLoopbackFetchAndOthers(t *testing.T) {
	t.Parallel()
	f := newSCFx(t) // no setting: loopback is refused
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the wizard fetched a loopback address")
	}))
	t.Cleanup(page.Close)
	dpo := f.login(t, f.dpo)
	p := dpo.postMultipart("/staff/orgs/espoo/import", url.Values{"url": {page.URL}}, nil)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(htmlText(htmlByID(p.doc, "wizard-error")), "internal network") {
		t.Errorf("loopback fetch = %d %q", p.status, htmlText(htmlByID(p.doc, "wizard-error")))
	}
	if r := dpo.get("/staff/lang/fi"); r.status != http.StatusSeeOther {
		t.Fatal(r.status)
	}
	p = dpo.postMultipart("/staff/orgs/espoo/import", url.Values{"url": {page.URL}}, nil)
	if !strings.Contains(htmlText(htmlByID(p.doc, "wizard-error")), "sisäverkkoon") {
		t.Errorf("Finnish error = %q", htmlText(htmlByID(p.doc, "wizard-error")))
	}
	p = dpo.postMultipart("/staff/orgs/espoo/import", url.Values{"url": {"file:///etc/passwd"}}, nil)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(htmlText(htmlByID(p.doc, "wizard-error")), "http://") {
		t.Errorf("file: URL = %d", p.status)
	}
	// A draft of espoo, for the others to try.
	p = dpo.postMultipart("/staff/orgs/espoo/import", url.Values{"text": {wizardFixture(t, "corpus/03_rautalampi_kirjaston_asiakasrekisteri.txt")}}, nil)
	draft := p.location()
	if draftPath.FindStringSubmatch(draft) == nil {
		t.Fatalf("paste = %d %q", p.status, draft)
	}

	other := f.login(t, f.dpo2)
	for _, path := range []string{"/staff/orgs/espoo/import", draft, draft + "/owners.csv", "/staff/orgs/espoo/catalogue.csv"} {
		if r := other.get(path); r.status != http.StatusNotFound {
			t.Errorf("other org's DPO GET %s = %d", path, r.status)
		}
	}
	if r := other.post(draft+"/publish", url.Values{}); r.status != http.StatusNotFound {
		t.Errorf("other org's DPO publish = %d", r.status)
	}
	// vantaa's own path with espoo's draft id: not found either.
	if r := other.get(strings.Replace(draft, "espoo", "vantaa", 1)); r.status != http.StatusNotFound {
		t.Errorf("espoo's draft under vantaa = %d", r.status)
	}
	viewer := f.login(t, f.viewer)
	for _, path := range []string{"/staff/orgs/espoo/import", draft} {
		if r := viewer.get(path); r.status != http.StatusForbidden {
			t.Errorf("viewer GET %s = %d", path, r.status)
		}
	}
	if r := viewer.post(draft+"/publish", url.Values{}); r.status != http.StatusForbidden {
		t.Errorf("viewer publish = %d", r.status)
	}
	if _, err := store.New(f.env.Pool).RegisterByNorm(f.env.Ctx, f.org.ID, registers.NormalizeName(wzRauta)); err == nil {
		t.Error("someone else's publish went through")
	}
}

// Issue 19 (wizard step 2): a register found in the document is split in
// two in the preview; a name already in the import is refused with the
// reason in the DPO's language; both parts are published.
// An import the DPO does not want is deleted from its page (it stayed
// under "imports begun" for ever, found in an onboarding walkthrough):
// nothing is published, the catalogue is unchanged, the event is
// audited; another organisation's DPO cannot, nor can a published
// import be deleted.
func TestImportWizardDiscardsADraft(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	dpo := f.login(t, f.dpo)
	q := store.New(f.env.Pool)
	before, err := q.Registers(f.env.Ctx, f.org.ID, store.RegisterFilter{IncludeMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	upload := func() string {
		t.Helper()
		p := dpo.postMultipart("/staff/orgs/espoo/import", url.Values{"text": {wizardFixture(t, "corpus/03_rautalampi_kirjaston_asiakasrekisteri.txt")}}, nil)
		m := draftPath.FindStringSubmatch(p.location())
		if m == nil {
			t.Fatalf("paste = %d %q", p.status, p.location())
		}
		return m[0]
	}
	draft := upload()
	if htmlByID(dpo.get(draft).doc, "discard") == nil {
		t.Fatal("no button to delete the import")
	}
	if r := f.login(t, f.dpo2).post(draft+"/discard", url.Values{}); r.status != http.StatusNotFound {
		t.Errorf("another organisation's DPO deleting = %d", r.status)
	}
	r := dpo.post(draft+"/discard", url.Values{})
	if r.status != http.StatusSeeOther || r.location() != "/staff/orgs/espoo/import" {
		t.Fatalf("discard = %d to %q", r.status, r.location())
	}
	page := dpo.get(r.location())
	if got := htmlText(htmlFirst(page.doc, func(n *html.Node) bool { return htmlIs(n, "div") && htmlHasClass(n, "flash") })); got != f.env.Catalog.T("en", "wizard.flash.discarded") {
		t.Errorf("flash %q", got)
	}
	if htmlByID(page.doc, "drafts") != nil {
		t.Error("the deleted import is still listed")
	}
	if p := dpo.get(draft); p.status != http.StatusNotFound {
		t.Errorf("the deleted import's page = %d", p.status)
	}
	after, err := q.Registers(f.env.Ctx, f.org.ID, store.RegisterFilter{IncludeMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("registers %d -> %d", len(before), len(after))
	}
	var n int
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT count(*) FROM audit_events WHERE org_id = $1 AND action = 'import_draft_discarded'`, f.org.ID).Scan(&n); err != nil || n != 1 {
		t.Errorf("audit events %d (%v)", n, err)
	}
	// A published import keeps its record.
	published := upload()
	publishDraft(t, dpo, published)
	if htmlByID(dpo.get(published).doc, "discard") != nil {
		t.Error("a published import offers to delete it")
	}
	if r := dpo.post(published+"/discard", url.Values{}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("deleting a published import = %d", r.status)
	}
}

func TestImportWizardSplitsARegister(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	dpo := f.login(t, f.dpo)
	p := dpo.postMultipart("/staff/orgs/espoo/import", url.Values{"text": {wizardFixture(t, "corpus/03_rautalampi_kirjaston_asiakasrekisteri.txt")}}, nil)
	m := draftPath.FindStringSubmatch(p.location())
	if m == nil {
		t.Fatalf("paste = %d %q", p.status, p.location())
	}
	draft := m[0]
	p = dpo.get(draft)
	rid := registerID(t, p.doc, wzRauta)
	if htmlByID(p.doc, "sp2-"+rid) == nil {
		t.Fatal("no split form on the register")
	}
	const first, second = "Kirjaston lainaajat", "Kirjaston tapahtumien osallistujat"
	if r := dpo.post(draft+"/split", url.Values{"id": {rid}, "name": {first}, "name2": {"KIRJASTON lainaajat"}}); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(htmlText(htmlByID(r.doc, "wizard-error")), "different names") {
		t.Errorf("split into one name twice = %d %q", r.status, htmlText(htmlByID(r.doc, "wizard-error")))
	}
	if r := dpo.get("/staff/lang/sv"); r.status != http.StatusSeeOther {
		t.Fatal(r.status)
	}
	if r := dpo.post(draft+"/split", url.Values{"id": {rid}, "name": {first}, "name2": {first}}); !strings.Contains(htmlText(htmlByID(r.doc, "wizard-error")), "olika namn") {
		t.Errorf("Swedish error = %q", htmlText(htmlByID(r.doc, "wizard-error")))
	}
	if r := dpo.post(draft+"/split", url.Values{"id": {rid}, "name": {first}, "name2": {second}}); r.status != http.StatusSeeOther {
		t.Fatalf("split = %d", r.status)
	}
	p = dpo.get(draft)
	names := liveNames(p.doc)
	if len(names) != 2 || !contains(names, first) || !contains(names, second) {
		t.Fatalf("after the split: %q", names)
	}
	part := htmlByID(p.doc, "r-"+registerID(t, p.doc, second))
	if from := htmlText(htmlFirst(part, func(n *html.Node) bool { return htmlHasClass(n, "split-from") })); !strings.Contains(from, first) {
		t.Errorf("the split-off register does not say where it came from: %q", from)
	}
	if n := htmlText(htmlByID(p.doc, "n-added")); n != "2" {
		t.Errorf("would add %s registers, want 2", n)
	}
	publishDraft(t, dpo, draft)
	q := store.New(f.env.Pool)
	a, err := q.RegisterByNorm(f.env.Ctx, f.org.ID, registers.NormalizeName(wzRauta))
	if err != nil || a.Name != first {
		t.Errorf("first part: %q %v", a.Name, err)
	}
	b, err := q.RegisterByNorm(f.env.Ctx, f.org.ID, registers.NormalizeName(second))
	if err != nil || b.ControllerText == "" || b.ControllerText != a.ControllerText || b.DataContent != a.DataContent {
		t.Errorf("second part: controller %q (first's %q) %v", b.ControllerText, a.ControllerText, err)
	}
}

// Issue 19: the importer's warnings read in the DPO's language, in the
// preview and, once published, on the catalogue's register page.
func TestImporterWarningsShownInTheDPOsLanguage(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	dpo := f.login(t, f.dpo)
	if r := dpo.get("/staff/lang/fi"); r.status != http.StatusSeeOther {
		t.Fatal(r.status)
	}
	text := "Tietosuojaseloste\n\n1. Rekisterin nimi\nKirjaston asiakasrekisteri\n\n2. Käsittelyn oikeusperuste\nKirjastolaki 1492/2016\n"
	p := dpo.postMultipart("/staff/orgs/espoo/import", url.Values{"text": {text}}, nil)
	m := draftPath.FindStringSubmatch(p.location())
	if m == nil {
		t.Fatalf("paste = %d", p.status)
	}
	p = dpo.get(m[0])
	warns := func(doc *html.Node) string {
		var s []string
		for _, n := range htmlFindAll(doc, func(n *html.Node) bool { return htmlHasClass(n, "importer-warning") }) {
			s = append(s, htmlText(n))
		}
		return strings.Join(s, " | ")
	}
	if w := warns(p.doc); !strings.Contains(w, "Oikeusperusteen tekstistä ei voitu lukea") || strings.Contains(w, "could be read") {
		t.Errorf("preview warnings in Finnish = %q", w)
	}
	publishDraft(t, dpo, m[0])
	reg, err := store.New(f.env.Pool).RegisterByNorm(f.env.Ctx, f.org.ID, registers.NormalizeName("Kirjaston asiakasrekisteri"))
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.Warnings) == 0 || !strings.Contains(reg.Warnings[0], "could be read") {
		t.Errorf("stored warnings %q, want the English form", reg.Warnings)
	}
	if r := dpo.get("/staff/lang/sv"); r.status != http.StatusSeeOther {
		t.Fatal(r.status)
	}
	p = dpo.get("/staff/registers/" + strconv.FormatInt(reg.ID, 10))
	if w := warns(p.doc); p.status != http.StatusOK || !strings.Contains(w, "kunde utläsas ur texten om den rättsliga grunden") {
		t.Errorf("register page %d, warnings in Swedish = %q", p.status, w)
	}
}

// Issue 19: the data stores of a document-publicity description
// (906/2019 §28) keep their mark when published: stored on the register
// and shown in the staff catalogue, on the staff register page and to
// residents; an ordinary register carries no mark.
func TestDataStoreMarkStoredAndShown(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	dpo := f.login(t, f.dpo)
	p := dpo.postMultipart("/staff/orgs/espoo/import", url.Values{}, map[string]string{
		"forbund.txt":    wizardFixture(t, "corpus/19_osterbottens_forbund_handlingars_offentlighet.txt"),
		"rautalampi.txt": wizardFixture(t, "corpus/03_rautalampi_kirjaston_asiakasrekisteri.txt"),
	})
	m := draftPath.FindStringSubmatch(p.location())
	if m == nil {
		t.Fatalf("upload = %d", p.status)
	}
	// A data store's card says so once: the importer's warning, not also
	// the same words as a doubt (found in an onboarding walkthrough).
	preview := dpo.get(m[0])
	for _, card := range htmlElems(preview.doc, func(n *html.Node) bool { return htmlIs(n, "article") && htmlHasClass(n, "register") }) {
		text := htmlText(card)
		warned := strings.Contains(text, f.env.Catalog.T("en", "importer.warn.data_store"))
		doubt := strings.Contains(text, f.env.Catalog.T("en", "wizard.doubt.data_store"))
		if warned && doubt {
			t.Errorf("a data store's card says it twice: %.120s", text)
		}
	}
	publishDraft(t, dpo, m[0])
	q := store.New(f.env.Pool)
	regs, err := q.Registers(f.env.Ctx, f.org.ID, store.RegisterFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var ds, plain *store.Register
	for i := range regs {
		switch {
		case regs[i].DataStore && regs[i].SourceFile == "forbund.txt" && ds == nil:
			ds = &regs[i]
		case regs[i].Name == wzRauta:
			plain = &regs[i]
		}
	}
	if ds == nil || plain == nil || plain.DataStore {
		t.Fatalf("stored marks: data store %v, ordinary register %+v", ds, plain)
	}
	list := dpo.get("/staff/registers?org=espoo")
	row := func(id int64) *html.Node {
		return htmlFirst(list.doc, func(n *html.Node) bool {
			return htmlIs(n, "tr") && htmlAttr(n, "data-register") == strconv.FormatInt(id, 10)
		})
	}
	tagged := func(n *html.Node) bool {
		return n != nil && htmlFirst(n, func(n *html.Node) bool { return htmlHasClass(n, "data-store") }) != nil
	}
	if !tagged(row(ds.ID)) || tagged(row(plain.ID)) {
		t.Errorf("staff list tags: data store %v, ordinary %v", tagged(row(ds.ID)), tagged(row(plain.ID)))
	}
	sp := dpo.get("/staff/registers/" + strconv.FormatInt(ds.ID, 10))
	if !strings.Contains(htmlText(htmlByID(sp.doc, "register-data-store")), "906/2019") {
		t.Errorf("staff register page lacks the data-store note (status %d)", sp.status)
	}
	resident := &scClient{t: t, base: f.base, c: newJarClient()}
	pub := resident.get("/sv/o/espoo/registers/" + strconv.FormatInt(ds.ID, 10))
	if pub.status != http.StatusOK || !strings.Contains(htmlText(htmlByID(pub.doc, "data-store-note")), "inga personuppgifter") {
		t.Errorf("public register page %d lacks the Swedish data-store note", pub.status)
	}
	pub = resident.get("/fi/o/espoo/registers/" + strconv.FormatInt(plain.ID, 10))
	if pub.status != http.StatusOK || htmlByID(pub.doc, "data-store-note") != nil {
		t.Errorf("ordinary register page %d shows a data-store note", pub.status)
	}

	// The DPO who has checked that a data store holds personal data
	// unticks its note: residents no longer read "it may hold no personal
	// data", and a later import of the same document keeps the answer.
	// An ordinary register's form does not ask.
	if box := htmlByID(sp.doc, "f-data_store"); box == nil || !htmlHasAttr(box, "checked") {
		t.Fatal("the data store's form lacks its ticked note box")
	}
	pp := dpo.get("/staff/registers/" + strconv.FormatInt(plain.ID, 10))
	if htmlByID(pp.doc, "f-data_store") != nil {
		t.Error("an ordinary register's form asks about a data store note")
	}
	save := func(r *store.Register, box bool) {
		t.Helper()
		path := "/staff/registers/" + strconv.FormatInt(r.ID, 10)
		v := htmlFormValues(htmlForm(dpo.get(path).doc, path)) // as the browser sends it
		v.Del("data_store")
		if box {
			v.Set("data_store", "1")
		}
		if res := dpo.post(path, v); res.status != http.StatusSeeOther {
			t.Fatalf("saving %q = %d", r.Name, res.status)
		}
	}
	save(ds, false)
	save(plain, false)
	reread := func(id int64) store.Register {
		t.Helper()
		r, err := q.Register(f.env.Ctx, f.org.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := reread(ds.ID); r.DataStore || !r.Edited("data_store") {
		t.Errorf("after unticking: data store %v, edited %q", r.DataStore, r.EditedFields)
	}
	if r := reread(plain.ID); r.DataStore || len(r.EditedFields) != 0 {
		t.Errorf("an ordinary register saved: data store %v, edited %q", r.DataStore, r.EditedFields)
	}
	pub = resident.get("/sv/o/espoo/registers/" + strconv.FormatInt(ds.ID, 10))
	if pub.status != http.StatusOK || htmlByID(pub.doc, "data-store-note") != nil {
		t.Errorf("checked data store's public page %d still shows the note", pub.status)
	}
	p = dpo.postMultipart("/staff/orgs/espoo/import", url.Values{}, map[string]string{
		"forbund.txt": wizardFixture(t, "corpus/19_osterbottens_forbund_handlingars_offentlighet.txt"),
	})
	m = draftPath.FindStringSubmatch(p.location())
	if m == nil {
		t.Fatalf("second upload = %d", p.status)
	}
	publishDraft(t, dpo, m[0])
	if r := reread(ds.ID); r.DataStore {
		t.Error("a later import brought the checked data store's note back")
	}
	// Ticking it again undoes the answer: the form still asks.
	sp = dpo.get("/staff/registers/" + strconv.FormatInt(ds.ID, 10))
	if box := htmlByID(sp.doc, "f-data_store"); box == nil || htmlHasAttr(box, "checked") {
		t.Fatal("the checked data store's form lacks its unticked box")
	}
	save(ds, true)
	if r := reread(ds.ID); !r.DataStore {
		t.Error("ticking the note again did not bring it back")
	}
}

// Issue 19: a new DPO finds the import and the settings from the
// catalogue page; a viewer of the organisation is not offered them.
func TestCataloguePageLinksTheImportForItsDPO(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	links := func(c *scClient) (imp, set bool) {
		p := c.get("/staff/registers?org=espoo")
		if p.status != http.StatusOK {
			t.Fatalf("catalogue page = %d", p.status)
		}
		for _, a := range htmlFindAll(p.doc, func(n *html.Node) bool { return htmlIs(n, "a") }) {
			switch htmlAttr(a, "href") {
			case "/staff/orgs/espoo/import":
				imp = true
			case "/staff/orgs/espoo/settings":
				set = true
			}
		}
		return imp, set
	}
	if imp, set := links(f.login(t, f.dpo)); !imp || !set {
		t.Errorf("DPO: import link %v, settings link %v", imp, set)
	}
	if imp, set := links(f.login(t, f.viewer)); imp || set {
		t.Errorf("viewer: import link %v, settings link %v", imp, set)
	}
}

// publishDraft publishes a draft as the page's button does: the POST
// answers with a redirect to the draft (post, redirect, get), whose page
// then says it is published.
func publishDraft(t *testing.T, c *scClient, draft string) htmlPage {
	t.Helper()
	r := c.post(draft+"/publish", url.Values{})
	if r.status != http.StatusSeeOther || r.location() != draft+"#published" {
		t.Fatalf("publish = %d to %q, want 303 to %s#published", r.status, r.location(), draft)
	}
	p := c.get(draft)
	if p.status != http.StatusOK || htmlByID(p.doc, "published") == nil {
		t.Fatalf("the draft after publishing = %d, not marked published", p.status)
	}
	return p
}

// A document that names another body as a register's controller (the
// förbund's, another town's library) gets a warning on the register's card
// in the DPO's language, naming that body and what to do; the
// organisation's own document does not (found in an onboarding
// walkthrough: a förbund's registers were published as Närpes's unseen).
func TestImportWizardWarnsOfAnotherController(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	dpo := f.login(t, f.dpo)
	own := strings.ReplaceAll(wizardFixture(t, "corpus/03_rautalampi_kirjaston_asiakasrekisteri.txt"), "Rautalammin kunnankirjasto", "Espoon kaupunginkirjasto")
	p := dpo.postMultipart("/staff/orgs/espoo/import", url.Values{}, map[string]string{
		"forbund.txt": wizardFixture(t, "corpus/19_osterbottens_forbund_handlingars_offentlighet.txt"),
		"own.txt":     own,
	})
	m := draftPath.FindStringSubmatch(p.location())
	if m == nil {
		t.Fatalf("upload = %d", p.status)
	}
	if r := dpo.get("/staff/lang/sv"); r.status != http.StatusSeeOther {
		t.Fatal(r.status)
	}
	preview := dpo.get(m[0])
	want := f.env.Catalog.T("sv", "wizard.doubt.controller_other", "Österbottens förbund", "Esbo stad",
		f.env.Catalog.T("sv", "catalogue.form.controller_elsewhere"))
	warned, quiet := 0, 0
	for _, card := range htmlElems(preview.doc, func(n *html.Node) bool { return htmlIs(n, "article") && htmlHasClass(n, "register") }) {
		text := htmlText(card)
		has := htmlFirst(card, func(n *html.Node) bool { return htmlAttr(n, "data-doubt") == "wizard.doubt.controller_other" }) != nil
		switch {
		case strings.Contains(text, "own.txt"):
			if has {
				t.Errorf("the organisation's own register is warned of: %.200s", text)
			}
			quiet++
		case strings.Contains(text, "forbund.txt"):
			if !has || !strings.Contains(text, want) {
				t.Errorf("a förbund register's card lacks %q: %s", want, text)
			}
			warned++
		}
	}
	if warned < 2 || quiet != 1 {
		t.Errorf("cards: %d of the förbund's warned, %d of Espoo's; want at least 2 and 1", warned, quiet)
	}
}

// Publishing the first catalogue of an organisation whose settings lack
// the DPO's address does not promise a live form: residents cannot reach
// it yet (the link gave 404), and the page says what opens it.
func TestPublishedImportSaysWhenTheFormIsNotOpen(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	if _, err := f.env.Pool.Exec(f.env.Ctx, `UPDATE organisations SET dpo_email = '' WHERE id = $1`, f.org.ID); err != nil {
		t.Fatal(err)
	}
	dpo := f.login(t, f.dpo)
	p := dpo.postMultipart("/staff/orgs/espoo/import", url.Values{"text": {wizardFixture(t, "corpus/30_hango_turistbyra_dataskyddsbeskrivning.txt")}}, nil)
	m := draftPath.FindStringSubmatch(p.location())
	if m == nil {
		t.Fatalf("paste = %d %q", p.status, p.location())
	}
	p = publishDraft(t, dpo, m[0])
	if htmlByID(p.doc, "portal-link") != nil || htmlByID(p.doc, "published-not-open") == nil {
		t.Errorf("the published page promises the form: %q", htmlText(htmlByID(p.doc, "published")))
	}
	if resident := (&scClient{t: t, base: f.base, c: newJarClient()}).get("/sv/o/espoo/"); resident.status != http.StatusNotFound {
		t.Errorf("the closed organisation's portal = %d", resident.status)
	}
	if _, err := f.env.Pool.Exec(f.env.Ctx, `UPDATE organisations SET dpo_email = 'dpo@espoo.test' WHERE id = $1`, f.org.ID); err != nil {
		t.Fatal(err)
	}
	if p := dpo.get(m[0]); htmlByID(p.doc, "portal-link") == nil {
		t.Error("with the DPO's address the published page does not link the form")
	}
}

// A re-import names what it would change in each register, in the DPO's
// language (walkthrough: "Changed registers: 1 Kundregistret" said
// nothing of what).
func TestReimportPreviewNamesChangedFields(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	dpo := f.login(t, f.dpo)
	doc := wizardFixture(t, "corpus/30_hango_turistbyra_dataskyddsbeskrivning.txt")
	importText := func(text string) string {
		t.Helper()
		p := dpo.postMultipart("/staff/orgs/espoo/import", url.Values{"text": {text}}, nil)
		m := draftPath.FindStringSubmatch(p.location())
		if m == nil {
			t.Fatalf("paste = %d %q", p.status, p.location())
		}
		return m[0]
	}
	publishDraft(t, dpo, importText(doc))
	const old = "Personuppgifter bevaras enbart så länge det är nödvändigt."
	if !strings.Contains(doc, old) {
		t.Fatal("the fixture changed")
	}
	p := dpo.get(importText(strings.Replace(doc, old, "Personuppgifter bevaras i fem år.", 1)))
	if n := htmlText(htmlByID(p.doc, "n-changed")); n != "1" {
		t.Fatalf("re-import would change %s registers, want 1", n)
	}
	fields := htmlText(htmlFirst(htmlByID(p.doc, "changes"), func(n *html.Node) bool { return htmlHasClass(n, "changed-fields") }))
	// The sentence stands in the notice's section 3, its purpose.
	if want := "(" + f.env.Catalog.T("en", "catalogue.field.purpose") + ")"; fields != want {
		t.Errorf("the changed register's fields read %q, want %q", fields, want)
	}
}
