// Package openapi holds the OpenAPI 3.1 description of Rollout's JSON API.
// The source is openapi.yaml, kept by hand next to the route table and
// checked by the tests of internal/web (see the head of the file); the server
// answers it as JSON at GET /api/v1/openapi.json.
package openapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"go.yaml.in/yaml/v3"
)

// Source is the document as written: YAML.
//
//go:embed openapi.yaml
var Source []byte

// JSON returns the document as JSON, converted once.
var JSON = sync.OnceValues(func() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(Source, &doc); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	return json.Marshal(doc)
})
