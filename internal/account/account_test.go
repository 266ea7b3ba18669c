package account

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const testPassword = "correct horse battery"

// mustCreate adds a user with testPassword, created by the command line (actor 0).
func mustCreate(t *testing.T, db bun.IDB, email, name string) *User {
	t.Helper()
	u, err := Create(context.Background(), db, 0, NewUser{Email: email, Name: name, Password: testPassword})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

// fieldMessage returns the message ID of one field of an Invalid error, or
// fails the test when err is not Invalid on that field.
func fieldMessage(t *testing.T, err error, field string) string {
	t.Helper()
	ae, ok := err.(*apperr.Error)
	if !ok || ae.Kind != apperr.KindInvalid {
		t.Fatalf("want Invalid on %q, got %v", field, err)
	}
	m, ok := ae.Fields[field]
	if !ok {
		t.Fatalf("want an error on %q, got %v", field, ae.Fields)
	}
	return m.ID
}

func countRows(t *testing.T, db bun.IDB, table string) int64 {
	t.Helper()
	n, err := db.NewSelect().Table(table).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// trail returns the audit entries of one item, newest first.
func trail(t *testing.T, db bun.IDB, entity string, id any) []audit.Entry {
	t.Helper()
	es, err := audit.List(context.Background(), db, audit.Filter{Entity: entity, EntityID: fmt.Sprint(id)})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func signIn(t *testing.T, db bun.IDB, email, password string) string {
	t.Helper()
	_, token, err := SignIn(context.Background(), db, email, password, "192.0.2.1", "", time.Now())
	if err != nil {
		t.Fatalf("sign in %s: %v", email, err)
	}
	return token
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()

	u, err := Create(ctx, db, 0, NewUser{Email: "  Alice@Example.com ", Name: " Alice ", Password: testPassword, Language: "zh-CN"})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Email != "Alice@Example.com" || u.Name != "Alice" || u.Language != "zh-CN" ||
		u.IsAdmin || u.Disabled || u.Version != 1 || u.PasswordHash == testPassword {
		t.Fatalf("created %+v", u)
	}
	got, err := ByEmail(ctx, db, "alice@EXAMPLE.com")
	if err != nil || got.ID != u.ID {
		t.Fatalf("by email: %v %v", got, err)
	}

	// The language defaults to English.
	b, err := Create(ctx, db, u.ID, NewUser{Email: "bob@example.com", Name: "Bob", Password: testPassword, IsAdmin: true})
	if err != nil || b.Language != "en" || !b.IsAdmin {
		t.Fatalf("bob: %+v %v", b, err)
	}

	// The write is in the trail, without the password hash.
	es := trail(t, db, "user", u.ID)
	if len(es) != 1 || es[0].Action != audit.Create || es[0].ActorID != nil {
		t.Fatalf("trail %+v", es)
	}
	if strings.Contains(string(es[0].After), "$2a$") || strings.Contains(string(es[0].After), "password") {
		t.Fatalf("the trail holds the password: %s", es[0].After)
	}
	if !strings.Contains(string(es[0].After), "Alice@Example.com") {
		t.Fatalf("the trail lacks the email: %s", es[0].After)
	}
	if es := trail(t, db, "user", b.ID); len(es) != 1 || es[0].ActorID == nil || *es[0].ActorID != u.ID {
		t.Fatalf("bob's trail %+v", es)
	}
}

func TestCreateUserEmailIsUniqueWhateverItsCase(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	mustCreate(t, db, "alice@example.com", "Alice")
	users, entries := countRows(t, db, "users"), countRows(t, db, "audit_entries")

	_, err := Create(context.Background(), db, 0, NewUser{Email: "ALICE@example.COM", Name: "Other Alice", Password: testPassword})
	if id := fieldMessage(t, err, "email"); id != "account.email_taken" {
		t.Fatalf("message %q", id)
	}
	if countRows(t, db, "users") != users || countRows(t, db, "audit_entries") != entries {
		t.Fatal("a refused user was written")
	}
}

func TestCreateUserRefusesBadInput(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	for _, c := range []struct {
		in    NewUser
		field string
		msg   string
	}{
		{NewUser{Email: "not-an-email", Name: "X", Password: testPassword}, "email", "validation.email"},
		{NewUser{Email: "", Name: "X", Password: testPassword}, "email", "validation.required"},
		{NewUser{Email: "x@example.com", Name: "   ", Password: testPassword}, "name", "validation.required"},
		{NewUser{Email: "x@example.com", Name: "X", Password: testPassword, Language: "fr"}, "language", "validation.oneof"},
		{NewUser{Email: "x@example.com", Name: "X", Password: ""}, "password", "validation.required"},
	} {
		_, err := Create(ctx, db, 0, c.in)
		if id := fieldMessage(t, err, c.field); id != c.msg {
			t.Errorf("%+v: message %q, want %q", c.in, id, c.msg)
		}
	}
	if n := countRows(t, db, "users"); n != 0 {
		t.Fatalf("%d users written", n)
	}
	if n := countRows(t, db, "audit_entries"); n != 0 {
		t.Fatalf("%d audit entries written", n)
	}
}

func TestPasswordRules(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	create := func(email, pw string) error {
		_, err := Create(ctx, db, 0, NewUser{Email: email, Name: "P", Password: pw})
		return err
	}
	if id := fieldMessage(t, create("a@example.com", "123456789"), "password"); id != "validation.password_short" {
		t.Fatalf("9 characters: %q", id)
	}
	// Characters count, not bytes: nine Chinese characters are 27 bytes and still too short.
	if id := fieldMessage(t, create("b@example.com", "一二三四五六七八九"), "password"); id != "validation.password_short" {
		t.Fatalf("9 Chinese characters: %q", id)
	}
	// bcrypt reads at most 72 bytes; a longer password would be cut silently.
	if id := fieldMessage(t, create("c@example.com", strings.Repeat("x", 73)), "password"); id != "validation.password_long" {
		t.Fatalf("73 bytes: %q", id)
	}
	if id := fieldMessage(t, create("d@example.com", strings.Repeat("密", 25)), "password"); id != "validation.password_long" {
		t.Fatalf("75 bytes in 25 characters: %q", id)
	}
	if n := countRows(t, db, "users"); n != 0 {
		t.Fatalf("%d users written", n)
	}
	if err := create("e@example.com", "1234567890"); err != nil {
		t.Fatalf("10 characters: %v", err)
	}
	if err := create("f@example.com", strings.Repeat("x", 72)); err != nil {
		t.Fatalf("72 bytes: %v", err)
	}
	signIn(t, db, "f@example.com", strings.Repeat("x", 72))
	if _, _, err := SignIn(ctx, db, "f@example.com", strings.Repeat("x", 71), "192.0.2.1", "", time.Now()); err == nil {
		t.Fatal("a shorter password signed in")
	}
}

func TestUpdateProfile(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	u := mustCreate(t, db, "alice@example.com", "Alice")

	got, err := UpdateProfile(ctx, db, u.ID, Profile{Name: " Alice Liddell ", Language: "zh-CN", Version: u.Version})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Alice Liddell" || got.Language != "zh-CN" || got.Version != u.Version+1 {
		t.Fatalf("updated %+v", got)
	}
	stored, _ := ByID(ctx, db, u.ID)
	if stored.Name != "Alice Liddell" || stored.Language != "zh-CN" || stored.Version != 2 {
		t.Fatalf("stored %+v", stored)
	}
	es := trail(t, db, "user", u.ID)
	if len(es) != 2 || es[0].Action != audit.Update || es[0].ActorID == nil || *es[0].ActorID != u.ID {
		t.Fatalf("trail %+v", es)
	}
	fields := map[string]audit.Change{}
	for _, ch := range es[0].Changes() {
		fields[ch.Field] = ch
	}
	if len(fields) != 2 || fields["name"].Before != "Alice" || fields["name"].After != "Alice Liddell" ||
		fields["language"].After != "zh-CN" {
		t.Fatalf("changes %+v", es[0].Changes())
	}

	// A form opened before that change carries the old version: refused, nothing changes.
	entries := countRows(t, db, "audit_entries")
	_, err = UpdateProfile(ctx, db, u.ID, Profile{Name: "Stale", Language: "en", Version: u.Version})
	if !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("stale version: %v", err)
	}
	after, _ := ByID(ctx, db, u.ID)
	if after.Name != "Alice Liddell" || after.Language != "zh-CN" || after.Version != 2 {
		t.Fatalf("a stale update changed %+v", after)
	}
	if countRows(t, db, "audit_entries") != entries {
		t.Fatal("a stale update was recorded")
	}

	// Bad input names the field.
	_, err = UpdateProfile(ctx, db, u.ID, Profile{Name: "", Language: "fr", Version: 2})
	if fieldMessage(t, err, "name") != "validation.required" || fieldMessage(t, err, "language") != "validation.oneof" {
		t.Fatalf("bad input: %v", err)
	}
	_, err = UpdateProfile(ctx, db, 999999, Profile{Name: "Ghost", Language: "en", Version: 1})
	if !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	now := time.Now()
	u := mustCreate(t, db, "alice@example.com", "Alice")
	kept := signIn(t, db, "alice@example.com", testPassword)
	other := signIn(t, db, "alice@example.com", testPassword)
	const next = "a brand new passphrase"

	// The current password must be right; nothing changes otherwise.
	err := ChangePassword(ctx, db, u.ID, "wrong password!", next, kept)
	if id := fieldMessage(t, err, "current_password"); id != "account.current_password_wrong" {
		t.Fatalf("wrong current: %q", id)
	}
	if id := fieldMessage(t, ChangePassword(ctx, db, u.ID, testPassword, "short", kept), "new_password"); id != "validation.password_short" {
		t.Fatalf("short new password: %q", id)
	}
	if _, err := SessionUser(ctx, db, other, now); err != nil {
		t.Fatalf("a refused change ended a session: %v", err)
	}
	signIn(t, db, "alice@example.com", testPassword)
	if n := len(trail(t, db, "user", u.ID)); n != 1 {
		t.Fatalf("refused changes recorded: %d entries", n)
	}

	if err := ChangePassword(ctx, db, u.ID, testPassword, next, kept); err != nil {
		t.Fatal(err)
	}
	if _, err := SessionUser(ctx, db, kept, now); err != nil {
		t.Fatalf("the caller's session ended: %v", err)
	}
	if _, err := SessionUser(ctx, db, other, now); !apperr.Is(err, apperr.KindUnauthenticated) {
		t.Fatalf("another session survived: %v", err)
	}
	if _, _, err := SignIn(ctx, db, "alice@example.com", testPassword, "192.0.2.1", "", now); err != ErrBadCredentials {
		t.Fatalf("the old password: %v", err)
	}
	signIn(t, db, "alice@example.com", next)

	es := trail(t, db, "user", u.ID)
	if len(es) != 2 || es[0].Action != audit.Update {
		t.Fatalf("trail %+v", es)
	}
	if strings.Contains(string(es[0].Before)+string(es[0].After), "$2a$") {
		t.Fatal("the trail holds a password hash")
	}
	// The entry says what happened, though the hash itself is never recorded.
	if ch := es[0].Changes(); len(ch) != 1 || ch[0].Field != "password" || ch[0].After != "changed" {
		t.Fatalf("password change recorded as %+v", ch)
	}
}

func TestSetDisabled(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	now := time.Now()
	admin := mustCreate(t, db, "admin@example.com", "Admin")
	u := mustCreate(t, db, "alice@example.com", "Alice")
	session := signIn(t, db, "alice@example.com", testPassword)
	secret, _, err := CreateToken(ctx, db, u.ID, NewToken{Name: "script"})
	if err != nil {
		t.Fatal(err)
	}

	// Nobody disables themselves.
	if _, err := SetDisabled(ctx, db, admin.ID, admin.ID, true); !apperr.Is(err, apperr.KindConflict) {
		t.Fatalf("self-disable: %v", err)
	}

	got, err := SetDisabled(ctx, db, admin.ID, u.ID, true)
	if err != nil || !got.Disabled || got.Version != u.Version+1 {
		t.Fatalf("disable: %+v %v", got, err)
	}
	// A second click changes and records nothing.
	again, err := SetDisabled(ctx, db, admin.ID, u.ID, true)
	if err != nil || !again.Disabled || again.Version != got.Version {
		t.Fatalf("disable again: %+v %v", again, err)
	}
	if _, err := SessionUser(ctx, db, session, now); !apperr.Is(err, apperr.KindUnauthenticated) {
		t.Fatalf("session after disable: %v", err)
	}
	if n, _ := db.NewSelect().Table("sessions").Where("user_id = ?", u.ID).Count(ctx); n != 0 {
		t.Fatalf("%d sessions kept", n)
	}
	if _, err := TokenUser(ctx, db, secret, now); !apperr.Is(err, apperr.KindUnauthenticated) {
		t.Fatalf("token after disable: %v", err)
	}
	_, _, err = SignIn(ctx, db, "alice@example.com", testPassword, "192.0.2.1", "", now)
	if ae, ok := err.(*apperr.Error); !ok || ae.Message.ID != "signin.disabled" {
		t.Fatalf("sign-in while disabled: %v", err)
	}

	// Enabled again, the account signs in and its token works again.
	got, err = SetDisabled(ctx, db, admin.ID, u.ID, false)
	if err != nil || got.Disabled {
		t.Fatalf("enable: %+v %v", got, err)
	}
	signIn(t, db, "alice@example.com", testPassword)
	if tu, err := TokenUser(ctx, db, secret, now); err != nil || tu.ID != u.ID {
		t.Fatalf("token after enable: %v %v", tu, err)
	}

	es := trail(t, db, "user", u.ID)
	if len(es) != 3 || es[0].Action != audit.Update || *es[0].ActorID != admin.ID {
		t.Fatalf("trail %+v", es)
	}
	ch := es[1].Changes()
	if len(ch) != 1 || ch[0].Field != "disabled" || ch[0].Before != "false" || ch[0].After != "true" {
		t.Fatalf("disable recorded as %+v", ch)
	}
	if _, err := SetDisabled(ctx, db, admin.ID, 999999, true); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestResetPassword(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	admin := mustCreate(t, db, "admin@example.com", "Admin")
	u := mustCreate(t, db, "alice@example.com", "Alice")
	session := signIn(t, db, "alice@example.com", testPassword)

	temp, err := ResetPassword(ctx, db, admin.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(temp) < MinPasswordLen || strings.ContainsAny(temp, "0O1lI") {
		t.Fatalf("temporary password %q", temp)
	}
	if _, err := SessionUser(ctx, db, session, time.Now()); !apperr.Is(err, apperr.KindUnauthenticated) {
		t.Fatalf("session after reset: %v", err)
	}
	if _, _, err := SignIn(ctx, db, "alice@example.com", testPassword, "192.0.2.1", "", time.Now()); err != ErrBadCredentials {
		t.Fatalf("old password after reset: %v", err)
	}
	signIn(t, db, "alice@example.com", temp)

	// Two resets give two different passwords.
	again, err := ResetPassword(ctx, db, admin.ID, u.ID)
	if err != nil || again == temp {
		t.Fatalf("second reset %q %v", again, err)
	}
	es := trail(t, db, "user", u.ID)
	if len(es) != 3 || *es[0].ActorID != admin.ID {
		t.Fatalf("trail %+v", es)
	}
	if ch := es[0].Changes(); len(ch) != 1 || ch[0].Field != "password" || ch[0].After != "reset" ||
		strings.Contains(string(es[0].After), again) {
		t.Fatalf("reset recorded as %+v", ch)
	}
	if _, err := ResetPassword(ctx, db, admin.ID, 999999); !apperr.Is(err, apperr.KindNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestListUsersByName(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	mustCreate(t, db, "z@example.com", "zoe")
	mustCreate(t, db, "a@example.com", "Adam")
	mustCreate(t, db, "m@example.com", "Mia")
	us, err := List(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range us {
		names = append(names, u.Name)
	}
	if strings.Join(names, ",") != "Adam,Mia,zoe" {
		t.Fatalf("order %v", names)
	}
}
