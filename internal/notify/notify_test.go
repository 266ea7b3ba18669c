package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"rollout/internal/change"
	"rollout/internal/database"
	"rollout/internal/date"
	"rollout/internal/jobs"
	"rollout/internal/notify"
	"rollout/internal/requirement"
	"rollout/internal/risk"
)

// submitChange drafts and submits a change request as the business owner:
// the steering committee is asked to vote.
func (f *fixture) submitChange(db bun.IDB, title string) {
	f.t.Helper()
	ctx := context.Background()
	ops := []change.Operation{{Op: change.OpSetTier, Number: f.req, Tier: requirement.Important}}
	r, err := change.Create(ctx, db, f.owner.ID, f.p.ID, change.Input{Title: title, Reason: "Sales asked", Operations: ops})
	must(f.t, err)
	_, err = change.Submit(ctx, db, f.caller(f.owner), f.p.ID, r.Number, f.now)
	must(f.t, err)
}

func (f *fixture) addHook(kind, rawURL, secret string, events ...string) *notify.Webhook {
	f.t.Helper()
	h, err := notify.CreateWebhook(context.Background(), f.db, f.caller(f.pm), f.p.ID,
		notify.WebhookInput{Kind: kind, URL: rawURL, Secret: secret, Events: events})
	must(f.t, err)
	return h
}

func (f *fixture) sent() int {
	return f.count("SELECT count(*) FROM deliveries WHERE status = 'sent'")
}

// A submitted change request reaches each steering member by e-mail, in
// their language, with a link back, and each of the project's bots in the
// shape and with the signature its platform documents.
func TestVoteRequestReachesMailAndEveryBot(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bots := newHook(t, 0)
	f.addHook(notify.KindWeCom, bots.srv.URL+"/wecom?key=k1", "")
	f.addHook(notify.KindDingTalk, bots.srv.URL+"/dingtalk?access_token=t1", "SECd1ng")
	f.addHook(notify.KindFeishu, bots.srv.URL+"/feishu/hook/abc", "fe1shu")
	f.addHook(notify.KindGeneric, bots.srv.URL+"/generic", "g3neric", jobs.VoteRequested)
	f.addHook(notify.KindGeneric, bots.srv.URL+"/generic-other", "", jobs.GateReviewDecided) // wants another event
	f.submitChange(f.db, "Add WeChat leads")

	f.start(f.config())
	f.waitFor("two mails and four bot posts", func() bool { return f.sent() == 6 })

	mails := f.box.all()
	slices.SortFunc(mails, func(a, b received) int { return strings.Compare(a.To, b.To) })
	if len(mails) != 2 || mails[0].To != "sc1@x.cn" || mails[1].To != "sc2@x.cn" {
		t.Fatalf("mails: %+v", mails)
	}
	en, zh := mails[0], mails[1]
	if en.Subject != "[CRM] Your vote is requested: CRM-CR-1 Add WeChat leads" {
		t.Errorf("English subject %q", en.Subject)
	}
	if zh.Subject != "[CRM] 请您投票：CRM-CR-1 Add WeChat leads" {
		t.Errorf("Chinese subject %q", zh.Subject)
	}
	link := "https://rollout.example.com/projects/CRM/changes/1"
	if !strings.Contains(en.Text, "Bo submitted this change request") || !strings.Contains(en.Text, "Open in Rollout: "+link) {
		t.Errorf("English text:\n%s", en.Text)
	}
	if !strings.Contains(en.HTML, `<a href="`+link+`"`) || !strings.Contains(en.HTML, "<h1") {
		t.Errorf("English HTML:\n%s", en.HTML)
	}
	if !strings.Contains(zh.Text, "Bo 已将此变更申请提交给指导委员会。") || !strings.Contains(zh.HTML, "在 Rollout 中打开") {
		t.Errorf("Chinese mail:\n%s\n%s", zh.Text, zh.HTML)
	}
	if en.From != "rollout@example.com" {
		t.Errorf("from %q", en.From)
	}

	// WeCom: {"msgtype":"markdown","markdown":{"content":…}}, nothing else.
	we := bots.received("/wecom")
	if len(we) != 1 {
		t.Fatalf("WeCom got %d posts", len(we))
	}
	var wecom struct {
		MsgType  string            `json:"msgtype"`
		Markdown map[string]string `json:"markdown"`
	}
	strict(t, we[0].Body, &wecom)
	if wecom.MsgType != "markdown" || len(wecom.Markdown) != 1 ||
		!strings.HasPrefix(wecom.Markdown["content"], "### Your vote is requested: CRM-CR-1 Add WeChat leads\n") ||
		!strings.Contains(wecom.Markdown["content"], "[Open in Rollout]("+link+")") || we[0].Query != "key=k1" {
		t.Errorf("WeCom: %s %s", we[0].Query, we[0].Body)
	}

	// DingTalk: markdown with title and text; timestamp (ms) and sign in the
	// query, sign = base64(HMAC-SHA256(secret, timestamp+"\n"+secret)).
	dt := bots.received("/dingtalk")
	if len(dt) != 1 {
		t.Fatalf("DingTalk got %d posts", len(dt))
	}
	var ding struct {
		MsgType  string            `json:"msgtype"`
		Markdown map[string]string `json:"markdown"`
	}
	strict(t, dt[0].Body, &ding)
	if ding.MsgType != "markdown" || ding.Markdown["title"] != "Your vote is requested: CRM-CR-1 Add WeChat leads" ||
		!strings.Contains(ding.Markdown["text"], link) || len(ding.Markdown) != 2 {
		t.Errorf("DingTalk body %s", dt[0].Body)
	}
	q, _ := url.ParseQuery(dt[0].Query)
	ts := q.Get("timestamp")
	if ts != strconv.FormatInt(f.now.UnixMilli(), 10) || q.Get("access_token") != "t1" {
		t.Errorf("DingTalk query %s", dt[0].Query)
	}
	mac := hmac.New(sha256.New, []byte("SECd1ng"))
	mac.Write([]byte(ts + "\nSECd1ng"))
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); q.Get("sign") != want || !strings.Contains(dt[0].Query, "sign="+url.QueryEscape(want)) {
		t.Errorf("DingTalk sign %q, want %q (URL-encoded)", q.Get("sign"), want)
	}

	// Feishu: an interactive card; timestamp (s) and sign in the body,
	// sign = base64(HMAC-SHA256(key = timestamp+"\n"+secret, empty message)).
	fs := bots.received("/feishu")
	if len(fs) != 1 {
		t.Fatalf("Feishu got %d posts", len(fs))
	}
	var feishu struct {
		Timestamp string `json:"timestamp"`
		Sign      string `json:"sign"`
		MsgType   string `json:"msg_type"`
		Card      struct {
			Config map[string]bool `json:"config"`
			Header struct {
				Title    map[string]string `json:"title"`
				Template string            `json:"template"`
			} `json:"header"`
			Elements []map[string]any `json:"elements"`
		} `json:"card"`
	}
	strict(t, fs[0].Body, &feishu)
	if feishu.MsgType != "interactive" || feishu.Card.Header.Title["content"] != "Your vote is requested: CRM-CR-1 Add WeChat leads" ||
		feishu.Card.Header.Title["tag"] != "plain_text" || len(feishu.Card.Elements) != 2 || !strings.Contains(string(fs[0].Body), link) {
		t.Errorf("Feishu body %s", fs[0].Body)
	}
	if feishu.Timestamp != strconv.FormatInt(f.now.Unix(), 10) {
		t.Errorf("Feishu timestamp %q", feishu.Timestamp)
	}
	fmac := hmac.New(sha256.New, []byte(feishu.Timestamp+"\nfe1shu"))
	if want := base64.StdEncoding.EncodeToString(fmac.Sum(nil)); feishu.Sign != want {
		t.Errorf("Feishu sign %q, want %q", feishu.Sign, want)
	}

	// Generic: the documented payload, signed over the exact body.
	gs := bots.received("/generic")
	if len(gs) != 1 || gs[0].Path != "/generic" {
		t.Fatalf("generic webhooks got %d posts (the other one wants only decisions)", len(gs))
	}
	gmac := hmac.New(sha256.New, []byte("g3neric"))
	gmac.Write(gs[0].Body)
	if got := gs[0].Header.Get("X-Rollout-Signature"); got != "sha256="+hex.EncodeToString(gmac.Sum(nil)) {
		t.Errorf("signature %q", got)
	}
	var p notify.Payload
	strict(t, gs[0].Body, &p)
	if p.Event != "vote_requested" || p.Project == nil || p.Project.Key != "CRM" || p.URL != link || p.Delivery == "" ||
		gs[0].Header.Get("Idempotency-Key") != p.Delivery || p.Title != "Your vote is requested: CRM-CR-1 Add WeChat leads" {
		t.Errorf("generic payload %s", gs[0].Body)
	}
}

func strict(t *testing.T, body []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%v in %s", err, body)
	}
}

// A write that rolls back leaves no event behind; the same write committed
// leaves one.
func TestRolledBackWriteEnqueuesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	events := func() int { return f.count("SELECT count(*) FROM river_job WHERE kind = 'notify_event'") }
	boom := errors.New("the rest of the work failed")
	err := database.RunInTx(context.Background(), f.db, func(ctx context.Context, tx bun.Tx) error {
		f.submitChange(tx, "Rolled back")
		if n := f.count("SELECT count(*) FROM river_job WHERE kind = 'notify_event'"); n != 0 {
			t.Errorf("outside the transaction %d events are visible before it commits", n)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if n := events(); n != 0 {
		t.Fatalf("a rolled-back submit left %d events", n)
	}
	f.submitChange(f.db, "Committed")
	if n := events(); n != 1 {
		t.Fatalf("a committed submit left %d events, want 1", n)
	}
}

// A receiver that fails twice and then answers gets the message exactly
// once; one that always fails ends as a failed delivery an admin sees and
// may retry.
func TestFailingReceiverGetsTheMessageOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	flaky := newHook(t, 2)
	f.addHook(notify.KindGeneric, flaky.srv.URL+"/generic", "s")
	down := newHook(t, 1000)
	f.addHook(notify.KindWeCom, down.srv.URL+"/wecom", "")
	f.submitChange(f.db, "Flaky")

	cfg := f.config()
	cfg.Mailer = notify.Mailer{} // no e-mail here
	cfg.DeliverAttempts = 3
	var outcomesMu sync.Mutex
	outcomes := map[string]int{} // what the metrics hear: channel/outcome → attempts
	cfg.Delivered = func(channel, outcome string) {
		outcomesMu.Lock()
		defer outcomesMu.Unlock()
		outcomes[channel+"/"+outcome]++
	}
	f.start(cfg)
	f.waitFor("the generic delivery sent", func() bool { return f.sent() == 1 })
	f.waitFor("the WeCom delivery failed", func() bool {
		return f.count("SELECT count(*) FROM deliveries WHERE status = 'failed'") == 1
	})
	got := flaky.received("/generic")
	ok := 0
	for _, r := range got {
		if !r.Failed {
			ok++
		}
	}
	if len(got) != 3 || ok != 1 {
		t.Fatalf("the receiver saw %d posts, %d answered; want 3 and 1", len(got), ok)
	}
	if n := f.count("SELECT attempts FROM deliveries WHERE channel = 'generic'"); n != 3 {
		t.Errorf("attempts %d", n)
	}
	keys := map[string]bool{}
	for _, r := range got {
		keys[r.Header.Get("Idempotency-Key")] = true
	}
	if len(keys) != 1 {
		t.Errorf("retries carried different idempotency keys: %v", keys)
	}

	failed, err := notify.FailedDeliveries(context.Background(), f.db, 50)
	must(t, err)
	if len(failed) != 1 || failed[0].Channel != "wecom" || !strings.Contains(failed[0].LastError, "500") ||
		failed[0].ProjectKey != "CRM" || failed[0].Attempts != 3 {
		t.Fatalf("failed deliveries %+v", failed)
	}
	outcomesMu.Lock()
	if want := "map[generic/retry:2 generic/sent:1 wecom/failed:1 wecom/retry:2]"; fmt.Sprint(outcomes) != want {
		t.Errorf("delivery outcomes %v, want %s", outcomes, want)
	}
	outcomesMu.Unlock()
	// The receiver is back; an admin retries: it goes once, and the retry is audited.
	down.mu.Lock()
	down.fail = 0
	down.mu.Unlock()
	must(t, notify.RetryDelivery(context.Background(), f.db, f.pm.ID, failed[0].ID))
	f.waitFor("the retried delivery sent", func() bool { return f.sent() == 2 })
	if n := len(down.received("/wecom")); n != 4 {
		t.Errorf("WeCom saw %d posts, want 3 failed and 1 delivered", n)
	}
	if n := f.count("SELECT count(*) FROM audit_entries WHERE entity = 'delivery' AND action = 'retry'"); n != 1 {
		t.Errorf("%d retry audit entries", n)
	}
	if err := notify.RetryDelivery(context.Background(), f.db, f.pm.ID, failed[0].ID); err == nil {
		t.Error("a sent delivery could be retried")
	}
}

// Two Rollout instances (two River clients) on one database: the sweep is
// River's periodic job, enqueued by the elected leader only, and its
// notifications are keyed by item and due date, so the owner hears once.
func TestTwoInstancesSendASweepOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, err := risk.Create(ctx, f.db, f.pm.ID, f.p.ID, risk.Input{Title: "Dirty customer data", Category: risk.DataMigration,
		Probability: 4, Impact: 4, OwnerID: f.member.ID, NextReviewOn: date.New(2026, 6, 1)}, date.New(2026, 5, 1))
	must(t, err)
	bots := newHook(t, 0)
	f.addHook(notify.KindGeneric, bots.srv.URL+"/generic", "", jobs.RiskReviewDue)

	a, b := f.config(), f.config()
	a.ID, b.ID = "rollout-a", "rollout-b"
	sa, sb := f.start(a), f.start(b)
	f.waitFor("the owner's mail and the bot's post", func() bool { return f.sent() == 2 })
	// Sweeping again, on either instance, finds the same keys.
	_, err = sa.SweepDue(ctx)
	must(t, err)
	_, err = sb.SweepDue(ctx)
	must(t, err)
	f.waitFor("the events worked", func() bool {
		return f.count("SELECT count(*) FROM river_job WHERE kind = 'notify_event' AND state <> 'completed'") == 0
	})
	mails := f.box.all()
	if len(mails) != 1 || mails[0].To != "mo@x.cn" || mails[0].Subject != "[CRM] Risk review due: CRM-R-1 Dirty customer data" {
		t.Fatalf("mails %+v", mails)
	}
	if !strings.Contains(mails[0].Text, "The review was due on 2026-06-01; the score is 16.") {
		t.Errorf("text:\n%s", mails[0].Text)
	}
	if n := len(bots.received("/generic")); n != 1 {
		t.Errorf("the bot got %d posts", n)
	}
	if n := f.count("SELECT count(*) FROM river_job WHERE kind = 'notify_sweep'"); n != 1 {
		t.Errorf("the periodic sweep ran %d times on two instances", n)
	}
}

// A user who chose the daily digest gets one mail with every event held
// for it, and none as they happen; events left out of their choice never come.
func TestDailyDigestAndChosenEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	must(t, notify.SetPrefs(ctx, f.db, f.sc1.ID, []string{jobs.VoteRequested, jobs.Mention}, true))
	must(t, notify.SetPrefs(ctx, f.db, f.sc2.ID, []string{jobs.Mention}, false)) // no votes by e-mail
	f.submitChange(f.db, "First")
	f.submitChange(f.db, "Second")
	s := f.start(f.config())
	f.waitFor("two lines held for the digest", func() bool {
		return f.count("SELECT count(*) FROM notification_digest WHERE user_id = ?", f.sc1.ID) == 2 &&
			f.count("SELECT count(*) FROM river_job WHERE kind = 'notify_event' AND state <> 'completed'") == 0
	})
	if n := len(f.box.all()); n != 0 {
		t.Fatalf("%d mails before the digest", n)
	}
	must(t, s.SendDigests(ctx))
	f.waitFor("the digest sent", func() bool { return f.sent() == 1 })
	mails := f.box.all()
	if len(mails) != 1 || mails[0].To != "sc1@x.cn" || mails[0].Subject != "Your daily digest: 2 updates" ||
		!strings.Contains(mails[0].Text, "[CRM] Your vote is requested: CRM-CR-1 First") ||
		!strings.Contains(mails[0].Text, "[CRM] Your vote is requested: CRM-CR-2 Second") {
		t.Fatalf("digest %+v", mails)
	}
	must(t, s.SendDigests(ctx)) // nothing left: nothing sent
	if n := f.count("SELECT count(*) FROM deliveries"); n != 1 {
		t.Fatalf("%d deliveries after a second round", n)
	}
}
