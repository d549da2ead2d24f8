package e2e

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"rightsdesk/internal/store"
)

// D-3: the DPO fixes on a register's page the unit an import named
// wrongly, choosing a new one; the page says it is saved, shows the unit
// chosen and names it among the fields the DPO edited (an import keeps
// them). Screenshots: NN-register-unit*.jpg.
func TestRegisterUnitFixedOnItsPage(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	org := s.org("raseborg")
	q := store.New(s.env.Pool)
	regs, err := q.Registers(s.env.Ctx, org.ID, store.RegisterFilter{})
	if err != nil || len(regs) == 0 {
		t.Fatalf("%d registers (%v)", len(regs), err)
	}
	reg := regs[0]
	b := newTab(t, s, "sv", false)
	b.signIn("raseborg")
	b.open(fmt.Sprintf("/staff/registers/%d", reg.ID))
	b.run(chromedp.ScrollIntoView("#register-unit"))
	b.step("register unit", reg.Name, "@catalogue.field.unit", "@catalogue.form.unit_new")
	b.run(chromedp.SetValue(chromedp.CSS("#f-unit"), "new"))
	b.typeIn("#f-unit_new", "Ungdomsservice")
	b.click(fmt.Sprintf(`form[action="/staff/registers/%d"] button[type="submit"]`, reg.ID))
	b.run(chromedp.ScrollIntoView("#register-unit"))
	b.step("register unit saved", "@catalogue.flash.saved", "Ungdomsservice")
	got, err := q.Register(s.env.Ctx, org.ID, reg.ID)
	if err != nil || got.UnitName != "Ungdomsservice" || !got.Edited("unit") {
		t.Errorf("saved unit %q, edited %v (%v)", got.UnitName, got.EditedFields, err)
	}
	if sel := evalAs[string](b, `(() => { const s = document.getElementById('f-unit'); return s.options[s.selectedIndex].text; })()`); sel != "Ungdomsservice" {
		b.fail("the page chooses %q after the save, want the new unit", sel)
	}
}
