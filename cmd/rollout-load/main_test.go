package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestLoadCountsEveryRequestAndSkipsMissingPages(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/dashboard") {
			http.NotFound(w, r)
			return
		}
		calls.Add(1)
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	var out, errOut strings.Builder
	code := run(context.Background(), []string{"-base", srv.URL, "-c", "3", "-n", "50"},
		func(k string) string { return map[string]string{"ROLLOUT_TOKEN": "secret"}[k] }, &out, &errOut)
	if code != 0 {
		t.Fatalf("%d %s %s", code, out.String(), errOut.String())
	}
	// One warm-up request per page, then exactly -n.
	if got := calls.Load(); got != int64(50+len(endpoints)-1) {
		t.Fatalf("%d requests", got)
	}
	for _, want := range []string{"skipping /projects/LARGE/dashboard", "over 14 endpoints", "GET /api/v1/projects/LARGE/risks",
		"overall", "50 requests in", "0 errors"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestLoadRefusesMistakes(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-base", "http://example.com:8080", "-token", "x"}, "is not on this machine"},
		{[]string{"-base", "ftp://127.0.0.1", "-token", "x"}, "is not a web address"},
		{[]string{}, "-token is missing"},
		{[]string{"-token", "x", "-c", "0"}, "-c 0"},
		{[]string{"-token", "x", "-n", "0"}, "-n 0"},
	} {
		var out, errOut strings.Builder
		code := run(context.Background(), c.args, func(string) string { return "" }, &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%v: %d %q", c.args, code, errOut.String())
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusUnauthorized) }))
	defer srv.Close()
	var out, errOut strings.Builder
	if code := run(context.Background(), []string{"-base", srv.URL, "-token", "bad"}, func(string) string { return "" }, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "the token is not valid here") {
		t.Errorf("bad token: %d %q", code, errOut.String())
	}
}
