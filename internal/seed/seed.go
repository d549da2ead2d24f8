// Package seed brings the embedded default to life on first start: the five
// seed municipalities (D-2), their catalogues imported from the embedded
// seed documents, and one demo DPO for each of them.
package seed

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/workflow"
)

// Deps are what seeding needs.
type Deps struct {
	Pool         *pgxpool.Pool
	Workflow     *workflow.Service
	Logger       *slog.Logger
	Argon2Memory uint32
	Argon2Time   uint32
}

// Credential is a demo sign-in printed once.
type Credential struct {
	Org, Email, Password string
}

// Result says what seeding created.
type Result struct {
	Credentials []Credential
}

// Run seeds what is missing; a second start changes nothing.
func Run(ctx context.Context, d Deps) (Result, error) {
	made, err := seedCatalogue(ctx, d)
	if err != nil {
		return Result{}, err
	}
	creds, err := seedStaff(ctx, d, made)
	if err != nil {
		return Result{}, err
	}
	return Result{Credentials: creds}, nil
}
