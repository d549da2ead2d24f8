package main

import (
	"context"
	"errors"
)

func runToken(ctx context.Context, env *Env, args []string) error {
	return errors.New("not built yet")
}
