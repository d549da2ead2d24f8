//go:build !linux

package main

import (
	"errors"
	"os"
)

// isTerminal: hidden input is implemented for Linux only; elsewhere the
// password is read as a plain line.
func isTerminal(*os.File) bool { return false }

func readHidden(*os.File) (string, error) {
	return "", errors.New("hidden input is not supported here")
}
