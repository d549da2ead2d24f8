package workflow

import (
	"crypto/subtle"

	"rightsdesk/internal/secret"
)

// newCode is a six-digit one-time code.
func newCode() string { return secret.Code(6) }

func equalHash(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }
