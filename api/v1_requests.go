package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The JSON API for requests (issue 5): an integration files a request for
// a resident exactly like the web form (same validation, same emailed
// code, SubmitAPI) and reads where a request stands. The organisation is
// the token's (D-20); another organisation's receipt is not found.

// v1RequestRoutes adds the request endpoints under /api/v1. It applies
// requireAPIToken itself unless the group already did.
func (s *Server) v1RequestRoutes(g *echo.Group) {
	g.POST("/requests", s.v1CreateRequest, s.apiTokenOnce, middleware.BodyLimit(intakeBodyLimit))
	g.GET("/requests/:receipt", s.v1GetRequest, s.apiTokenOnce)
}

// apiTokenOnce is requireAPIToken for routes whose group may or may not
// apply it already: a token is used (and audited) once per request.
func (s *Server) apiTokenOnce(next echo.HandlerFunc) echo.HandlerFunc {
	withToken := s.requireAPIToken(next)
	return func(c echo.Context) error {
		if apiOrg(c) != 0 {
			return next(c)
		}
		return withToken(c)
	}
}

// v1RequestBody mirrors workflow.Request in snake_case.
type v1RequestBody struct {
	Rights []string `json:"rights"`
	// AllRegisters defaults to true when no register_ids are given (IN-1).
	AllRegisters    *bool   `json:"all_registers"`
	RegisterIDs     []int64 `json:"register_ids"`
	Details         string  `json:"details"`
	PeriodFrom      string  `json:"period_from"`
	PeriodTo        string  `json:"period_to"`
	Delivery        string  `json:"delivery"`
	Name            string  `json:"name"`
	Email           string  `json:"email"`
	Phone           string  `json:"phone"`
	Address         string  `json:"address"`
	Hetu            string  `json:"hetu"`
	OnBehalf        bool    `json:"on_behalf"`
	Relation        string  `json:"relation"`
	SubjectName     string  `json:"subject_name"`
	SubjectHetu     string  `json:"subject_hetu"`
	Lang            string  `json:"lang"` // reply language (FI-3); default the organisation's primary language
	DocumentRequest bool    `json:"document_request"`
}

type v1Created struct {
	Receipt            string         `json:"receipt"`
	ReceivedAt         time.Time      `json:"received_at"`
	LegalDue           workflow.Date  `json:"legal_due"`
	SafeTarget         workflow.Date  `json:"safe_target"`
	DocumentRequestDue *workflow.Date `json:"document_request_due,omitempty"`
	State              string         `json:"state"`
	// Confirmation says what the resident must still do: enter the code
	// emailed to them within 24 hours, or the request is deleted (D-8).
	Confirmation string `json:"confirmation"`
}

type v1FieldError struct {
	Key     string `json:"key"`
	Message string `json:"message"`
}

type v1ValidationError struct {
	Error  string                  `json:"error"`
	Fields map[string]v1FieldError `json:"fields"`
}

// v1Field names a workflow field as the API body does.
func v1Field(f string) string {
	if f == "registers" {
		return "register_ids"
	}
	return f
}

// IdempotencyKeyHeader: a retry of POST /api/v1/requests with the same
// key (per organisation) and body gets the first answer instead of a
// second request (issue 16, item 8).
const IdempotencyKeyHeader = "Idempotency-Key"

// maxIdempotencyKey bounds the key; printable ASCII only.
const maxIdempotencyKey = 255

func validIdempotencyKey(k string) bool {
	if k == "" || len(k) > maxIdempotencyKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// v1Error answers a JSON error: code is a stable key, the message is in
// the caller's language.
func (s *Server) v1Error(c echo.Context, status int, code, msgKey string) error {
	return c.JSON(status, map[string]string{"error": code, "message": s.Catalog.T(langOf(c), msgKey)})
}

func (s *Server) v1CreateRequest(c echo.Context) error {
	ctx := c.Request().Context()
	lang := langOf(c)
	org, err := s.v1Org(c)
	if err != nil {
		return err
	}
	// An organisation not yet open to residents (store.Org.Open) takes no
	// requests here either: with no register in its catalogue a request
	// would be routed to none.
	if !org.Open {
		return s.v1Error(c, http.StatusConflict, "error.org_not_open", "error.org_not_open_post")
	}
	// Issue 16, item 8: only JSON is read as JSON.
	if mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); err != nil || mt != echo.MIMEApplicationJSON {
		return s.v1Error(c, http.StatusUnsupportedMediaType, "error.content_type", "api.err.content_type")
	}
	key, hasKey := c.Request().Header.Get(IdempotencyKeyHeader), len(c.Request().Header.Values(IdempotencyKeyHeader)) > 0
	if hasKey && !validIdempotencyKey(key) {
		return s.v1Error(c, http.StatusBadRequest, "error.idempotency_key", "api.err.idempotency_key")
	}
	raw, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var tooLarge *echo.HTTPError
		if errors.As(err, &tooLarge) {
			return err
		}
		return s.v1Error(c, http.StatusBadRequest, "error.badrequest", "intake.err.body")
	}
	var b v1RequestBody
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields() // a misspelt field must not be silently dropped
	if err := dec.Decode(&b); err != nil {
		return s.v1Error(c, http.StatusBadRequest, "error.badrequest", "intake.err.body")
	}
	// One JSON value and nothing after it but white space (item 8).
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return s.v1Error(c, http.StatusBadRequest, "error.trailing_data", "api.err.trailing_data")
	}
	if field, ok := checkJSONText(&b); !ok {
		return &badTextError{Field: field}
	}
	// A key is not looked up first (a round trip on every request, issue
	// 21): the request's batch claims it, and a key taken is answered from
	// its stored answer below (replay, or 409 for another body).
	bodyHash := sha256.Sum256(raw)
	req := workflow.Request{
		Rights: b.Rights, RegisterIDs: b.RegisterIDs, Details: b.Details, PeriodFrom: b.PeriodFrom, PeriodTo: b.PeriodTo,
		Delivery: b.Delivery, Name: b.Name, Email: b.Email, Phone: b.Phone, Address: b.Address, Hetu: b.Hetu,
		OnBehalf: b.OnBehalf, Relation: b.Relation, SubjectName: b.SubjectName, SubjectHetu: b.SubjectHetu,
		Lang: b.Lang, DocumentRequest: b.DocumentRequest,
	}
	if req.Lang == "" {
		req.Lang = org.PrimaryLang
	}
	fe := workflow.FieldErrors{}
	if b.AllRegisters == nil {
		req.AllRegisters = len(b.RegisterIDs) == 0
	} else {
		req.AllRegisters = *b.AllRegisters
		if req.AllRegisters && len(b.RegisterIDs) > 0 {
			fe.Add("registers", "intake.err.scope_conflict")
		}
	}
	if len(fe) == 0 {
		// The answer is what the commit produced: nothing is read after
		// it, so a stored request is never answered with a 500 (item 8).
		// With a key, the answer is stored in the request's own
		// transaction (one batch with its rows, issue 21).
		idem := &workflow.Idempotent{Status: http.StatusCreated,
			Response: func(sub workflow.Submission) ([]byte, error) { return json.Marshal(v1CreatedOf(sub)) }}
		if hasKey {
			idem.Key, idem.RequestHash = key, bodyHash[:]
		}
		sub, body, err := s.Workflow.SubmitAPIOnce(ctx, org, req, apiActor(c), idem)
		if err == nil {
			c.Response().Header().Set(echo.HeaderLocation, "/api/v1/requests/"+sub.Receipt)
			return c.JSONBlob(http.StatusCreated, body)
		}
		if hasKey && errors.Is(err, store.ErrConflict) {
			// The key is taken (a retry, or a parallel request with the
			// same key that committed first): its answer, and ours rolled
			// back with its mail.
			if done, err := s.v1Replay(c, org.ID, key, bodyHash[:]); done || err != nil {
				return err
			}
		}
		if !errors.As(err, &fe) {
			return err
		}
	}
	// A retry whose body no longer validates (the catalogue changed) still
	// gets the answer stored under its key, and another body with a taken
	// key its 409, as when the key was looked up first.
	if hasKey {
		if done, err := s.v1Replay(c, org.ID, key, bodyHash[:]); done || err != nil {
			return err
		}
	}
	out := v1ValidationError{Error: "validation", Fields: map[string]v1FieldError{}}
	for f, key := range fe {
		out.Fields[v1Field(f)] = v1FieldError{Key: key, Message: s.Catalog.T(lang, key)}
	}
	return c.JSON(http.StatusUnprocessableEntity, out)
}

// v1Org is the organisation of the request's token: read with the token,
// else by its id.
func (s *Server) v1Org(c echo.Context) (store.Org, error) {
	if o, ok := apiOrgRow(c); ok {
		return o, nil
	}
	return store.New(s.Pool).OrgByID(c.Request().Context(), apiOrg(c))
}

// v1CreatedOf is the 201 answer to a stored request.
func v1CreatedOf(sub workflow.Submission) v1Created {
	out := v1Created{Receipt: sub.Receipt, ReceivedAt: sub.ReceivedAt, LegalDue: sub.Due.LegalDue, SafeTarget: sub.Due.SafeTarget,
		State: sub.State, Confirmation: "email_code"}
	if !sub.Due.DocDue.IsZero() {
		out.DocumentRequestDue = &sub.Due.DocDue
	}
	return out
}

// v1Replay answers a repeated Idempotency-Key with the first answer (done),
// or refuses the key reused for another body (409). Not stored: not done.
func (s *Server) v1Replay(c echo.Context, orgID int64, key string, bodyHash []byte) (bool, error) {
	prev, err := store.New(s.Pool).IdempotentAnswer(c.Request().Context(), orgID, key)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	if !bytes.Equal(prev.RequestHash, bodyHash) {
		return true, s.v1Error(c, http.StatusConflict, "error.idempotency_key_reused", "api.err.idempotency_key_reused")
	}
	c.Response().Header().Set("Idempotent-Replayed", "true")
	var created v1Created
	if json.Unmarshal(prev.Response, &created) == nil && created.Receipt != "" {
		c.Response().Header().Set(echo.HeaderLocation, "/api/v1/requests/"+created.Receipt)
	}
	return true, c.JSONBlob(prev.Status, prev.Response)
}

// v1Request is where a request stands. It names no person: no name,
// email or henkilötunnus (ID-4).
type v1Request struct {
	Receipt         string         `json:"receipt"`
	State           string         `json:"state"`
	Channel         string         `json:"channel"`
	Rights          []string       `json:"rights"`
	DocumentRequest bool           `json:"document_request"`
	AllRegisters    bool           `json:"all_registers"`
	RegisterIDs     []int64        `json:"register_ids"`
	Delivery        string         `json:"delivery"`
	Lang            string         `json:"lang"`
	ReceivedAt      time.Time      `json:"received_at"`
	ConfirmedAt     *time.Time     `json:"confirmed_at"`
	DuplicateOf     *string        `json:"duplicate_of"`
	Deadlines       v1Deadlines    `json:"deadlines"`
	Tasks           map[string]int `json:"tasks"`
}

type v1Deadlines struct {
	ReceivedDate               workflow.Date `json:"received_date"`
	RawEnd                     workflow.Date `json:"raw_end"`
	LegalDue                   workflow.Date `json:"legal_due"`
	SafeTarget                 workflow.Date `json:"safe_target"`
	ExtendedDue                workflow.Date `json:"extended_due"`
	PausedDue                  workflow.Date `json:"paused_due"`
	EffectiveDue               workflow.Date `json:"effective_due"`
	DocumentRequestDue         workflow.Date `json:"document_request_due"`
	DocumentRequestExtendedDue workflow.Date `json:"document_request_extended_due"`
}

func (s *Server) v1GetRequest(c echo.Context) error {
	ctx := c.Request().Context()
	q := store.New(s.Pool)
	org, err := s.v1Org(c)
	if err != nil {
		return err
	}
	receipt, ok := store.ParseReceipt(c.Param("receipt"))
	if !ok {
		receipt = c.Param("receipt") // not found below, answered as before
	}
	cs, err := q.CaseByReceipt(ctx, []int64{org.ID}, receipt)
	if err != nil {
		return err // another organisation's receipt is not found
	}
	due := workflow.DueOf(cs, workflow.CalendarFor(org), s.Now())
	out := v1Request{
		Receipt: cs.Receipt, State: cs.State, Channel: cs.Channel, Rights: cs.Rights, DocumentRequest: cs.DocumentRequest,
		AllRegisters: cs.AllRegisters, RegisterIDs: []int64{}, Delivery: cs.Delivery, Lang: cs.Lang,
		ReceivedAt: cs.ReceivedAt, ConfirmedAt: cs.ConfirmedAt,
		Deadlines: v1Deadlines{
			ReceivedDate: due.ReceivedDate, RawEnd: due.RawEnd, LegalDue: due.LegalDue, SafeTarget: due.SafeTarget,
			ExtendedDue: due.ExtendedDue, PausedDue: due.PausedDue, EffectiveDue: due.Effective,
			DocumentRequestDue: due.DocDue, DocumentRequestExtendedDue: due.DocExtended,
		},
		Tasks: map[string]int{"total": 0, "waiting": 0, "open": 0, "answered": 0, "cancelled": 0},
	}
	if out.Rights == nil {
		out.Rights = []string{}
	}
	if !cs.AllRegisters {
		ids, err := q.CaseRegisterIDs(ctx, cs.ID)
		if err != nil {
			return err
		}
		out.RegisterIDs = append(out.RegisterIDs, ids...)
	}
	if cs.DuplicateOf != nil {
		if earlier, err := q.CaseByID(ctx, org.ID, *cs.DuplicateOf); err == nil {
			out.DuplicateOf = &earlier.Receipt
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	tasks, err := q.TasksOfCase(ctx, org.ID, cs.ID)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		out.Tasks["total"]++
		out.Tasks[t.State]++
	}
	// D-20: the token's use is recorded on the case it reads (the case
	// page's access log), once an hour per token and case.
	if err := s.Workflow.LogAPIRead(ctx, org.ID, cs.ID, apiActor(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
