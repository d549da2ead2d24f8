package seed

import "context"

func seedCatalogue(ctx context.Context, d Deps) error { return nil }
