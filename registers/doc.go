// Package registers imports published register descriptions of Finnish
// municipalities (rekisteriselosteet, tietosuojaselosteet, lists of
// registers and information resources) into Register records that the DPO
// then completes. It is pure text processing: no database, web or queue.
//
// Parse takes UTF-8 text, either typed or extracted from PDF/HTML tables
// (cells separated by tabs or by runs of two or more spaces), detects the
// format unless one is forced, and returns the registers with their source
// line numbers. Five formats are known, named after the publication that
// defined them:
//
//   - jakobstad: table Register/Informationslager | Användningsändamål |
//     Personuppgiftsansvarig; repeated header rows are skipped; the
//     controller cell is kept verbatim and its part after " / " is the unit.
//   - kronoby: "Beskrivning av dataregister" table with ABP/PRB/DRB mark
//     columns (recorded as Extra["marks"]); rows broken across pages are
//     merged into the row above (D-6).
//   - raseborg: register names listed under sector headings after
//     introductory prose; only names and sectors.
//   - notice: a single-register privacy notice with Finnish or Swedish
//     headings; the Art 6(1) letter is read from the legal-basis text.
//   - tietovarannot: information-resources table with a section heading per
//     service area (the sector) and header variants (D-6).
//   - generic: everything else that is a register description (issue 19),
//     read by one extractor from the structure real documents share:
//     notices with the headings of henkilötietolaki §10 or GDPR Arts 13-14
//     in any numbering and layout, several registers per document, lists,
//     PDF transcripts on one line, and document-publicity descriptions
//     (906/2019 §28), whose data stores are marked DataStore. See generic.go.
//
// The exact seed formats come first; the generic extractor sits behind
// them. ParseDocument first turns PDF (poppler's pdftotext), HTML, DOCX or
// plain text, recognised by content, into text (input.go).
//
// Published text is kept verbatim (D-4): typos and garbled names are not
// corrected, only white space is tidied. The legal controller is always the
// organisation; Register.Controller is what the document prints and
// Register.Unit the unit or body named there. Register identity within an
// organisation is NormalizeName of the published name (D-3).
//
// Anything that cannot be placed is reported in Register.Warnings or
// Result.Warnings rather than dropped silently. Empty, binary and
// unrecognised input fails with ErrEmpty, ErrBinary or ErrUnknownFormat
// (wrapped; use errors.Is), and a document from which no register can be
// read with ErrNoRegisters.
package registers
