// Package account holds users, their sign-in sessions and personal API tokens,
// and the throttle on failed sign-ins. Passwords are hashed with bcrypt; session
// ids and API tokens are random and only their SHA-256 is stored, so a copy of
// the database lets nobody sign in.
package account

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/validate"
)

// User is a person who can sign in.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID           int64  `bun:",pk,autoincrement" json:"id"`
	Email        string `json:"email"`
	Name         string `json:"name"`
	PasswordHash string `json:"-"`
	Language     string `json:"language"`
	IsAdmin      bool   `json:"is_admin"`
	Disabled     bool   `json:"disabled"`
	// Who the company's provider says this is, once linked (oidc.go). Not in
	// JSON: the trail records the link in words, answers never show it.
	OIDCIssuer  string    `bun:"oidc_issuer,nullzero" json:"-"`
	OIDCSubject string    `bun:"oidc_subject,nullzero" json:"-"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`
	UpdatedAt   time.Time `bun:",nullzero,notnull,default:current_timestamp" json:"updated_at"`
}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

// maxPasswordBytes is bcrypt's limit: longer input would be cut silently.
const maxPasswordBytes = 72

// NewUser is the input to create a user.
type NewUser struct {
	Email    string `json:"email" form:"email" validate:"required,email,max=254"`
	Name     string `json:"name" form:"name" validate:"required,max=100"`
	Password string `json:"password" form:"password" validate:"required,max=1000"`
	Language string `json:"language" form:"language" validate:"omitempty,oneof=en zh-CN"`
	IsAdmin  bool   `json:"is_admin" form:"is_admin"`
}

func (n *NewUser) normalize() {
	n.Email = strings.TrimSpace(n.Email)
	n.Name = strings.TrimSpace(n.Name)
	if n.Language == "" {
		n.Language = "en"
	}
}

// checkPassword applies the password rules beyond presence.
func checkPassword(field, pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLen {
		return apperr.InvalidField(field, "validation.password_short", "Min", MinPasswordLen)
	}
	if len(pw) > maxPasswordBytes {
		return apperr.InvalidField(field, "validation.password_long", "Max", maxPasswordBytes)
	}
	return nil
}

func (n *NewUser) validate() error {
	n.normalize()
	if err := validate.Struct(n); err != nil {
		return err
	}
	return checkPassword("password", n.Password)
}

func hashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", apperr.Internal(err)
	}
	return string(h), nil
}

// HasUsers reports whether any account exists (the first-run form needs none).
func HasUsers(ctx context.Context, db bun.IDB) (bool, error) {
	ok, err := db.NewSelect().Table("users").Exists(ctx)
	if err != nil {
		return false, database.MapError(err)
	}
	return ok, nil
}

// setupLock serialises first-admin creation so two people submitting the
// first-run form at once cannot both become the first admin.
const setupLock = 7_301_001

// CreateFirstAdmin creates the first instance administrator. It fails with a
// Conflict once any user exists, however many requests race for it.
func CreateFirstAdmin(ctx context.Context, db bun.IDB, in NewUser) (*User, error) {
	in.IsAdmin = true
	if err := in.validate(); err != nil {
		return nil, err
	}
	hash, err := hashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	var u *User
	err = database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", setupLock); err != nil {
			return database.MapError(err)
		}
		exists, err := HasUsers(ctx, tx)
		if err != nil {
			return err
		}
		if exists {
			return apperr.Conflict("setup.already_done")
		}
		u, err = insertUser(ctx, tx, 0, in, hash)
		return err
	})
	return u, err
}

// Create adds a user; actorID is the admin doing it (0 for the command line).
func Create(ctx context.Context, db bun.IDB, actorID int64, in NewUser) (*User, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	hash, err := hashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	var u *User
	err = database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		u, err = insertUser(ctx, tx, actorID, in, hash)
		return err
	})
	return u, err
}

func insertUser(ctx context.Context, tx bun.Tx, actorID int64, in NewUser, hash string) (*User, error) {
	u := &User{Email: in.Email, Name: in.Name, PasswordHash: hash, Language: in.Language, IsAdmin: in.IsAdmin, Version: 1}
	if _, err := tx.NewInsert().Model(u).Returning("*").Exec(ctx); err != nil {
		if err = database.MapError(err); apperr.Is(err, apperr.KindConflict) {
			return nil, apperr.InvalidField("email", "account.email_taken")
		}
		return nil, err
	}
	return u, audit.Record(ctx, tx, audit.Write{ActorID: actorID, Entity: "user", EntityID: u.ID,
		Action: audit.Create, After: u})
}

// ByID returns one user.
func ByID(ctx context.Context, db bun.IDB, id int64) (*User, error) {
	u := new(User)
	if err := db.NewSelect().Model(u).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, database.MapError(err)
	}
	return u, nil
}

// ByEmail returns the user with this email, whatever its case.
func ByEmail(ctx context.Context, db bun.IDB, email string) (*User, error) {
	u := new(User)
	err := db.NewSelect().Model(u).Where("lower(email) = lower(?)", strings.TrimSpace(email)).Scan(ctx)
	if err != nil {
		return nil, database.MapError(err)
	}
	return u, nil
}

// List returns every user ordered by name (the admin's user page).
func List(ctx context.Context, db bun.IDB) ([]User, error) {
	var us []User
	if err := db.NewSelect().Model(&us).OrderExpr("lower(name), id").Scan(ctx); err != nil {
		return nil, database.MapError(err)
	}
	return us, nil
}

// update writes u's changed columns through the one versioned write: a stale
// version is a Conflict and writes nothing.
func update(ctx context.Context, tx bun.Tx, actorID int64, before, u *User, columns ...string) error {
	return audit.UpdateVersioned(ctx, tx, audit.Write{ActorID: actorID, Entity: "user", EntityID: u.ID,
		Before: before, After: u}, before.Version, columns...)
}

// updatePassword stores a new password hash. It is the one versioned write
// that does not go through audit.UpdateVersioned, because its trail entry is
// not the row: the hash never enters the trail, so the entry says in words
// what happened — how is "changed" (by the user) or "reset" (by an admin).
func updatePassword(ctx context.Context, tx bun.Tx, actorID int64, before *User, hash, how string) error {
	u := *before
	u.PasswordHash, u.Version, u.UpdatedAt = hash, before.Version+1, time.Now()
	res, err := tx.NewUpdate().Model(&u).Column("password_hash", "version", "updated_at").WherePK().
		Where("version = ?", before.Version).Exec(ctx)
	if err != nil {
		return database.MapError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.Conflict("")
	}
	return audit.Record(ctx, tx, audit.Write{ActorID: actorID, Entity: "user", EntityID: u.ID,
		Action: audit.Update, After: map[string]string{"password": how}})
}

// Profile is what every user may change about themselves.
type Profile struct {
	Name     string `json:"name" form:"name" validate:"required,max=100"`
	Language string `json:"language" form:"language" validate:"required,oneof=en zh-CN"`
	Version  int    `json:"version" form:"version" validate:"required"`
}

// UpdateProfile changes the user's own name and language.
func UpdateProfile(ctx context.Context, db bun.IDB, userID int64, p Profile) (*User, error) {
	p.Name = strings.TrimSpace(p.Name)
	if err := validate.Struct(&p); err != nil {
		return nil, err
	}
	var u *User
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := ByID(ctx, tx, userID)
		if err != nil {
			return err
		}
		if before.Version != p.Version {
			return apperr.Conflict("")
		}
		next := *before
		next.Name, next.Language = p.Name, p.Language
		u = &next
		return update(ctx, tx, userID, before, u, "name", "language")
	})
	return u, err
}

// ChangePassword replaces the user's own password; the current one is required.
// Other sessions of the user end; keepSession (the caller's, may be "") stays.
func ChangePassword(ctx context.Context, db bun.IDB, userID int64, current, next, keepSession string) error {
	if err := checkPassword("new_password", next); err != nil {
		return err
	}
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := ByID(ctx, tx, userID)
		if err != nil {
			return err
		}
		if bcrypt.CompareHashAndPassword([]byte(before.PasswordHash), []byte(current)) != nil {
			return apperr.InvalidField("current_password", "account.current_password_wrong")
		}
		hash, err := hashPassword(next)
		if err != nil {
			return err
		}
		if err := updatePassword(ctx, tx, userID, before, hash, "changed"); err != nil {
			return err
		}
		return endSessionsExcept(ctx, tx, userID, keepSession)
	})
}

// SetDisabled disables or re-enables an account; disabling ends its sessions.
// Admins cannot disable themselves (the instance would be left without them).
func SetDisabled(ctx context.Context, db bun.IDB, actorID, userID int64, disabled bool) (*User, error) {
	if disabled && actorID == userID {
		return nil, apperr.Conflict("account.cannot_disable_self")
	}
	var u *User
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := ByID(ctx, tx, userID)
		if err != nil {
			return err
		}
		if before.Disabled == disabled {
			// Already so (a second click, a reloaded form): nothing to change or record.
			u = before
			return nil
		}
		next := *before
		next.Disabled = disabled
		u = &next
		if err := update(ctx, tx, actorID, before, u, "disabled"); err != nil {
			return err
		}
		if disabled {
			return endSessionsExcept(ctx, tx, userID, "")
		}
		return nil
	})
	return u, err
}

// ResetPassword gives the user a new random password, returned once to show the
// admin, and ends the user's sessions.
func ResetPassword(ctx context.Context, db bun.IDB, actorID, userID int64) (string, error) {
	temp := randomPassword()
	hash, err := hashPassword(temp)
	if err != nil {
		return "", err
	}
	err = database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before, err := ByID(ctx, tx, userID)
		if err != nil {
			return err
		}
		if err := updatePassword(ctx, tx, actorID, before, hash, "reset"); err != nil {
			return err
		}
		return endSessionsExcept(ctx, tx, userID, "")
	})
	if err != nil {
		return "", err
	}
	return temp, nil
}

// ErrBadCredentials is the one answer to a wrong email or a wrong password.
var ErrBadCredentials = &apperr.Error{Kind: apperr.KindUnauthenticated, Message: apperr.Msg("signin.failed")}

// dummyHash is compared against when the email is unknown, so an unknown email
// takes as long as a wrong password and timing reveals nothing.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("rollout-dummy-password"), bcrypt.DefaultCost)

// checkCredentials returns the user if email and password match an enabled account.
func checkCredentials(ctx context.Context, db bun.IDB, email, password string) (*User, error) {
	u, err := ByEmail(ctx, db, email)
	if apperr.Is(err, apperr.KindNotFound) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return nil, ErrBadCredentials
	}
	if u.Disabled {
		return nil, &apperr.Error{Kind: apperr.KindUnauthenticated, Message: apperr.Msg("signin.disabled")}
	}
	return u, nil
}
