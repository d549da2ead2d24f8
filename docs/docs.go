// Package docs holds documents the code serves or checks against: the
// machine-readable export's JSON Schema (export.schema.json) is embedded
// from here so the file in the repository is the one the tests validate.
package docs

import _ "embed"

// ExportSchema is the JSON Schema of the export ZIP's JSON documents.
//
//go:embed export.schema.json
var ExportSchema []byte

// ExportSchemaVersion is the schema_version the export writes.
const ExportSchemaVersion = "1"
