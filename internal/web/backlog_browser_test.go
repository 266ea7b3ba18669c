package web

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"rollout/internal/requirement"
)

// TestBrowserBacklogDragAndDrop: a business owner drags the fourth must
// requirement above the first; the new order is saved and survives a reload.
func TestBrowserBacklogDragAndDrop(t *testing.T) {
	b := newBacklog(t, map[string]string{"bo@example.com": "business_owner"})
	for _, title := range []string{"Lead capture", "Quote approval", "Contract archive", "Duplicate check"} {
		b.add(t, title, requirement.Must)
	}
	b.add(t, "Partner portal", requirement.Optional)
	u := newUI(t, serve(t, b.app))
	u.open("/signin")
	u.do(fill("#email", "bo@example.com", "#password", testPassword), submit(`form[action="/signin"]`, ".user-menu summary"))
	u.open("/projects/CRM/requirements")
	u.do(chromedp.WaitVisible(chromedp.CSS(`#req-4 .drag-handle`)))

	shown := func() []int {
		t.Helper()
		var got []int
		nums, err := chromedp.Run(u.ctx, chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll('tbody[data-sortable="tier-must"] tr')).map(r => r.dataset.number)`))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range nums {
			i, _ := strconv.Atoi(n)
			got = append(got, i)
		}
		return got
	}
	if got := shown(); !slices.Equal(got, []int{1, 2, 3, 4}) {
		t.Fatalf("must rows before the drag %v", got)
	}
	// Drag the handle of the fourth row onto the top part of the first row.
	u.do(handDrag(`#req-4 .drag-handle`, `#req-1 .drag-handle`, `#req-1`))
	u.do(chromedp.WaitVisible(chromedp.CSS(`#backlog-status.flash-success`)))
	if got := u.text("#backlog-status"); got != "New order saved." {
		t.Fatalf("status after the drag %q", got)
	}
	if got := b.order(t); !slices.Equal(got, []int{4, 1, 2, 3, 5}) {
		t.Fatalf("order saved %v", got)
	}
	// The buttons of the moved rows name their new neighbours.
	if n := u.count(`#req-4 button[value="4 up"]:disabled`) + u.count(`#req-1 button[value="1 up 4"]`); n != 2 {
		t.Fatal("the new first row can still move up")
	}
	u.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#req-4 .drag-handle`)))
	if got := shown(); !slices.Equal(got, []int{4, 1, 2, 3}) {
		t.Fatalf("must rows after reload %v", got)
	}
	// A drop into another group is not taken: the optional row stays where it is.
	u.do(handDrag(`#req-5 .drag-handle`, `#req-1 .drag-handle`, `#req-1`))
	u.do(chromedp.Sleep(300 * time.Millisecond))
	if got := b.order(t); !slices.Equal(got, []int{4, 1, 2, 3, 5}) {
		t.Fatalf("order after a drop across groups %v", got)
	}
	if got := shown(); !slices.Equal(got, []int{4, 1, 2, 3}) || u.count(`tbody[data-sortable="tier-optional"] #req-5`) != 1 {
		t.Fatalf("must rows after a drop across groups %v", got)
	}
	// From the keyboard, ↑ moves the row in place: no reload, the focus stays
	// on the button, so pressing it again walks the row further up.
	u.do(chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`))
	u.do(chromedp.Focus(chromedp.CSS(`#req-2 button[value^="2 up"]`)), chromedp.KeyEvent("\r"))
	u.do(chromedp.WaitVisible(chromedp.CSS(`#backlog-status.flash-success`)))
	if got := shown(); !slices.Equal(got, []int{4, 2, 1, 3}) {
		t.Fatalf("must rows after ↑ %v", got)
	}
	focused, err := chromedp.Run(u.ctx, chromedp.Evaluate[string](`document.activeElement.value`))
	if err != nil {
		t.Fatal(err)
	}
	stayed, err := chromedp.Run(u.ctx, chromedp.Evaluate[bool](`window.notReloaded === true`))
	if err != nil {
		t.Fatal(err)
	}
	if !stayed || !strings.HasPrefix(focused, "2 up") {
		t.Fatalf("after ↑ the page reloaded (%v) or the focus left the button (%q)", !stayed, focused)
	}
	if got := b.order(t); !slices.Equal(got, []int{4, 2, 1, 3, 5}) {
		t.Fatalf("order saved after ↑ %v", got)
	}
	// The header's box ticks every row of its group, and only those.
	u.do(chromedp.Click(chromedp.CSS(`section[aria-labelledby="tier-must"] input[data-select-all]`)))
	if n := u.count(`input[name=numbers]:checked`); n != 4 {
		t.Fatalf("select all ticked %d rows, want the 4 must rows", n)
	}
}

// handDrag drags like a hand: it presses the mouse on the element from,
// moves in small steps with pauses to the x of the element toX and a quarter
// down the element toY, and releases there. The pauses matter: after each
// swap SortableJS ignores the pointer for 30 ms, and chromedp.DragAndDrop
// sends all its moves within a few milliseconds, so the drop lands on a
// place that depends on timing. Once the browser starts a native drag (HTML5
// drag and drop, as Sortable uses on desktops), headless Chromium no longer
// turns mouse moves into drag events: the drag is intercepted and continued
// with Input.dispatchDragEvent, as DragAndDrop does.
func handDrag(from, toX, toY string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		pts, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(`(() => {
			const a = document.querySelector(%q), b = document.querySelector(%q), c = document.querySelector(%q);
			c.scrollIntoView({block: "center"});
			const ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect(), rc = c.getBoundingClientRect();
			return [ra.x + ra.width / 2, ra.y + ra.height / 2, rb.x + rb.width / 2, rc.y + rc.height / 4];
		})()`, from, toX, toY)))
		if err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, t, input.SetInterceptDrags, input.SetInterceptDragsParams{Enabled: true}); err != nil {
			return err
		}
		defer func() {
			_, _ = cdp.Call(context.WithoutCancel(ctx), t, input.SetInterceptDrags, input.SetInterceptDragsParams{Enabled: false})
		}()
		intercepted, cancel := t.Subscribe(input.DragIntercepted.Method)
		defer cancel()
		mouse := func(typ input.DispatchMouseEventType, x, y float64, buttons int64) error {
			_, err := cdp.Call(ctx, t, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: typ, X: x, Y: y,
				Button: input.MouseButtonLeft, Buttons: buttons, ClickCount: 1})
			return err
		}
		drag := func(typ input.DispatchDragEventType, x, y float64, data *input.DragData) error {
			_, err := cdp.Call(ctx, t, input.DispatchDragEvent, input.DispatchDragEventParams{Type: typ, X: x, Y: y, Data: data})
			return err
		}
		pause := func(d time.Duration) error {
			select {
			case <-time.After(d):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		fx, fy, tx, ty := pts[0], pts[1], pts[2], pts[3]
		if err := mouse(chromedp.MousePressed, fx, fy, 1); err != nil {
			return err
		}
		var data *input.DragData
		const steps = 24
		for i := 1; i <= steps; i++ {
			x, y := fx+(tx-fx)*float64(i)/steps, fy+(ty-fy)*float64(i)/steps
			if data != nil {
				if err := drag(input.DispatchDragEventTypeDragOver, x, y, data); err != nil {
					return err
				}
			} else if err := mouse(chromedp.MouseMoved, x, y, 1); err != nil {
				return err
			}
			select {
			case raw := <-intercepted:
				var ev input.EventDragIntercepted
				if err := jsonv2.Unmarshal(raw, &ev, chromedp.DefaultUnmarshalOptions); err != nil {
					return err
				}
				data = ev.Data
				if err := drag(input.DispatchDragEventTypeDragEnter, x, y, data); err != nil {
					return err
				}
			default:
			}
			if err := pause(40 * time.Millisecond); err != nil {
				return err
			}
		}
		if data != nil {
			for range 3 { // rest on the spot a moment, as a hand does before letting go
				if err := drag(input.DispatchDragEventTypeDragOver, tx, ty, data); err != nil {
					return err
				}
				if err := pause(40 * time.Millisecond); err != nil {
					return err
				}
			}
			if err := drag(input.DispatchDragEventTypeDrop, tx, ty, data); err != nil {
				return err
			}
		}
		return mouse(chromedp.MouseReleased, tx, ty, 0)
	})
}
