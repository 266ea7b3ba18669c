// Package frontend holds Rollout's browser assets: the JavaScript and CSS in
// src/, bundled by esbuild (build.mjs, `npm run build`) into dist/ under
// content-hashed names, and embedded here so the binary serves them itself.
//
// dist/ is committed: building the Go binary needs no Node. CI rebuilds it
// and fails when the committed copy is stale, so edit src/, run
// `npm run build` in this folder and commit dist/ with the change.
//
// dist/manifest.json maps each logical name to its hashed file name, e.g.
// {"app.css": "app-EOH6OAWG.css", "app.js": "app-KCHPRV63.js"}. Pages ask
// for the logical name through Asset; because a new build gives new names,
// the web server may let browsers cache /static/ files forever.
package frontend

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sync"
)

// Dist is the built dist/ folder: the hashed bundles and manifest.json.
//
//go:embed dist
var Dist embed.FS

// StaticPrefix is the URL path under which the web server serves Files.
const StaticPrefix = "/static/"

// Files is dist/ as the root of a file system ("app-HASH.js", not
// "dist/app-HASH.js"), ready to serve under StaticPrefix.
func Files() fs.FS {
	sub, err := fs.Sub(Dist, "dist")
	if err != nil {
		// fs.Sub fails only for an invalid path name, and "dist" is valid.
		panic(err)
	}
	return sub
}

// LoadManifest reads dist/manifest.json: logical name ("app.js") → hashed
// file name ("app-KCHPRV63.js").
func LoadManifest() (map[string]string, error) {
	data, err := Dist.ReadFile("dist/manifest.json")
	if err != nil {
		return nil, fmt.Errorf("frontend: read manifest: %w", err)
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("frontend: parse manifest: %w", err)
	}
	return m, nil
}

// manifest is parsed once; a broken manifest is caught by this package's
// tests, and at run time makes Asset return "".
var manifest = sync.OnceValues(LoadManifest)

// Asset returns the URL path of a logical asset name, e.g.
// Asset("app.css") == "/static/app-EOH6OAWG.css", or "" when the manifest
// has no such name.
func Asset(name string) string {
	m, err := manifest()
	if err != nil {
		return ""
	}
	hashed, ok := m[name]
	if !ok {
		return ""
	}
	return StaticPrefix + hashed
}
