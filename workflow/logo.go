package workflow

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"strings"
)

// An organisation's logo (issue 19) is shown on its pages and printed on
// its letters. It is untrusted input from a browser, so:
//   - PNG is decoded and encoded again: only pixels survive, no chunks,
//     no metadata, nothing a decoder elsewhere could trip on;
//   - SVG is not rasterised but checked, and refused (not repaired) when it
//     holds anything active or external: scripts, event handlers,
//     foreignObject, references outside the file, DTDs and entities. The
//     server also sends it with a sandboxing Content-Security-Policy and
//     pages show it only through <img>, where no script runs.
// Letters print a PNG logo only (fpdf reads no SVG).

// MaxLogoBytes is the largest logo accepted, before and after cleaning.
const MaxLogoBytes = 200 << 10

// maxLogoSide bounds a PNG's width and height (and so its memory when
// decoded).
const maxLogoSide = 2000

// Logo faults, for the field's message.
var (
	ErrLogoTooLarge = errors.New("the logo is larger than 200 KB")
	ErrLogoFormat   = errors.New("the logo must be a PNG or SVG image")
	ErrLogoUnsafe   = errors.New("the SVG holds scripts, event handlers or references to other files")
)

// CleanLogo returns the logo to store and its type ("png" or "svg"), or
// why it is refused.
func CleanLogo(b []byte) ([]byte, string, error) {
	if len(b) > MaxLogoBytes {
		return nil, "", ErrLogoTooLarge
	}
	if bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		return cleanPNG(b)
	}
	if err := checkSVG(b); err != nil {
		return nil, "", err
	}
	return b, "svg", nil
}

func cleanPNG(b []byte) ([]byte, string, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, "", ErrLogoFormat
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxLogoSide || cfg.Height > maxLogoSide {
		return nil, "", ErrLogoTooLarge
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, "", ErrLogoFormat
	}
	var out bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&out, img); err != nil {
		return nil, "", ErrLogoFormat
	}
	if out.Len() > MaxLogoBytes {
		return nil, "", ErrLogoTooLarge
	}
	return out.Bytes(), "png", nil
}

// svgForbidden are elements that run code, embed other documents or
// animate attributes into links: none belongs in a logo.
var svgForbidden = map[string]bool{
	"script": true, "foreignobject": true, "iframe": true, "embed": true, "object": true,
	"audio": true, "video": true, "animate": true, "set": true, "animatemotion": true,
	"animatetransform": true, "handler": true, "listener": true, "discard": true,
}

// checkSVG accepts an SVG document whose every reference stays inside it.
func checkSVG(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	d.Entity = map[string]string{} // no entity beyond XML's five
	root := true
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if root {
				return ErrLogoFormat
			}
			return nil
		}
		if err != nil {
			if root {
				return ErrLogoFormat
			}
			return ErrLogoUnsafe
		}
		switch t := tok.(type) {
		case xml.Directive: // <!DOCTYPE ...>, <!ENTITY ...>
			return ErrLogoUnsafe
		case xml.ProcInst:
			if t.Target != "xml" {
				return ErrLogoUnsafe // e.g. <?xml-stylesheet href=...?>
			}
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if root {
				if name != "svg" {
					return ErrLogoFormat
				}
				root = false
			}
			if svgForbidden[name] {
				return ErrLogoUnsafe
			}
			for _, a := range t.Attr {
				if !svgAttrSafe(a) {
					return ErrLogoUnsafe
				}
			}
		case xml.CharData:
			if !root && hasExternalURL(string(t)) {
				return ErrLogoUnsafe // a <style> with url(http:...) or @import
			}
		}
	}
}

// svgAttrSafe: no event handler, no reference outside the document.
func svgAttrSafe(a xml.Attr) bool {
	key := strings.ToLower(a.Name.Local)
	if strings.HasPrefix(key, "on") {
		return false
	}
	v := strings.TrimSpace(a.Value)
	switch key {
	case "href", "src", "action", "formaction":
		// Only a fragment of this very document (#id); xlink:href too.
		return strings.HasPrefix(v, "#") && !strings.ContainsAny(v, ":()")
	}
	return !hasExternalURL(v) && !strings.Contains(strings.ToLower(v), "javascript:")
}

// hasExternalURL reports a CSS url(...) not pointing to a fragment, or an
// @import.
func hasExternalURL(s string) bool {
	l := strings.ToLower(s)
	if strings.Contains(l, "@import") || strings.Contains(l, "javascript:") {
		return true
	}
	for {
		i := strings.Index(l, "url(")
		if i < 0 {
			return false
		}
		rest := strings.TrimLeft(l[i+4:], " \t\r\n'\"")
		if !strings.HasPrefix(rest, "#") {
			return true
		}
		l = rest
	}
}
