package web

import (
	"io/fs"
	"mime"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// staticFile is one file of the built frontend with the variants the build
// compressed it to (frontend/build.mjs writes NAME.br and NAME.gz).
type staticFile struct {
	contentType string
	cache       string
	identity    []byte
	br, gzip    []byte
}

// hashedName matches the bundles' content-hashed names (app-LJKQHQGV.js):
// their content never changes, so browsers may keep them for a year.
var hashedName = regexp.MustCompile(`-[A-Z0-9]{8}\.[a-z]+$`)

// loadStatic reads every file of files into memory once, with its
// precompressed variants. Nothing is compressed while serving.
func loadStatic(files fs.FS) (map[string]*staticFile, error) {
	out := map[string]*staticFile{}
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasSuffix(name, ".br") || strings.HasSuffix(name, ".gz") {
			continue
		}
		data, err := fs.ReadFile(files, name)
		if err != nil {
			return nil, err
		}
		f := &staticFile{contentType: mime.TypeByExtension(path.Ext(name)), identity: data, cache: "no-cache"}
		if f.contentType == "" {
			f.contentType = fiber.MIMEOctetStream
		}
		if hashedName.MatchString(name) {
			f.cache = "public, max-age=31536000, immutable"
		}
		f.br, _ = fs.ReadFile(files, name+".br")
		f.gzip, _ = fs.ReadFile(files, name+".gz")
		out[name] = f
	}
	return out, nil
}

// serveStatic answers GET and HEAD /static/NAME with the variant the client
// accepts (brotli, then gzip, then the plain file), with Content-Encoding and
// Vary: Accept-Encoding. An unknown name goes on to the 404.
func serveStatic(files map[string]*staticFile) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
			return c.Next()
		}
		f, ok := files[strings.TrimPrefix(c.Path(), "/static/")]
		if !ok {
			return c.Next()
		}
		body := f.identity
		if f.br != nil || f.gzip != nil {
			c.Vary(fiber.HeaderAcceptEncoding)
			br, gz := acceptedEncodings(c.Get(fiber.HeaderAcceptEncoding))
			switch {
			case f.br != nil && br > 0 && br >= gz:
				body = f.br
				c.Set(fiber.HeaderContentEncoding, "br")
			case f.gzip != nil && gz > 0:
				body = f.gzip
				c.Set(fiber.HeaderContentEncoding, "gzip")
			}
		}
		c.Set(fiber.HeaderContentType, f.contentType)
		c.Set(fiber.HeaderCacheControl, f.cache)
		return c.Send(body)
	}
}

// acceptedEncodings reads Accept-Encoding: the weight (q, 0 to 1) the client
// gives brotli and gzip; "*" stands for any encoding not named.
func acceptedEncodings(header string) (br, gz float64) {
	br, gz = -1, -1
	star := 0.0
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "br":
			br = q
		case "gzip", "x-gzip":
			gz = q
		case "*":
			star = q
		}
	}
	if br < 0 {
		br = star
	}
	if gz < 0 {
		gz = star
	}
	return br, gz
}
