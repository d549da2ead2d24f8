package pgembed

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// pgUser is the account the server runs as when the owner is root.
type pgUser struct {
	uid, gid int
	groups   []int // all groups, primary included
}

func lookupPostgresUser() (*pgUser, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgembed: running as root, PostgreSQL must run as the system user \"postgres\", which does not exist (%v). Create it: apt-get install -y postgresql does, or useradd --system --home-dir /var/lib/postgresql postgres", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("pgembed: user postgres: %w", err)
	}
	p := &pgUser{uid: uid, gid: gid, groups: []int{gid}}
	if ids, err := u.GroupIds(); err == nil {
		for _, s := range ids {
			if g, err := strconv.Atoi(s); err == nil && g != gid {
				p.groups = append(p.groups, g)
			}
		}
	}
	return p, nil
}

func (p *pgUser) credential() *syscall.Credential {
	groups := make([]uint32, len(p.groups))
	for i, g := range p.groups {
		groups[i] = uint32(g)
	}
	return &syscall.Credential{Uid: uint32(p.uid), Gid: uint32(p.gid), Groups: groups}
}

// canTraverse reports whether the user may search (x) directory st.
func (p *pgUser) canTraverse(st fs.FileInfo) bool {
	mode := st.Mode().Perm()
	uid, gid := fileOwner(st)
	switch {
	case uid == p.uid:
		return mode&0o100 != 0
	case p.inGroup(gid):
		return mode&0o010 != 0
	default:
		return mode&0o001 != 0
	}
}

func (p *pgUser) inGroup(gid int) bool {
	for _, g := range p.groups {
		if g == gid {
			return true
		}
	}
	return false
}

// resolveDataDir returns the absolute data directory to use. When running as
// root (owner != nil) and the postgres user cannot traverse every parent of
// dataDir, it returns a directory under RelocationRoot instead, derived from
// the path so that the same DataDir always maps to the same place.
func resolveDataDir(dataDir string, owner *pgUser, log *slog.Logger) (string, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return "", fmt.Errorf("pgembed: %w", err)
	}
	abs = resolveExisting(abs)
	if owner == nil {
		return abs, nil
	}
	blocked := blockingParent(abs, owner)
	if blocked == "" {
		return abs, nil
	}
	sum := sha256.Sum256([]byte(abs))
	name := sanitize(filepath.Base(abs)) + "-" + hex.EncodeToString(sum[:])[:10]
	moved := filepath.Join(RelocationRoot, name)
	if err := os.MkdirAll(RelocationRoot, 0o755); err != nil {
		return "", fmt.Errorf("pgembed: %w", err)
	}
	if err := os.Chmod(RelocationRoot, 0o755); err != nil {
		return "", fmt.Errorf("pgembed: %w", err)
	}
	log.Warn("pgembed: the postgres user cannot reach the data directory (no search permission on a parent directory), so the cluster is kept elsewhere",
		"data_dir", abs, "blocked_at", blocked, "cluster_dir", moved)
	return moved, nil
}

// resolveExisting resolves symlinks in the longest existing prefix of path,
// which is what the permission checks of the kernel walk.
func resolveExisting(path string) string {
	var rest []string
	p := path
	for {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(append([]string{r}, rest...)...)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return path
		}
		rest = append([]string{filepath.Base(p)}, rest...)
		p = parent
	}
}

// blockingParent returns the first existing parent of dir that the user
// cannot traverse, or "". Parents that do not exist yet will be created 0755.
func blockingParent(dir string, owner *pgUser) string {
	var parents []string
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		parents = append(parents, p)
		if p == filepath.Dir(p) {
			break
		}
	}
	for i := len(parents) - 1; i >= 0; i-- {
		st, err := os.Stat(parents[i])
		if err != nil {
			return "" // from here on created by us
		}
		if !owner.canTraverse(st) {
			return parents[i]
		}
	}
	return ""
}

func sanitize(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
	s = strings.TrimLeft(s, ".")
	if len(s) > 40 {
		s = s[:40]
	}
	if s == "" {
		s = "pgdata"
	}
	return s
}
