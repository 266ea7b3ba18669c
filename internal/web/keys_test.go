package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentCreatesGetDistinctKeys: sixteen clients creating
// requirements, risks and change requests in one project at once all
// succeed, and each gets its own number, the sixteen consecutive.
func TestConcurrentCreatesGetDistinctKeys(t *testing.T) {
	t.Parallel()
	bb := newBigBacklog(t)
	bb.seed("CRM", 5)
	owner := strconv.FormatInt(bb.user.ID, 10)
	for _, c := range []struct{ path, body string }{
		{"/api/v1/projects/CRM/requirements", `{"title":"Lead capture","tier":"must","kind":"feature","approach":"configuration"}`},
		{"/api/v1/projects/CRM/risks", `{"title":"Dirty data","category":"data_quality","probability":3,"impact":4,"owner_id":` + owner + `}`},
		{"/api/v1/projects/CRM/changes", `{"title":"Move go-live","impact":{"schedule_days":10}}`},
	} {
		const n = 16
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			numbers []int
			fails   []string
		)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := httptest.NewRequest(http.MethodPost, c.path, strings.NewReader(c.body))
				req.Header.Set("Authorization", "Bearer "+bb.token)
				req.Header.Set("Content-Type", "application/json")
				res, err := bb.app.Test(req, -1)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					fails = append(fails, err.Error())
					return
				}
				body, _ := io.ReadAll(res.Body)
				var v struct{ Number int }
				if res.StatusCode != http.StatusCreated || json.Unmarshal(body, &v) != nil {
					fails = append(fails, res.Status+": "+string(body))
					return
				}
				numbers = append(numbers, v.Number)
			}()
		}
		wg.Wait()
		if len(fails) > 0 {
			t.Fatalf("%s: %d of %d creates failed: %v", c.path, len(fails), n, fails[0])
		}
		slices.Sort(numbers)
		for i := 1; i < len(numbers); i++ {
			if numbers[i] != numbers[i-1]+1 {
				t.Fatalf("%s: numbers %v are not distinct and consecutive", c.path, numbers)
			}
		}
	}
}
