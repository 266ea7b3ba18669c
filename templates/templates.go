// Package templates embeds the server-rendered HTML: layouts/ (the page frame),
// partials/ (pieces shared by pages) and one folder per domain. Each page is rendered
// into layouts/base through {{embed}}; pages never define shared block names.
package templates

import "embed"

// FS holds every template, named by its path without the .html suffix.
//
//go:embed */*.html
var FS embed.FS
