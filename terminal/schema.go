package terminal

import "embed"

// Schemas holds the JSON Schemas (draft 2020-12) of the protocol's lines:
// schema/request.schema.json and schema/response.schema.json.
//
//go:embed schema/*.json
var Schemas embed.FS
