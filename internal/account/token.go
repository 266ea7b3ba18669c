package account

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"rollout/internal/apperr"
	"rollout/internal/audit"
	"rollout/internal/database"
	"rollout/internal/validate"
)

// Token is a personal API token. The secret is shown once at creation; only its
// hash and a short prefix (to recognise it in a list) are kept.
type Token struct {
	bun.BaseModel `bun:"table:api_tokens"`

	ID         int64      `bun:",pk,autoincrement" json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	TokenHash  []byte     `json:"-"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `bun:",nullzero,notnull,default:current_timestamp" json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// tokenPrefix marks Rollout tokens so secret scanners and people recognise them.
const tokenPrefix = "rlt_"

// NewToken is the input to create a token.
type NewToken struct {
	Name string `json:"name" form:"name" validate:"required,max=80"`
}

// CreateToken makes a token for the user and returns its secret, the only time
// it is ever visible.
func CreateToken(ctx context.Context, db bun.IDB, userID int64, in NewToken) (string, *Token, error) {
	in.Name = strings.TrimSpace(in.Name)
	if err := validate.Struct(&in); err != nil {
		return "", nil, err
	}
	secret := tokenPrefix + randomToken(32)
	t := &Token{UserID: userID, Name: in.Name, TokenHash: hashToken(secret), Prefix: secret[:len(tokenPrefix)+6]}
	err := database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(t).Returning("*").Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ActorID: userID, Entity: "api_token", EntityID: t.ID,
			Action: audit.Create, After: t})
	})
	if err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// ListTokens returns the user's tokens, newest first, revoked ones included.
func ListTokens(ctx context.Context, db bun.IDB, userID int64) ([]Token, error) {
	var ts []Token
	err := db.NewSelect().Model(&ts).Where("user_id = ?", userID).OrderExpr("id DESC").Scan(ctx)
	return ts, database.MapError(err)
}

// RevokeToken ends one of the user's own tokens.
func RevokeToken(ctx context.Context, db bun.IDB, userID, tokenID int64, now time.Time) error {
	return database.RunInTx(ctx, db, func(ctx context.Context, tx bun.Tx) error {
		before := new(Token)
		if err := tx.NewSelect().Model(before).Where("id = ? AND user_id = ?", tokenID, userID).Scan(ctx); err != nil {
			return database.MapError(err)
		}
		if before.RevokedAt != nil {
			return nil
		}
		after := *before
		after.RevokedAt = &now
		if _, err := tx.NewUpdate().Model(&after).Column("revoked_at").WherePK().Exec(ctx); err != nil {
			return database.MapError(err)
		}
		return audit.Record(ctx, tx, audit.Write{ActorID: userID, Entity: "api_token", EntityID: tokenID,
			Action: "revoke", Before: before, After: &after})
	})
}

// TokenUser returns the enabled user owning a live token, or Unauthenticated.
func TokenUser(ctx context.Context, db bun.IDB, secret string, now time.Time) (*User, error) {
	if secret == "" {
		return nil, apperr.Unauthenticated()
	}
	return Caller(ctx, db, Credential{Token: secret}, now)
}
