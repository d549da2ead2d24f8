// Package metrics exposes rightsdesk to Prometheus (issue 22): HTTP
// requests by route pattern (D-18: never the real path, which may hold a
// token), sign-in failures, and gauges read from the database at scrape
// time (open cases by urgency band, River jobs, the outbox, the audit
// trail), cached briefly so that scrapes by several Prometheus servers cost
// one set of queries. Every name starts with rightsdesk_. No label ever
// carries personal data: route patterns, organisation slugs, job kinds and
// states only.
package metrics

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Options wires the metrics to the process.
type Options struct {
	Pool   *pgxpool.Pool
	Logger *slog.Logger
	Now    func() time.Time
	// CacheTTL is how long the database gauges are reused. Default 15s.
	CacheTTL time.Duration
	// Restarts, when set, counts the embedded cluster's restarts by its
	// supervisor (pgembed.Cluster.Restarts).
	Restarts func() int64
	// DataDir, when set, reports the free space of its file system (the
	// embedded cluster lives there).
	DataDir string
	// Certs maps a listener name ("smtp") to its PEM certificate file,
	// whose expiry is reported.
	Certs map[string]string
	// Version labels rightsdesk_build_info.
	Version string
}

// Metrics is the registry and the instruments the server feeds. A nil
// *Metrics accepts every observation and records nothing.
type Metrics struct {
	reg           *prometheus.Registry
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	loginFailures *prometheus.CounterVec
}

// New registers every rightsdesk metric, the Go runtime's and the
// process's.
func New(o Options) *Metrics {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = 15 * time.Second
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rightsdesk_http_requests_total",
			Help: "HTTP requests by method, route pattern (never the real path) and status code.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rightsdesk_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route pattern.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
		loginFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rightsdesk_login_failures_total",
			Help: "Failed staff sign-ins: reason credentials (wrong email or password) or limited (refused by the sign-in limits).",
		}, []string{"reason"}),
	}
	for _, r := range []string{"credentials", "limited"} {
		m.loginFailures.WithLabelValues(r)
	}
	m.reg.MustRegister(m.requests, m.duration, m.loginFailures,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{Namespace: "rightsdesk"}),
		&dbCollector{o: o},
	)
	bi := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "rightsdesk_build_info", Help: "Always 1; the version label names the running build.",
		ConstLabels: prometheus.Labels{"version": o.Version},
	})
	bi.Set(1)
	m.reg.MustRegister(bi)
	if o.Restarts != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "rightsdesk_embedded_postgres_restarts_total",
			Help: "Times the supervisor restarted the embedded PostgreSQL after it died.",
		}, func() float64 { return float64(o.Restarts()) }))
	}
	if o.DataDir != "" {
		dir := o.DataDir
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "rightsdesk_data_dir_free_bytes",
			Help: "Free bytes (for unprivileged users) on the file system of DATA_DIR, where the embedded database lives.",
		}, func() float64 {
			var st syscall.Statfs_t
			if err := syscall.Statfs(dir, &st); err != nil {
				return -1
			}
			return float64(st.Bavail) * float64(st.Bsize)
		}))
	}
	for name, file := range o.Certs {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "rightsdesk_tls_cert_expiry_timestamp_seconds",
			Help:        "When the listener's certificate file (as it is on disk now) expires, as a Unix time; 0 when it cannot be read.",
			ConstLabels: prometheus.Labels{"listener": name},
		}, func() float64 { return certExpiry(file) }))
	}
	return m
}

// Handler serves the registry in Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// ObserveHTTP counts one request. route must be the route pattern (echo's
// c.Path()), never the request's path (D-18).
func (m *Metrics) ObserveHTTP(method, route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	if !knownMethods[method] {
		method = "other" // a client's invented methods must not add series
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}

// LoginFailed counts a failed staff sign-in: reason is "credentials" or
// "limited".
func (m *Metrics) LoginFailed(reason string) {
	if m == nil {
		return
	}
	m.loginFailures.WithLabelValues(reason).Inc()
}

func certExpiry(file string) float64 {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return 0
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return 0
	}
	return float64(c.NotAfter.Unix())
}

// dbCollector reads the database gauges at scrape time, at most once per
// CacheTTL.
type dbCollector struct {
	o Options

	mu      sync.Mutex
	at      time.Time
	cached  []prometheus.Metric
	lastErr bool
}

var (
	descOpen = prometheus.NewDesc("rightsdesk_open_cases",
		"Open cases (as the dashboard lists them) by urgency band of their effective due date (overdue, week: due within 7 days, later) and organisation.",
		[]string{"org", "band"}, nil)
	descJobs = prometheus.NewDesc("rightsdesk_river_jobs",
		"River jobs by kind and state (finished jobs stay until River prunes them).",
		[]string{"kind", "state"}, nil)
	descOutboxPending = prometheus.NewDesc("rightsdesk_outbox_pending",
		"Outgoing mails not yet accepted by the mail server.", nil, nil)
	descOutboxRetrying = prometheus.NewDesc("rightsdesk_outbox_retrying",
		"Pending outgoing mails that have failed temporarily at least once.", nil, nil)
	descOutboxOldest = prometheus.NewDesc("rightsdesk_outbox_oldest_pending_age_seconds",
		"Age of the oldest pending outgoing mail; 0 when none is pending.", nil, nil)
	descOutboxFailed = prometheus.NewDesc("rightsdesk_outbox_failed",
		"Outgoing mails given up on (permanent failure), shown to the DPO with \"send again\".", nil, nil)
	descAuditBroken = prometheus.NewDesc("rightsdesk_audit_chains_broken",
		"Audit chains the last verification found broken.", nil, nil)
	descAuditCheckpoint = prometheus.NewDesc("rightsdesk_audit_last_checkpoint_timestamp_seconds",
		"When the newest signed audit checkpoint was written, as a Unix time; 0: never.", nil, nil)
	descHeartbeat = prometheus.NewDesc("rightsdesk_periodic_job_last_run_timestamp_seconds",
		"When each periodic job last ran, as a Unix time.", []string{"job"}, nil)
	descDBSize = prometheus.NewDesc("rightsdesk_database_size_bytes",
		"Size of the database on disk.", nil, nil)
	descDBUp = prometheus.NewDesc("rightsdesk_database_up",
		"1 when the last read of the database gauges succeeded, else 0 (the other database gauges are then missing).", nil, nil)
)

func (d *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, x := range []*prometheus.Desc{descOpen, descJobs, descOutboxPending, descOutboxRetrying, descOutboxOldest,
		descOutboxFailed, descAuditBroken, descAuditCheckpoint, descHeartbeat, descDBSize, descDBUp} {
		ch <- x
	}
}

func (d *dbCollector) Collect(ch chan<- prometheus.Metric) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.o.Now()
	if d.cached == nil || now.Sub(d.at) >= d.o.CacheTTL || now.Before(d.at) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		ms, err := d.read(ctx, now)
		cancel()
		up := 1.0
		if err != nil {
			if !d.lastErr { // once per outage, not per scrape
				d.o.Logger.Warn("metrics: reading the database gauges failed", "err", err.Error())
			}
			ms, up = nil, 0
		}
		d.lastErr = err != nil
		d.cached = append(ms, prometheus.MustNewConstMetric(descDBUp, prometheus.GaugeValue, up))
		d.at = now
	}
	for _, m := range d.cached {
		ch <- m
	}
}

func (d *dbCollector) read(ctx context.Context, now time.Time) ([]prometheus.Metric, error) {
	q := store.New(d.o.Pool)
	var out []prometheus.Metric
	gauge := func(desc *prometheus.Desc, v float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...))
	}

	open, err := q.OpenCasesByDue(ctx)
	if err != nil {
		return nil, err
	}
	today := workflow.HelsinkiDate(now)
	bands := []workflow.Band{workflow.BandOverdue, workflow.BandWeek, workflow.BandLater}
	perOrg := map[string]map[workflow.Band]int64{}
	var orgs []string
	for _, r := range open {
		if perOrg[r.OrgSlug] == nil {
			perOrg[r.OrgSlug] = map[workflow.Band]int64{}
			orgs = append(orgs, r.OrgSlug)
		}
		if r.Count > 0 {
			// The dashboard's own rule (api/staff_cases.go).
			perOrg[r.OrgSlug][workflow.BandOf(workflow.DateOf(r.Due.UTC()), today)] += r.Count
		}
	}
	for _, org := range orgs {
		for _, b := range bands {
			gauge(descOpen, float64(perOrg[org][b]), org, string(b))
		}
	}

	jobs, err := q.JobCounts(ctx)
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		gauge(descJobs, float64(j.Count), j.Kind, j.State)
	}

	ob, err := q.OutboxHealth(ctx)
	if err != nil {
		return nil, err
	}
	gauge(descOutboxPending, float64(ob.Pending))
	gauge(descOutboxRetrying, float64(ob.Retrying))
	age := 0.0
	if ob.OldestPending != nil {
		age = max(0, now.Sub(*ob.OldestPending).Seconds())
	}
	gauge(descOutboxOldest, age)
	gauge(descOutboxFailed, float64(ob.Failed))

	ah, err := q.AuditHealth(ctx)
	if err != nil {
		return nil, err
	}
	gauge(descAuditBroken, float64(ah.BrokenChains))
	cp := 0.0
	if ah.LastCheckpoint != nil {
		cp = float64(ah.LastCheckpoint.Unix())
	}
	gauge(descAuditCheckpoint, cp)

	hb, err := q.Heartbeats(ctx)
	if err != nil {
		return nil, err
	}
	for name, at := range hb {
		gauge(descHeartbeat, float64(at.Unix()), name)
	}

	size, err := q.DatabaseSize(ctx)
	if err != nil {
		return nil, err
	}
	gauge(descDBSize, float64(size))
	return out, nil
}
