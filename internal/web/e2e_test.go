package web

import (
	"net"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"

	"rollout/internal/browsertest"
)

// serve runs the app on a real port for the browser and returns its base URL.
func serve(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String()
}

// chooseLanguage picks a language in the header's select (SetValue fires the
// change event, as a person's choice would); app.js then submits the form.
func chooseLanguage(lang string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.SetValue(chromedp.CSS("#lang-select"), lang),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="`+lang+`"] h1`)),
	)
}

func TestBrowserLanguageSwitch(t *testing.T) {
	ctx := browsertest.New(t, 60*time.Second)
	app, _ := testApp(t)
	base := serve(t, app)

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
		t.Fatal(err)
	}
	heading := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if h := heading(); h != "Set up Rollout" {
		t.Fatalf("English heading %q", h)
	}
	if err := chromedp.Do(ctx, chooseLanguage("zh-CN")); err != nil {
		t.Fatal(err)
	}
	if h := heading(); h != "初始化 Rollout" {
		t.Fatalf("Chinese heading %q", h)
	}
	// The choice survives a reload.
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-CN"] h1`))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chooseLanguage("en")); err != nil {
		t.Fatal(err)
	}
	if h := heading(); h != "Set up Rollout" {
		t.Fatalf("English heading after switching back %q", h)
	}
}
