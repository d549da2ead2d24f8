// Package pdf renders the letters a case sends to a resident (issue 18):
// the access answer (Art 15, legal.md §3), confirmations per register
// (Art 16-18, 21, 7(3), with the Art 19 recipients told), the refusal
// (Art 12(4)), the extension notice (Art 12(3), DL-5) and the receipt.
//
// The input is a plain Letter struct: the package knows the letters'
// layout and wording (locale keys letter.* in templates/locales), not the
// database or the case workflow, which build a Letter from a case.
//
// Output is deterministic: the creation and modification dates are the
// letter's own date (taken from the case), catalogues are sorted and no
// random ids are written, so the same Letter renders byte-identical PDFs.
// Text is set in DejaVu Sans, embedded from fonts/ (licence beside it), so
// ä ö å € and the henkilötunnus' century signs render and extract anywhere.
package pdf
