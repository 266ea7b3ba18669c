package frontend

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// Every manifest entry must name a file that is embedded, and the names the
// templates use must be there.
func TestManifestEntriesExist(t *testing.T) {
	m, err := LoadManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, logical := range []string{"app.js", "app.css"} {
		if _, ok := m[logical]; !ok {
			t.Errorf("manifest has no %q: %v", logical, m)
		}
	}
	hashed := regexp.MustCompile(`^[a-z]+-[A-Z0-9]+\.(js|css)$`)
	for logical, file := range m {
		if !hashed.MatchString(file) {
			t.Errorf("manifest %q → %q: not a content-hashed name", logical, file)
		}
		info, err := fs.Stat(Dist, "dist/"+file)
		if err != nil {
			t.Errorf("manifest %q → %q: %v", logical, file, err)
			continue
		}
		if info.Size() == 0 {
			t.Errorf("manifest %q → %q: empty file", logical, file)
		}
		if _, err := fs.Stat(Files(), file); err != nil {
			t.Errorf("Files() lacks %q: %v", file, err)
		}
	}
}

// dist/ holds only the current build: no hashed file the manifest forgot.
func TestDistHasNoStaleFiles(t *testing.T) {
	m, err := LoadManifest()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"manifest.json": true}
	for _, file := range m {
		known[file] = true
		known[file+".br"] = true
		known[file+".gz"] = true
	}
	entries, err := fs.ReadDir(Dist, "dist")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !known[e.Name()] {
			t.Errorf("dist/%s is not in the manifest: run npm run build in frontend", e.Name())
		}
	}
}

func TestAsset(t *testing.T) {
	m, err := LoadManifest()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Asset("app.css"), "/static/"+m["app.css"]; got != want {
		t.Errorf(`Asset("app.css") = %q, want %q`, got, want)
	}
	if got := Asset("app.js"); !strings.HasPrefix(got, "/static/app-") || !strings.HasSuffix(got, ".js") {
		t.Errorf(`Asset("app.js") = %q`, got)
	}
	if got := Asset("missing.js"); got != "" {
		t.Errorf(`Asset("missing.js") = %q, want ""`, got)
	}
}

// Every bundle has its gzip and brotli variants, made by the build from the
// bundle as it is now.
func TestBundlesArePrecompressed(t *testing.T) {
	m, err := LoadManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range m {
		plain, err := fs.ReadFile(Files(), file)
		if err != nil {
			t.Fatal(err)
		}
		for ext, open := range map[string]func(io.Reader) (io.Reader, error){
			".gz": func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
			".br": func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil },
		} {
			packed, err := fs.ReadFile(Files(), file+ext)
			if err != nil {
				t.Errorf("%s has no %s variant: run npm run build in frontend", file, ext)
				continue
			}
			r, err := open(bytes.NewReader(packed))
			if err != nil {
				t.Fatalf("%s%s: %v", file, ext, err)
			}
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, plain) {
				t.Errorf("%s%s does not unpack to %s (err %v): run npm run build in frontend", file, ext, file, err)
			}
			if len(packed) >= len(plain) {
				t.Errorf("%s%s is %d bytes, no smaller than %d", file, ext, len(packed), len(plain))
			}
		}
	}
}
