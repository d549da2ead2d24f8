package e2e

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"rightsdesk/internal/pgtest"
)

// The one browser of the package, and axe-core's source. A setup error is
// kept and fails every test (a missing browser is a failure, never a skip).
var (
	browserCtx context.Context
	browserErr error
	axeSource  string
	axeErr     error
)

// axeVersion is the axe-core major version the tests fetch with npm.
const axeVersion = "axe-core@4"

// axeDir holds the fetched axe-core; .gitignore keeps it out of the repo.
const axeDir = ".axe"

func TestMain(m *testing.M) {
	axeSource, axeErr = loadAxe()
	var stop func()
	browserCtx, stop, browserErr = startBrowser()
	code := pgtest.Run(m)
	if stop != nil {
		stop()
	}
	os.Exit(code)
}

// chromiumPath finds Debian's chromium (or a Chrome named by E2E_CHROME).
func chromiumPath() (string, error) {
	if p := os.Getenv("E2E_CHROME"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("e2e: no chromium found on PATH: run scripts/deps.sh test (apt-get install chromium) or set E2E_CHROME to a Chrome binary")
}

func startBrowser() (context.Context, func(), error) {
	path, err := chromiumPath()
	if err != nil {
		return nil, nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.WindowSize(1280, 900),
		// As root (CI containers) Chromium refuses to start sandboxed;
		// small containers have a tiny /dev/shm.
		chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "fi-FI"),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		return nil, nil, fmt.Errorf("e2e: starting %s: %w", path, err)
	}
	return ctx, func() { cancelCtx(); cancelAlloc() }, nil
}

// loadAxe returns axe.min.js, fetching it with npm into .axe the first
// time.
func loadAxe() (string, error) {
	file := filepath.Join(axeDir, "axe.min.js")
	if b, err := os.ReadFile(file); err == nil && len(b) > 0 {
		return string(b), nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", errors.New("e2e: npm is needed to fetch axe-core for the accessibility checks: run scripts/deps.sh test (apt-get install npm)")
	}
	tmp, err := os.MkdirTemp("", "e2e-axe")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command(npm, "pack", axeVersion, "--pack-destination", tmp, "--silent")
	cmd.Dir = tmp
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("e2e: npm pack %s: %v\n%s", axeVersion, err, out)
	}
	tgz := filepath.Join(tmp, strings.TrimSpace(lastLine(string(out))))
	src, err := untarFile(tgz, "package/axe.min.js")
	if err != nil {
		return "", fmt.Errorf("e2e: reading axe-core from %s: %w", tgz, err)
	}
	if err := os.MkdirAll(axeDir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(file, src, 0o644); err != nil {
		return "", err
	}
	return string(src), nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func untarFile(tgz, name string) ([]byte, error) {
	f, err := os.Open(tgz)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("%s not in the package", name)
		}
		if err != nil {
			return nil, err
		}
		if h.Name == name {
			return io.ReadAll(tr)
		}
	}
}
