package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	mail "github.com/wneessen/go-mail"
)

// Message is what one delivery sends, already in its reader's language. It
// is stored with the delivery, so a retry (River's or an admin's) sends the
// very same message.
type Message struct {
	Event       string   `json:"event"`
	ProjectKey  string   `json:"project_key,omitempty"`
	ProjectName string   `json:"project_name,omitempty"`
	Title       string   `json:"title"`           // the headline: the mail's subject, the card's title
	Lines       []string `json:"lines,omitempty"` // what follows, one paragraph each
	// Sections follow the lines, each a heading and its items (the weekly
	// report); most messages have none.
	Sections []Section `json:"sections,omitempty"`
	Link     string    `json:"url,omitempty"` // back to the item in Rollout
	LinkText string    `json:"link_text,omitempty"`
	Footer   string    `json:"footer,omitempty"`
	At       time.Time `json:"occurred_at"`
	Lang     string    `json:"lang"`
	To       string    `json:"to,omitempty"` // the recipient's address (e-mail)
	ToName   string    `json:"to_name,omitempty"`
}

// Section is a headed list of a message: "Milestones done" and its items.
type Section struct {
	Heading string   `json:"heading"`
	Items   []string `json:"items"`
}

// Mailer sends e-mail over SMTP with github.com/wneessen/go-mail.
type Mailer struct {
	URL  string // ROLLOUT_SMTP_URL: smtp://user:pass@host:587 (STARTTLS when offered), smtps://… (TLS), smtp+plain://… (never TLS)
	From string // ROLLOUT_MAIL_FROM: "Rollout <rollout@example.com>" or an address
}

// Configured reports whether e-mail can be sent at all.
func (m Mailer) Configured() bool { return m.URL != "" && m.From != "" }

func (m Mailer) client() (*mail.Client, error) {
	u, err := url.Parse(m.URL)
	if err != nil || u.Hostname() == "" {
		return nil, errors.New("ROLLOUT_SMTP_URL is not an smtp:// or smtps:// address")
	}
	opts := []mail.Option{mail.WithTimeout(20 * time.Second)}
	port := 0
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, errors.New("ROLLOUT_SMTP_URL has no valid port")
		}
	}
	switch u.Scheme {
	case "smtps":
		opts = append(opts, mail.WithSSL(), mail.WithPort(cmp(port, 465)))
	case "smtp":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic), mail.WithPort(cmp(port, 587)))
	case "smtp+plain":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS), mail.WithPort(cmp(port, 25)))
	default:
		return nil, errors.New("ROLLOUT_SMTP_URL is not an smtp:// or smtps:// address")
	}
	if u.User != nil && u.User.Username() != "" {
		pw, _ := u.User.Password()
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(u.User.Username()), mail.WithPassword(pw))
	}
	return mail.NewClient(u.Hostname(), opts...)
}

func cmp(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// Send mails msg to msg.To as text and HTML.
func (m Mailer) Send(ctx context.Context, msg Message) error {
	if !m.Configured() {
		return errors.New("e-mail is not set up: set ROLLOUT_SMTP_URL and ROLLOUT_MAIL_FROM")
	}
	c, err := m.client()
	if err != nil {
		return err
	}
	em := mail.NewMsg()
	if err := em.From(m.From); err != nil {
		return fmt.Errorf("ROLLOUT_MAIL_FROM: %w", err)
	}
	if err := em.AddToFormat(msg.ToName, msg.To); err != nil {
		return err
	}
	subject := msg.Title
	if msg.ProjectKey != "" {
		subject = "[" + msg.ProjectKey + "] " + subject
	}
	em.Subject(subject)
	em.SetDate()
	em.SetMessageID()
	text, html, err := renderMail(msg)
	if err != nil {
		return err
	}
	em.SetBodyString(mail.TypeTextPlain, text)
	em.AddAlternativeString(mail.TypeTextHTML, html)
	return c.DialAndSendWithContext(ctx, em)
}

var mailText = texttemplate.Must(texttemplate.New("text").Parse(`{{.Title}}
{{if .ProjectName}}{{.ProjectName}} ({{.ProjectKey}})
{{end}}
{{range .Lines}}{{.}}

{{end}}{{range .Sections}}{{.Heading}}
{{range .Items}}  - {{.}}
{{end}}
{{end}}{{if .Link}}{{.LinkText}}: {{.Link}}
{{end}}{{if .Footer}}
-- 
{{.Footer}}
{{end}}`))

var mailHTML = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body style="font-family: -apple-system, 'Segoe UI', 'PingFang SC', 'Microsoft YaHei', sans-serif; color: #1f2933; line-height: 1.5">
{{if .ProjectName}}<p style="color: #52606d; margin: 0">{{.ProjectName}} ({{.ProjectKey}})</p>{{end}}
<h1 style="font-size: 20px; margin: 4px 0 12px">{{.Title}}</h1>
{{range .Lines}}<p>{{.}}</p>
{{end}}{{range .Sections}}<h2 style="font-size: 16px; margin: 16px 0 4px">{{.Heading}}</h2>
<ul style="margin: 0; padding-left: 20px">{{range .Items}}<li>{{.}}</li>{{end}}</ul>
{{end}}{{if .Link}}<p><a href="{{.Link}}" style="color: #1d4ed8">{{.LinkText}}</a></p>{{end}}
{{if .Footer}}<p style="color: #7b8794; font-size: 12px; border-top: 1px solid #e4e7eb; padding-top: 8px">{{.Footer}}</p>{{end}}
</body></html>`))

func renderMail(msg Message) (text, html string, err error) {
	var t, h bytes.Buffer
	if err := mailText.Execute(&t, msg); err != nil {
		return "", "", err
	}
	if err := mailHTML.Execute(&h, msg); err != nil {
		return "", "", err
	}
	return t.String(), h.String(), nil
}

// markdown is the message as the markdown WeCom and DingTalk show.
func markdown(msg Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n", msg.Title)
	if msg.ProjectName != "" {
		fmt.Fprintf(&b, "> %s (%s)\n\n", msg.ProjectName, msg.ProjectKey)
	}
	for _, l := range msg.Lines {
		b.WriteString(l + "\n\n")
	}
	for _, sec := range msg.Sections {
		fmt.Fprintf(&b, "**%s**\n", sec.Heading)
		for _, it := range sec.Items {
			b.WriteString("- " + it + "\n")
		}
		b.WriteString("\n")
	}
	if msg.Link != "" {
		fmt.Fprintf(&b, "[%s](%s)\n", msg.LinkText, msg.Link)
	}
	return b.String()
}

// Payload is the JSON body of a generic webhook (README: "Generic webhook").
type Payload struct {
	Event      string    `json:"event"`
	Project    *Project  `json:"project,omitempty"`
	Title      string    `json:"title"`
	Lines      []string  `json:"lines"`
	Sections   []Section `json:"sections,omitempty"`
	URL        string    `json:"url,omitempty"`
	OccurredAt time.Time `json:"occurred_at"`
	Delivery   string    `json:"delivery"` // the idempotency key: the same for every retry of one message
}

// Project names the project of a generic webhook's payload.
type Project struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// Sign is the generic webhook's X-Rollout-Signature value for body.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// DingTalkSign is DingTalk's documented signature: base64 of
// HMAC-SHA256(key = secret, message = timestamp + "\n" + secret), with the
// timestamp in milliseconds; it goes URL-encoded in the query.
func DingTalkSign(secret string, timestampMS int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestampMS, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// FeishuSign is Feishu/Lark's documented signature: base64 of
// HMAC-SHA256(key = timestamp + "\n" + secret, message = empty), with the
// timestamp in seconds; both go in the JSON body.
func FeishuSign(secret string, timestampS int64) string {
	mac := hmac.New(sha256.New, []byte(strconv.FormatInt(timestampS, 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Post sends msg to a group bot or webhook of kind at rawURL, signed with
// secret when there is one. key is the delivery's idempotency key, sent as
// the generic payload's "delivery" and the Idempotency-Key header.
func Post(ctx context.Context, client *http.Client, kind, rawURL, secret, key string, msg Message, now time.Time) error {
	var body any
	target := rawURL
	switch kind {
	case KindWeCom:
		body = map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": capBytes(markdown(msg), wecomMax)}}
	case KindDingTalk:
		body = map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": msg.Title, "text": markdown(msg)}}
		if secret != "" {
			ts := now.UnixMilli()
			u, err := url.Parse(rawURL)
			if err != nil {
				return err
			}
			q := u.Query()
			q.Set("timestamp", strconv.FormatInt(ts, 10))
			q.Set("sign", DingTalkSign(secret, ts))
			u.RawQuery = q.Encode()
			target = u.String()
		}
	case KindFeishu:
		card := feishuCard(msg)
		m := map[string]any{"msg_type": "interactive", "card": card}
		if secret != "" {
			ts := now.Unix()
			m["timestamp"] = strconv.FormatInt(ts, 10)
			m["sign"] = FeishuSign(secret, ts)
		}
		body = m
	case KindGeneric:
		p := Payload{Event: msg.Event, Title: msg.Title, Lines: msg.Lines, Sections: msg.Sections, URL: msg.Link, OccurredAt: msg.At, Delivery: key}
		if p.Lines == nil {
			p.Lines = []string{}
		}
		if msg.ProjectKey != "" {
			p.Project = &Project{Key: msg.ProjectKey, Name: msg.ProjectName}
		}
		body = p
	default:
		return fmt.Errorf("unknown kind of webhook %q", kind)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(raw))
	if err != nil {
		return errors.New("the webhook's address is not valid")
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Rollout")
	if kind == KindGeneric {
		req.Header.Set("Idempotency-Key", key)
		if secret != "" {
			req.Header.Set("X-Rollout-Signature", Sign(secret, raw))
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Errorf("%s %s: %w", ue.Op, redactURL(target), ue.Err) // the bot URL holds its token
		}
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("the receiver answered %s: %s", resp.Status, strings.TrimSpace(string(answer)))
	}
	if kind != KindGeneric { // the platforms answer 200 with an error code in the body
		var r struct {
			ErrCode *int   `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
			Code    *int   `json:"code"`
			Msg     string `json:"msg"`
		}
		if json.Unmarshal(answer, &r) == nil {
			if r.ErrCode != nil && *r.ErrCode != 0 {
				return fmt.Errorf("the bot refused the message: %d %s", *r.ErrCode, r.ErrMsg)
			}
			if r.Code != nil && *r.Code != 0 {
				return fmt.Errorf("the bot refused the message: %d %s", *r.Code, r.Msg)
			}
		}
	}
	return nil
}

// wecomMax is how many bytes of markdown a WeCom bot takes (its documented
// limit is 4096); a longer message is cut with its link kept.
const wecomMax = 4000

// capBytes cuts a message's markdown to max bytes on a line boundary,
// keeping its last line (the link back).
func capBytes(md string, max int) string {
	if len(md) <= max {
		return md
	}
	body, link := md, ""
	if i := strings.LastIndex(strings.TrimRight(md, "\n"), "\n"); i > 0 {
		body, link = md[:i+1], md[i+1:]
	}
	room := max - len(link) - len("…\n\n")
	if room < 0 {
		room = 0
	}
	cut := body[:min(room, len(body))]
	if i := strings.LastIndex(cut, "\n"); i > 0 {
		cut = cut[:i+1]
	}
	return cut + "…\n\n" + link
}

// feishuCard is an interactive card: a header with the title, the lines as
// markdown, and a button back to Rollout.
func feishuCard(msg Message) map[string]any {
	elements := []any{}
	text := strings.Join(msg.Lines, "\n")
	for _, sec := range msg.Sections {
		text += "\n**" + sec.Heading + "**"
		for _, it := range sec.Items {
			text += "\n- " + it
		}
	}
	if msg.ProjectName != "" {
		text = msg.ProjectName + " (" + msg.ProjectKey + ")\n" + text
	}
	elements = append(elements, map[string]any{"tag": "div", "text": map[string]string{"tag": "lark_md", "content": text}})
	if msg.Link != "" {
		elements = append(elements, map[string]any{"tag": "action", "actions": []any{map[string]any{
			"tag": "button", "type": "primary", "url": msg.Link,
			"text": map[string]string{"tag": "plain_text", "content": msg.LinkText},
		}}})
	}
	return map[string]any{
		"config":   map[string]bool{"wide_screen_mode": true},
		"header":   map[string]any{"title": map[string]string{"tag": "plain_text", "content": msg.Title}, "template": "blue"},
		"elements": elements,
	}
}

// redactURL keeps a bot URL's host and path but not its query (the access
// token of a DingTalk bot, a WeCom key).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(the webhook's address)"
	}
	u.RawQuery, u.User = "", nil
	s := u.String()
	if i := strings.LastIndex(s, "/"); i > len(u.Scheme)+3 && len(s)-i > 12 { // a token as the last path segment
		s = s[:i] + "/…"
	}
	return s
}
