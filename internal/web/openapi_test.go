package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"rollout/internal/web/openapi"
)

// apiDocument is the OpenAPI document, loaded and validated once for the
// whole test binary, with a router to find an operation from a request.
var apiDocument = sync.OnceValues(func() (*apiContract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapi.Source)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &apiContract{doc: doc, router: router}, nil
})

type apiContract struct {
	doc    *openapi3.T
	router routers.Router
}

func loadAPIDocument(t *testing.T) *apiContract {
	t.Helper()
	c, err := apiDocument()
	if err != nil {
		t.Fatalf("internal/web/openapi/openapi.yaml: %v", err)
	}
	return c
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	c := loadAPIDocument(t)
	if !c.doc.IsOpenAPI31OrLater() {
		t.Errorf("the document says openapi %q, want 3.1", c.doc.OpenAPI)
	}
	// Every operation names an id (generated clients need one) and says
	// what it answers when the caller is not signed in, except the public ones.
	ids := map[string]string{}
	for path, item := range c.doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s has no operationId", where)
			} else if other, ok := ids[op.OperationID]; ok {
				t.Errorf("%s and %s share the operationId %q", where, other, op.OperationID)
			}
			ids[op.OperationID] = where
			public := op.Security != nil && len(*op.Security) == 0
			if !public && op.Responses.Status(http.StatusUnauthorized) == nil {
				t.Errorf("%s does not document its 401", where)
			}
		}
	}
}

// TestOpenAPICoversTheRouteTable walks the route table: every /api/v1 route is
// in the document, and the document names no route the table lacks.
func TestOpenAPICoversTheRouteTable(t *testing.T) {
	c := loadAPIDocument(t)
	param := regexp.MustCompile(`:([A-Za-z_]+)`)
	inTable := map[string]bool{}
	for _, r := range (&Server{}).routes() {
		if !strings.HasPrefix(r.path, "/api/v1/") {
			continue
		}
		key := r.method + " " + param.ReplaceAllString(r.path, "{$1}")
		inTable[key] = true
	}
	inDocument := map[string]bool{}
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			inDocument[method+" "+path] = true
		}
	}
	var missing, extra []string
	for k := range inTable {
		if !inDocument[k] {
			missing = append(missing, k)
		}
	}
	for k := range inDocument {
		if !inTable[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	if len(missing) > 0 {
		t.Errorf("routes of routes.go missing from internal/web/openapi/openapi.yaml:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(extra) > 0 {
		t.Errorf("routes of internal/web/openapi/openapi.yaml that routes.go does not serve:\n  %s", strings.Join(extra, "\n  "))
	}
}

func TestOpenAPIServedWithoutSignIn(t *testing.T) {
	app, _ := testApp(t)
	r := newBrowser(t, app).get("/api/v1/openapi.json")
	expectStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	r.decode(t, &doc)
	if doc.OpenAPI != "3.1.0" || doc.Paths["/api/v1/projects/{key}/requirements/{number}"] == nil {
		t.Errorf("served document: openapi %q, %d paths", doc.OpenAPI, len(doc.Paths))
	}
	// What is served is the checked source, whole.
	loader := openapi3.NewLoader()
	served, err := loader.LoadFromData([]byte(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if err := served.Validate(loader.Context); err != nil {
		t.Errorf("the served document does not validate: %v", err)
	}
}

// checkAgainstOpenAPI validates one API exchange of a test against the
// document: the answer always, and the request when the server accepted it
// (a request the API takes must be one the document allows). Requests a test
// makes on purpose to a path the API does not have (404, 405) are skipped.
func checkAgainstOpenAPI(t *testing.T, req *http.Request, body []byte, res *http.Response, answer []byte) {
	t.Helper()
	c := loadAPIDocument(t)
	r := req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := c.router.FindRoute(r)
	if err != nil {
		if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("OpenAPI: %s %s answered %d, but internal/web/openapi/openapi.yaml has no such operation (%v)",
				req.Method, req.URL.Path, res.StatusCode, err)
		}
		return
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: opts}
	if res.StatusCode < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("OpenAPI: the server accepted %s %s (%d) but the document refuses the request %s:\n%v",
				req.Method, req.URL.RequestURI(), res.StatusCode, clip(body), err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode,
		Header: res.Header, Options: opts}
	out.SetBodyBytes(answer)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("OpenAPI: the answer of %s %s (%d) does not match the document:\n%v\nanswer: %s",
			req.Method, req.URL.RequestURI(), res.StatusCode, err, clip(answer))
	}
}

// clip keeps an error message readable.
func clip(b []byte) string {
	const max = 600
	if !json.Valid(b) && len(b) == 0 {
		return "(empty)"
	}
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
