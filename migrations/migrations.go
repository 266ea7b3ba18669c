// Package migrations holds the database schema as SQL files, embedded into
// the binary and applied in order by database.Migrate (bun's migrate package).
//
// Rules for a new migration:
//   - Name it NNNN_what.up.sql with the next four-digit number (bun reads the
//     leading digits as the migration's name and applies names in string
//     order, so the digits must keep the same width), plus NNNN_what.down.sql.
//     Lowercase letters, digits, '_' and '-' only after the number.
//   - Never edit a migration that has been committed: databases out there have
//     applied it already; add a new one instead.
//   - A file is sent as one query, which PostgreSQL runs as one transaction,
//     so a failed migration leaves nothing half-done. Split it with a line
//     `--bun:split` only for statements that cannot run in a transaction
//     (CREATE INDEX CONCURRENTLY); each part is then its own transaction.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
