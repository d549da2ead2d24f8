package workflow

import (
	"errors"
	"fmt"
)

// ErrNotAllowed: the action is not allowed in the case's (or task's) state.
var ErrNotAllowed = errors.New("action not allowed in this state")

// FieldErrors are validation failures keyed by form field, each a message
// key of the locale catalogue (so the page localizes them).
type FieldErrors map[string]string

func (f FieldErrors) Error() string {
	return fmt.Sprintf("%d invalid fields", len(f))
}

// Add records the first fault of a field.
func (f FieldErrors) Add(field, key string) {
	if _, ok := f[field]; !ok {
		f[field] = key
	}
}

// Err returns f as an error, or nil when empty.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return f
}
