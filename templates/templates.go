// Package templates embeds the HTML pages, email bodies and locale
// catalogues (fi, sv, en). Each area keeps its own files: pages/AREA_*.html,
// mail/KIND.tmpl and locales/AREA.LANG.json, so catalogues merge per
// language and no two areas edit one file.
package templates

import "embed"

//go:embed pages/*.html mail/*.tmpl locales/*.json static/*
var FS embed.FS
