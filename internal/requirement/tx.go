package requirement

import (
	"context"

	"github.com/uptrace/bun"
)

// The functions below let a change request apply its operations inside one
// transaction, each write's audit entry naming the request (ref).

// Validate checks an input against the project without writing anything.
func Validate(ctx context.Context, db bun.IDB, projectID int64, in Input) error {
	return in.check(ctx, db, projectID)
}

// CreateInTx adds a requirement inside tx.
func CreateInTx(ctx context.Context, tx bun.Tx, actorID, projectID int64, in Input, ref string) (*Requirement, error) {
	return create(ctx, tx, actorID, projectID, in, ref)
}

// DeleteInTx removes a requirement inside tx.
func DeleteInTx(ctx context.Context, tx bun.Tx, actorID, projectID int64, number int, ref string) error {
	return remove(ctx, tx, actorID, projectID, number, ref)
}

// SetTierInTx moves a requirement to another tier inside tx.
func SetTierInTx(ctx context.Context, tx bun.Tx, actorID, projectID int64, number int, tier Tier, ref string) (*Requirement, error) {
	r, err := Get(ctx, tx, projectID, number)
	if err != nil {
		return nil, err
	}
	in := InputOf(r)
	in.Tier = tier
	return update(ctx, tx, actorID, projectID, number, in, ref)
}

// SetPhaseInTx moves a requirement to another phase (nil: none) inside tx.
func SetPhaseInTx(ctx context.Context, tx bun.Tx, actorID, projectID int64, number int, phaseID *int64, ref string) (*Requirement, error) {
	r, err := Get(ctx, tx, projectID, number)
	if err != nil {
		return nil, err
	}
	in := InputOf(r)
	in.PhaseID = phaseID
	return update(ctx, tx, actorID, projectID, number, in, ref)
}
