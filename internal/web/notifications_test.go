package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// Project managers set up bots through the API and the settings page; the
// secret never comes back; others may not; bad input writes nothing.
func TestWebhooksAPIAndSettingsPage(t *testing.T) {
	t.Parallel()
	ct := newChangeTeam(t)
	path := "/api/v1/projects/CRM/webhooks"
	count := func() int64 {
		var n int64
		err := ct.db.NewRaw("SELECT count(*) FROM project_webhooks").Scan(context.Background(), &n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	r := ct.pm.api(http.MethodPost, path, map[string]any{"kind": "slack", "url": "ftp://x", "events": []string{"lunch"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	expectContains(t, r, "Choose generic, WeCom, DingTalk or Feishu.", "Enter the full address of the bot or webhook", "Choose events from the list.")
	expectStatus(t, ct.pm.api(http.MethodPost, path, map[string]any{"kind": "wecom", "url": "https://x", "token": "x"}), http.StatusUnprocessableEntity)
	expectStatus(t, ct.bo.api(http.MethodPost, path, map[string]any{"kind": "wecom", "url": "https://qyapi.weixin.qq.com/x"}), http.StatusForbidden)
	expectStatus(t, ct.bo.api(http.MethodGet, path, nil), http.StatusForbidden)
	if n := count(); n != 0 {
		t.Fatalf("%d webhooks written by bad requests", n)
	}

	r = ct.pm.api(http.MethodPost, path, map[string]any{"kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
		"secret": "SECtop", "events": []string{"gate_review_decided", "change_applied"}})
	expectStatus(t, r, http.StatusCreated)
	if strings.Contains(r.body, "SECtop") || !strings.Contains(r.body, `"has_secret":true`) {
		t.Fatalf("created: %s", r.body)
	}
	var created struct{ ID int64 }
	r.decode(t, &created)
	r = ct.pm.api(http.MethodGet, path, nil)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, `"kind":"dingtalk"`, `"events":["gate_review_decided","change_applied"]`)
	if strings.Contains(r.body, "SECtop") {
		t.Fatal("the list shows the secret")
	}
	page := ct.pm.get("/projects/CRM/webhooks")
	expectStatus(t, page, http.StatusOK)
	expectContains(t, page, "DingTalk bot", "Signed", "Gate review decided, Change request applied", "Send a test message")
	if strings.Contains(page.body, "SECtop") {
		t.Fatal("the page shows the secret")
	}
	var audited string
	if err := ct.db.NewRaw("SELECT after::text FROM audit_entries WHERE entity = 'webhook'").Scan(context.Background(), &audited); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(audited, "SECtop") || strings.Contains(audited, "access_token") {
		t.Fatalf("the audit keeps %s", audited)
	}

	// "Send a test message" reaches a generic webhook now, signed.
	var got atomic.Int32
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("X-Rollout-Signature"), "sha256=") {
			got.Add(1)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	r = ct.pm.post("/projects/CRM/webhooks", url.Values{"kind": {"generic"}, "url": {recv.URL + "/hook"}, "secret": {"s3"}})
	expectStatus(t, r, http.StatusSeeOther)
	var generic int64
	if err := ct.db.NewRaw("SELECT id FROM project_webhooks WHERE kind = 'generic'").Scan(context.Background(), &generic); err != nil {
		t.Fatal(err)
	}
	r = ct.pm.post("/projects/CRM/webhooks/"+itoa(generic)+"/test", nil)
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "The test message was delivered.")
	if got.Load() != 1 {
		t.Fatalf("the receiver got %d signed test messages", got.Load())
	}

	expectStatus(t, ct.bo.api(http.MethodDelete, path+"/"+itoa(created.ID), nil), http.StatusForbidden)
	expectStatus(t, ct.pm.api(http.MethodDelete, path+"/"+itoa(created.ID), nil), http.StatusNoContent)
	expectStatus(t, ct.pm.api(http.MethodDelete, path+"/"+itoa(created.ID), nil), http.StatusNotFound)
	if n := count(); n != 1 {
		t.Fatalf("%d webhooks left", n)
	}
}

// A user chooses which events reach them by e-mail and when; admins see
// failed deliveries with the error and may retry them.
func TestEmailPreferencesAndFailedDeliveries(t *testing.T) {
	t.Parallel()
	ct := newChangeTeam(t)
	expectStatus(t, ct.bo.post("/account/notifications", url.Values{"events": {"mention", "change_applied"}, "digest": {"true"}}), http.StatusSeeOther)
	r := ct.bo.get("/account")
	expectContains(t, r, `value="mention" checked`, `value="change_applied" checked`, `name="digest" value="true" checked`)
	if strings.Contains(r.body, `value="vote_requested" checked`) {
		t.Fatal("an event left out is still ticked")
	}

	ctx := context.Background()
	var id int64
	if err := ct.db.NewRaw(`INSERT INTO deliveries (key, event, channel, target, status, attempts, last_error, message)
	    VALUES ('k', 'mention', 'wecom', '1', 'failed', 8, 'the receiver answered 502 Bad Gateway', '{"title":"Ada mentioned you"}') RETURNING id`).
		Scan(ctx, &id); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, ct.bo.get("/admin/deliveries"), http.StatusForbidden)
	r = ct.pm.get("/admin/deliveries")
	expectStatus(t, r, http.StatusOK)
	expectContains(t, r, "Failed deliveries", "Ada mentioned you", "the receiver answered 502 Bad Gateway", "8 attempts", "Retry")
	expectStatus(t, ct.pm.post("/admin/deliveries/"+itoa(id)+"/retry", nil), http.StatusSeeOther)
	var status string
	if err := ct.db.NewRaw("SELECT status FROM deliveries WHERE id = ?", id).Scan(ctx, &status); err != nil || status != "pending" {
		t.Fatalf("status %q (%v)", status, err)
	}
	var jobs int
	if err := ct.db.NewRaw("SELECT count(*) FROM river_job WHERE kind = 'notify_deliver'").Scan(ctx, &jobs); err != nil || jobs != 1 {
		t.Fatalf("%d delivery jobs (%v)", jobs, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
