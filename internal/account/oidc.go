package account

// Company sign-in (OpenID Connect): the part that is about accounts. The web
// layer talks to the provider and verifies the ID token; this file keeps the
// sign-ins under way (state, nonce, PKCE verifier) and decides which account
// a verified identity opens: the one linked to it, else the one with its
// verified e-mail (then linked), else a new one when sign-up is allowed.

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/validate"
)

// OIDCLoginTTL is how long a sign-in may stay at the provider.
const OIDCLoginTTL = 10 * time.Minute

// OIDCLogin is a sign-in sent to the provider and not yet come back.
type OIDCLogin struct {
	bun.BaseModel `bun:"table:oidc_logins"`

	StateHash []byte `bun:",pk"`
	Nonce     string
	Verifier  string // the PKCE code verifier
	NextPath  string // where the user goes once signed in
	ClientIP  string `bun:"client_ip"` // where it was started from
	CreatedAt time.Time
	ExpiresAt time.Time
}

// MaxPendingOIDCLogins is how many company sign-ins one address may have
// started and not finished (nor let expire) at a time. A person needs one;
// a few open tabs or a second try stay far below it.
const MaxPendingOIDCLogins = 20

// StartOIDCLogin records a sign-in about to leave for the provider and
// returns its state and nonce. verifier is the PKCE code verifier; next a
// local path; ip the address it comes from, which may have at most
// MaxPendingOIDCLogins pending (TooManyRequests beyond, nothing stored).
// Only the state's SHA-256 is stored.
func StartOIDCLogin(ctx context.Context, db bun.IDB, verifier, next, ip string, now time.Time) (state, nonce string, err error) {
	state, nonce = randomToken(32), randomToken(24)
	if len(ip) > 64 {
		ip = ip[:64]
	}
	// One statement: the count and the insert see the same rows (two
	// starts at the same instant may both pass; the bound stays a bound).
	res, err := db.NewRaw(`INSERT INTO oidc_logins (state_hash, nonce, verifier, next_path, client_ip, created_at, expires_at)
		SELECT ?, ?, ?, ?, ?, ?, ?
		WHERE (SELECT count(*) FROM oidc_logins WHERE client_ip = ? AND expires_at > ?) < ?`,
		hashToken(state), nonce, verifier, next, ip, now, now.Add(OIDCLoginTTL), ip, now, MaxPendingOIDCLogins).Exec(ctx)
	if err != nil {
		return "", "", database.MapError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", "", apperr.TooManyRequests("oidc.too_many_pending", "Minutes", int(OIDCLoginTTL.Minutes()))
	}
	return state, nonce, nil
}

// errOIDC is a refused company sign-in with the message the user reads.
func errOIDC(id string, kv ...any) error {
	return &apperr.Error{Kind: apperr.KindUnauthenticated, Message: apperr.Msg(id, kv...)}
}

// TakeOIDCLogin ends the sign-in of state and returns it. It is taken once:
// the DELETE … RETURNING lets exactly one request have it, on any instance,
// so a replayed state is refused, as is an unknown or expired one.
func TakeOIDCLogin(ctx context.Context, db bun.IDB, state string, now time.Time) (*OIDCLogin, error) {
	if state == "" {
		return nil, errOIDC("oidc.state_invalid")
	}
	var ls []OIDCLogin
	err := db.NewDelete().Model(&ls).Where("state_hash = ?", hashToken(state)).Returning("*").Scan(ctx)
	if err != nil {
		return nil, database.MapError(err)
	}
	if len(ls) == 0 || !ls[0].ExpiresAt.After(now) {
		return nil, errOIDC("oidc.state_invalid")
	}
	return &ls[0], nil
}

// NonceMatches compares a token's nonce with the login's in constant time.
func (l *OIDCLogin) NonceMatches(nonce string) bool {
	return nonce != "" && subtle.ConstantTimeCompare([]byte(nonce), []byte(l.Nonce)) == 1
}

func deleteExpiredOIDCLogins(ctx context.Context, db bun.IDB, now time.Time) (int64, error) {
	res, err := db.NewDelete().Table("oidc_logins").Where("expires_at <= ?", now).Exec(ctx)
	if err != nil {
		return 0, database.MapError(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// Identity is who a verified ID token says signed in.
type Identity struct {
	Issuer        string
	Subject       string
	Email         string
	EmailVerified bool
	Name          string // the display name the provider gives, if any
}

// OIDCSignIn is what a company sign-in may do beyond opening a linked account.
type OIDCSignIn struct {
	AllowSignup bool   // create an account for an unknown verified e-mail
	Language    string // a new account's language
	OldToken    string // the browser's session before, ended (no session fixation)
}

// SignInOIDC opens a session for the account of id: the one linked to the
// issuer and subject (whatever its e-mail is now), else the one with id's
// verified e-mail, which is then linked, else a new account when sign-up is
// allowed. Everything happens in one transaction; a refusal writes nothing.
func SignInOIDC(ctx context.Context, db bun.IDB, id Identity, opt OIDCSignIn, now time.Time) (*User, string, error) {
	if id.Issuer == "" || id.Subject == "" || len(id.Issuer) > 500 || len(id.Subject) > 255 {
		return nil, "", errOIDC("oidc.token_invalid")
	}
	id.Email = strings.TrimSpace(id.Email)
	var u *User
	var token string
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if u, err = oidcAccount(ctx, tx, id, opt); err != nil {
			return err
		}
		if u.Disabled {
			return errOIDC("signin.disabled")
		}
		token, err = startSession(ctx, tx, u.ID, opt.OldToken, now)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return u, token, nil
}

// oidcAccount finds, links or creates the account of id.
func oidcAccount(ctx context.Context, tx bun.Tx, id Identity, opt OIDCSignIn) (*User, error) {
	u := new(User)
	err := tx.NewSelect().Model(u).Where("oidc_issuer = ? AND oidc_subject = ?", id.Issuer, id.Subject).Scan(ctx)
	if err == nil {
		return u, nil
	}
	if err = database.MapError(err); !apperr.Is(err, apperr.KindNotFound) {
		return nil, err
	}
	// Not linked yet: only a verified e-mail may name the account.
	if !id.EmailVerified || id.Email == "" {
		return nil, errOIDC("oidc.email_unverified")
	}
	u, err = ByEmail(ctx, tx, id.Email)
	switch {
	case err == nil:
		if u.OIDCSubject != "" {
			// Linked to another identity: an e-mail reused at the provider
			// must not take over the account.
			return nil, errOIDC("oidc.linked_elsewhere")
		}
		return u, linkOIDC(ctx, tx, u, id)
	case !apperr.Is(err, apperr.KindNotFound):
		return nil, err
	}
	if !opt.AllowSignup {
		return nil, errOIDC("oidc.unknown_email", "Email", id.Email)
	}
	// The first account is the administrator the setup form creates.
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", setupLock); err != nil {
		return nil, database.MapError(err)
	}
	if exists, err := HasUsers(ctx, tx); err != nil || !exists {
		if err == nil {
			err = errOIDC("oidc.setup_first")
		}
		return nil, err
	}
	return createOIDCUser(ctx, tx, id, opt.Language)
}

// linkOIDC remembers id on u, through the versioned write. The trail says
// in words which provider it was, never the subject.
func linkOIDC(ctx context.Context, tx bun.Tx, u *User, id Identity) error {
	read := u.Version
	u.OIDCIssuer, u.OIDCSubject, u.Version, u.UpdatedAt = id.Issuer, id.Subject, read+1, time.Now()
	res, err := tx.NewUpdate().Model(u).Column("oidc_issuer", "oidc_subject", "version", "updated_at").WherePK().
		Where("version = ?", read).Exec(ctx)
	if err != nil {
		return oidcRace(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.Conflict("")
	}
	return audit.Record(ctx, tx, audit.Write{ActorID: u.ID, Entity: "user", EntityID: u.ID,
		Action: audit.Update, After: map[string]string{"company_signin": id.Issuer}})
}

// createOIDCUser adds the account of a first company sign-in. It has no
// password: it signs in through the provider only.
func createOIDCUser(ctx context.Context, tx bun.Tx, id Identity, language string) (*User, error) {
	if language != "zh-CN" {
		language = "en"
	}
	in := struct {
		Email string `validate:"required,email,max=254"`
	}{id.Email}
	if err := validate.Struct(&in); err != nil {
		return nil, errOIDC("oidc.email_invalid", "Email", id.Email)
	}
	u := &User{Email: id.Email, Name: displayName(id), Language: language, Version: 1,
		OIDCIssuer: id.Issuer, OIDCSubject: id.Subject}
	if _, err := tx.NewInsert().Model(u).Returning("*").Exec(ctx); err != nil {
		return nil, oidcRace(err)
	}
	return u, audit.Record(ctx, tx, audit.Write{ActorID: u.ID, Entity: "user", EntityID: u.ID,
		Action: audit.Create, After: u})
}

// oidcRace turns the unique violation of two first sign-ins at once into a
// message that says to try again.
func oidcRace(err error) error {
	if err = database.MapError(err); apperr.Is(err, apperr.KindConflict) {
		return errOIDC("oidc.try_again")
	}
	return err
}

// displayName is the provider's name for the person, cleaned and cut to the
// 100 characters a name may have; else the e-mail's local part.
func displayName(id Identity) string {
	name := strings.Join(strings.Fields(id.Name), " ")
	if name == "" || !validate.CleanText(name) {
		name, _, _ = strings.Cut(id.Email, "@")
	}
	if utf8.RuneCountInString(name) > 100 {
		name = string([]rune(name)[:100])
	}
	return name
}

// isFirstAdmin says whether u is the first administrator: the earliest
// account that is an administrator.
func isFirstAdmin(ctx context.Context, db bun.IDB, u *User) (bool, error) {
	if !u.IsAdmin {
		return false, nil
	}
	var first int64
	err := db.NewSelect().Table("users").ColumnExpr("min(id)").Where("is_admin").Scan(ctx, &first)
	if err != nil {
		return false, database.MapError(err)
	}
	return first == u.ID, nil
}
