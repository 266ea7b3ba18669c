// Package browsertest starts headless Chromium for the browser journeys. A test
// that calls New is skipped when no Chromium is installed, and fails instead when
// ROLLOUT_E2E=1 (CI sets it), so a missing browser never passes silently there.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium returns the browser binary, or skips (or fails under ROLLOUT_E2E=1).
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("ROLLOUT_E2E") == "1" {
		t.Fatal("no chromium found and ROLLOUT_E2E=1: install the Debian package chromium")
	}
	t.Skip("no chromium found: install the Debian package chromium to run browser tests")
	return ""
}

// New starts a headless browser and returns a tab's context, closed when the
// test ends. The flags keep Chromium off the network: this machine has none.
func New(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	path := Chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return tabCtx
}
