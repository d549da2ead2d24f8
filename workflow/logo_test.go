package workflow

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"
)

// Issue 19: an organisation's logo is untrusted. PNG is re-encoded, SVG
// refused when it holds anything active or external.
func TestCleanLogoRefusesActiveSVG(t *testing.T) {
	t.Parallel()
	head := `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">`
	bad := map[string]string{
		"script":            head + `<script>alert(1)</script></svg>`,
		"script upper":      head + `<SCRIPT>alert(1)</SCRIPT></svg>`,
		"event handler":     head + `<rect onload="alert(1)"/></svg>`,
		"event on root":     `<svg xmlns="http://www.w3.org/2000/svg" onclick="x()"/>`,
		"foreignObject":     head + `<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject></svg>`,
		"external image":    head + `<image href="https://evil.example/x.png"/></svg>`,
		"xlink external":    head + `<use xlink:href="https://evil.example/s.svg#a"/></svg>`,
		"javascript link":   head + `<a href="javascript:alert(1)"><rect/></a></svg>`,
		"data uri":          head + `<image href="data:image/svg+xml;base64,PHN2Zz4="/></svg>`,
		"css url":           head + `<rect style="fill:url(https://evil.example/f)"/></svg>`,
		"css import":        head + `<style>@import "https://evil.example/a.css";</style></svg>`,
		"style url":         head + `<style>rect{background:url(//evil.example/t)}</style></svg>`,
		"doctype entity":    `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]>` + head + `</svg>`,
		"stylesheet pi":     `<?xml-stylesheet href="https://evil.example/s.css"?>` + head + `</svg>`,
		"animate into href": head + `<a><animate attributeName="href" values="javascript:alert(1)"/></a></svg>`,
		"set":               head + `<set attributeName="onmouseover" to="alert(1)"/></svg>`,
		"iframe":            head + `<iframe src="x"/></svg>`,
		"broken after root": head + `<rect></svg>`,
	}
	for name, svg := range bad {
		if _, _, err := CleanLogo([]byte(svg)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for name, svg := range map[string]string{"html": `<html><script>x</script></html>`, "text": "hello", "empty": ""} {
		if _, _, err := CleanLogo([]byte(svg)); !errors.Is(err, ErrLogoFormat) {
			t.Errorf("%s: %v, want ErrLogoFormat", name, err)
		}
	}
	good := `<?xml version="1.0" encoding="UTF-8"?>` + head + `<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>` +
		`<title>Logo</title><rect width="10" height="10" fill="url(#g)" style="stroke:url( '#g' )"/><use xlink:href="#g"/></svg>`
	out, typ, err := CleanLogo([]byte(good))
	if err != nil || typ != "svg" || string(out) != good {
		t.Errorf("clean SVG: %v %q", err, typ)
	}
	if _, _, err := CleanLogo([]byte(head + strings.Repeat(" ", MaxLogoBytes) + `</svg>`)); !errors.Is(err, ErrLogoTooLarge) {
		t.Errorf("large SVG: %v", err)
	}
}

func TestCleanLogoReencodesPNG(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 3, 2))); err != nil {
		t.Fatal(err)
	}
	out, typ, err := CleanLogo(b.Bytes())
	if err != nil || typ != "png" {
		t.Fatal(err, typ)
	}
	if img, err := png.Decode(bytes.NewReader(out)); err != nil || img.Bounds() != image.Rect(0, 0, 3, 2) {
		t.Errorf("re-encoded PNG: %v", err)
	}
	// A PNG signature with garbage behind it is not a PNG.
	if _, _, err := CleanLogo(append([]byte("\x89PNG\r\n\x1a\n"), "garbage"...)); !errors.Is(err, ErrLogoFormat) {
		t.Errorf("truncated PNG: %v", err)
	}
	// Too many pixels: refused before decoding.
	var big bytes.Buffer
	if err := png.Encode(&big, image.NewGray(image.Rect(0, 0, 2001, 1))); err != nil {
		t.Fatal(err)
	}
	if _, _, err := CleanLogo(big.Bytes()); !errors.Is(err, ErrLogoTooLarge) {
		t.Errorf("wide PNG: %v", err)
	}
}
