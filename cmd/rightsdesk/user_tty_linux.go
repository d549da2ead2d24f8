//go:build linux

package main

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// readHidden reads one line from the terminal f without echoing it.
// Ctrl-C aborts (signals are off while reading, so the terminal's echo is
// always restored).
func readHidden(f *os.File) (string, error) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return "", err
	}
	t := *old
	t.Lflag &^= unix.ECHO | unix.ISIG
	t.Lflag |= unix.ICANON
	t.Iflag |= unix.ICRNL
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &t); err != nil {
		return "", err
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, old) //nolint:errcheck
	var line []byte
	b := make([]byte, 1)
	for {
		n, err := f.Read(b)
		if n == 0 || err != nil {
			return "", errors.New("no password entered")
		}
		switch b[0] {
		case '\n':
			return string(line), nil
		case 3: // Ctrl-C
			return "", errors.New("interrupted")
		}
		line = append(line, b[0])
	}
}
