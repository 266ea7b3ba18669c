package web

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// Pages of a list held whole in the read cache (the risk register): a page
// shows a slice of it, so what a view renders or encodes does not grow with
// the project. Pages are numbered from 1 (?page=); the API pages by offset
// with the backlog API's names: ?limit= and ?cursor=, answering next_cursor
// and the total.

// Page sizes of the risk register: its page, and its API's default and
// largest limit.
const (
	riskPageSize     = 50
	riskAPILimit     = 50
	riskAPILimitMax  = 500
	pagerWindow      = 2 // page links shown either side of the current one
	totalCountHeader = "X-Total-Count"
)

// pageLink is one link of a pager: a page number, or a gap (…).
type pageLink struct {
	Number  int
	Href    string
	Current bool
	Gap     bool
}

// pager is the page of a list a view shows, with its links.
type pager struct {
	Page, Pages int // Pages is at least 1
	Total       int
	From, To    int  // 1-based positions shown; 0, 0 on an empty page
	Beyond      bool // a page past the end of a list that has items
	Prev, Next  string
	First       string
	Links       []pageLink
}

// pageOf works out page number n (1-based) of total items, size a page,
// with links made by href(page). It returns the pager and the slice bounds.
func pageOf(n, size, total int, href func(page int) string) (pager, int, int) {
	n = max(n, 1)
	p := pager{Page: n, Pages: max(1, (total+size-1)/size), Total: total}
	lo, hi := min((n-1)*size, total), min(n*size, total)
	if lo < hi {
		p.From, p.To = lo+1, hi
	}
	p.Beyond = total > 0 && n > p.Pages
	p.First = href(1)
	if n > 1 && !p.Beyond {
		p.Prev = href(n - 1)
	}
	if n < p.Pages {
		p.Next = href(n + 1)
	}
	if p.Pages > 1 && !p.Beyond {
		last := 0
		for i := 1; i <= p.Pages; i++ {
			if i != 1 && i != p.Pages && (i < n-pagerWindow || i > n+pagerWindow) {
				continue
			}
			if last != 0 && i > last+1 {
				p.Links = append(p.Links, pageLink{Gap: true})
			}
			p.Links = append(p.Links, pageLink{Number: i, Href: href(i), Current: i == n})
			last = i
		}
	}
	return p, lo, hi
}

// pageNumber reads ?page= (1 when absent); a value that is not a page
// number is refused, naming the parameter.
func pageNumber(q *queryReader) int {
	return max(1, q.intIn("page", 1, 1<<20))
}

// withPage is a list's address with ?page=n (none for the first page),
// keeping its other parameters and ending with fragment.
func withPage(path string, q url.Values, n int, fragment string) string {
	q2 := url.Values{}
	for k, v := range q {
		q2[k] = v
	}
	q2.Del("page")
	if n > 1 {
		q2.Set("page", strconv.Itoa(n))
	}
	if len(q2) == 0 {
		return path + fragment
	}
	return path + "?" + q2.Encode() + fragment
}

// offsetWindow reads the API's ?cursor= (an offset, from a next_cursor) and
// ?limit= (1 to most, def when absent).
func offsetWindow(q *queryReader, def, most int) (offset, limit int) {
	offset = q.intIn("cursor", 0, 1<<30)
	limit = q.intIn("limit", 1, most)
	if limit == 0 {
		limit = def
	}
	return offset, limit
}

// pagedList is an API list answered a page at a time: the envelope of
// every list, with the number of items in all pages. The total is also in
// the X-Total-Count header.
type pagedList[T any] struct {
	list[T]
	Total int `json:"total"`
}

// sendPage answers items[offset:offset+limit] as a pagedList; the items
// come from a read model, so the answer is encoded once per state of the
// project under name (which names everything the items depend on).
func sendPage[T any](s *Server, c *fiber.Ctx, name string, items []T, offset, limit int) error {
	total := len(items)
	lo, hi := min(offset, total), min(offset+limit, total)
	next := ""
	if hi < total {
		next = strconv.Itoa(hi)
	}
	c.Set(totalCountHeader, strconv.Itoa(total))
	return s.sendCachedJSON(c, fmt.Sprintf("%s:%d:%d", name, lo, hi), func() (any, error) {
		return pagedList[T]{list: listOf(items[lo:hi], next), Total: total}, nil
	})
}
