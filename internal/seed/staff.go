package seed

import (
	"context"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// seedStaff gives each seed organisation just created one demo DPO,
// dpo@<slug>.example, with a generated password returned to be printed
// once (only its hash is stored). Only the seed organisations, and only
// when they are created: an organisation a municipality set up (org add,
// the administrator's page) never gets an account with a password printed
// in a start-up log, and a demo account someone disabled is not made
// again. An account that already exists is left alone and yields no
// credential.
func seedStaff(ctx context.Context, d Deps, orgs []store.Org) ([]Credential, error) {
	now := time.Now
	if d.Workflow != nil && d.Workflow.Now != nil {
		now = d.Workflow.Now
	}
	auth := &workflow.StaffAuth{Pool: d.Pool, Now: now, Logger: d.Logger, Keys: d.Workflow.Keys, Argon2Memory: d.Argon2Memory, Argon2Time: d.Argon2Time}
	var creds []Credential
	for _, o := range orgs {
		email := "dpo@" + o.Slug + ".example"
		exists, err := auth.UserExists(ctx, email)
		if err != nil {
			return nil, err
		}
		if exists {
			continue
		}
		name, lang := "Tietosuojavastaava", "fi"
		if o.PrimaryLang == "sv" {
			name, lang = "Dataskyddsombud", "sv"
		}
		pw := workflow.GeneratePassword()
		if _, err := auth.AddUser(ctx, workflow.NewStaff{Email: email, Name: name, Lang: lang, OrgID: o.ID, Role: workflow.RoleDPO, Password: pw}, workflow.ActorSeed); err != nil {
			return nil, err
		}
		creds = append(creds, Credential{Org: o.Slug, Email: email, Password: pw})
	}
	return creds, nil
}
