package api

import (
	"encoding/json"
	"errors"
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

func (s *Server) v1CreateRequest(c echo.Context) error {
	ctx := c.Request().Context()
	lang := langOf(c)
	org, err := store.New(s.Pool).OrgByID(ctx, apiOrg(c))
	if err != nil {
		return err
	}
	var b v1RequestBody
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields() // a misspelt field must not be silently dropped
	if err := dec.Decode(&b); err != nil {
		var tooLarge *echo.HTTPError
		if errors.As(err, &tooLarge) {
			return err
		}
		return c.JSON(http.StatusBadRequest, map[string]string{"error": "error.badrequest", "message": s.Catalog.T(lang, "intake.err.body")})
	}
	if field, ok := checkJSONText(&b); !ok {
		return &badTextError{Field: field}
	}
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
		sub, err := s.Workflow.SubmitAPI(ctx, org, req)
		if err == nil {
			out := v1Created{Receipt: sub.Receipt, LegalDue: sub.Due.LegalDue, SafeTarget: sub.Due.SafeTarget,
				State: string(workflow.StateReceived), Confirmation: "email_code"}
			cs, err := store.New(s.Pool).CaseByID(ctx, org.ID, sub.CaseID)
			if err != nil {
				return err
			}
			out.ReceivedAt = cs.ReceivedAt
			out.State = cs.State
			if !sub.Due.DocDue.IsZero() {
				out.DocumentRequestDue = &sub.Due.DocDue
			}
			c.Response().Header().Set(echo.HeaderLocation, "/api/v1/requests/"+sub.Receipt)
			return c.JSON(http.StatusCreated, out)
		}
		if !errors.As(err, &fe) {
			return err
		}
	}
	out := v1ValidationError{Error: "validation", Fields: map[string]v1FieldError{}}
	for f, key := range fe {
		out.Fields[v1Field(f)] = v1FieldError{Key: key, Message: s.Catalog.T(lang, key)}
	}
	return c.JSON(http.StatusUnprocessableEntity, out)
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
	org, err := q.OrgByID(ctx, apiOrg(c))
	if err != nil {
		return err
	}
	cs, err := q.CaseByReceipt(ctx, []int64{org.ID}, c.Param("receipt"))
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
	return c.JSON(http.StatusOK, out)
}
