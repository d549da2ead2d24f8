// Package config parses rightsdesk's settings once, from flags and the
// environment, into a Config that is passed down. Flags win over the
// environment; every setting has an environment name and a flag name.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of the rightsdesk binary.
type Config struct {
	DatabaseURL string // empty: embedded PostgreSQL under DataDir
	// MigrateDatabaseURL connects as the schema's owner for migrations;
	// the server then runs as DATABASE_URL's role, which cannot change the
	// audit trail (issue 16). Empty: DATABASE_URL does both.
	MigrateDatabaseURL string
	ListenAddr         string
	BaseURL            string
	DataDir            string
	SecretKey          string // [ID:]KEY, hex or base64, 32 bytes; generated in the embedded default (D-17)
	// OldSecretKeys are retired keys kept for verification and decryption
	// (D-26), each [ID:]KEY.
	OldSecretKeys []string
	// SecretKeyFile is a key file holding the whole keyring (issue 22):
	// 'rightsdesk keys rotate' writes it and a running server re-reads it.
	// Empty: DATA_DIR/secret.key when SECRET_KEY is empty.
	SecretKeyFile string

	SMTPURL    string // empty: in-process mail catcher (embedded default only); "catcher": the catcher explicitly
	MailFrom   string
	SMTPListen string // inbound mail listener address; empty = off
	// SMTPListenTLSCert and SMTPListenTLSKey enable STARTTLS on the inbound
	// listener (SMTP_LISTEN_TLS=cert.pem,key.pem); empty = plain.
	SMTPListenTLSCert, SMTPListenTLSKey string

	Migrate  bool // migrate on start
	Seed     bool // create the seed organisations, catalogues and demo DPOs on first start
	LogLevel string
	LogJSON  bool // default: JSON with DATABASE_URL (production), text in the embedded default

	// MetricsListen serves /metrics alone on a separate address (e.g.
	// 127.0.0.1:9464); MetricsToken serves it on the main server to a
	// bearer of the token. Neither set: no metrics (issue 22).
	MetricsListen string
	MetricsToken  string
	// PprofListen serves net/http/pprof on a loopback address for
	// profiling under load (issue 21); empty (the default): off.
	PprofListen string

	Workers       int
	FetchCooldown time.Duration
	// MailFast: goroutines sending intake code mails right after their
	// commit (issue 21); 0 sends every mail through River.
	MailFast int
	// APIRate: requests a second one API token may make on /api/v1, in
	// bursts of twice that, for all processes together (D-24); 0: no limit.
	APIRate int

	ReminderDays    []int // working days before safe_target (issue 6)
	TaskLinkTTL     time.Duration
	SessionIdle     time.Duration
	SessionAbsolute time.Duration
	TrustedProxies  []*net.IPNet // D-19
	Argon2Memory    uint32       // KiB
	Argon2Time      uint32
	HashMemoryMiB   uint32 // memory for concurrent password hashes (issue 16, item 6)
	// StatusSendFloor is the least time the status page's "send code"
	// answer takes, known number or not (issue 16, item 5).
	StatusSendFloor time.Duration
	// ImportFetchPrivate lets the import wizard fetch pages from loopback
	// and private addresses (issue 19; tests and intranet installs).
	ImportFetchPrivate bool
}

// Embedded reports whether the embedded default runs (no DATABASE_URL).
func (c Config) Embedded() bool { return c.DatabaseURL == "" }

// CheckSecret enforces D-17: outside the embedded default a missing key is
// a start-up error (the embedded default generates one in DATA_DIR).
func (c Config) CheckSecret() error {
	if !c.Embedded() && c.SecretKey == "" && c.SecretKeyFile == "" {
		return errors.New("--secret-key (SECRET_KEY) or --secret-key-file (SECRET_KEY_FILE): required when DATABASE_URL is set (generate one: openssl rand -hex 32)")
	}
	if c.SecretKey != "" && c.SecretKeyFile != "" {
		return errors.New("set SECRET_KEY or SECRET_KEY_FILE, not both")
	}
	return nil
}

// SMTPCatcher is the SMTP_URL value that asks for the in-process mail
// catcher explicitly (outside the embedded default).
const SMTPCatcher = "catcher"

// MailCatcher reports whether outgoing mail goes to the in-process
// catcher: only in the embedded default, or with SMTP_URL=catcher.
func (c Config) MailCatcher() bool {
	return c.SMTPURL == SMTPCatcher || (c.SMTPURL == "" && c.Embedded())
}

// CheckMail refuses a DATABASE_URL without SMTP_URL (issue 16, item 1):
// such an install would deliver nothing and show every organisation's mail
// in the catcher.
func (c Config) CheckMail() error {
	if !c.Embedded() && c.SMTPURL == "" {
		return errors.New("--smtp-url (SMTP_URL): required when DATABASE_URL is set (smtp://host:25, smtp+starttls://user:pass@host:587, smtps://user:pass@host:465; SMTP_URL=catcher keeps all mail in the process for testing)")
	}
	return nil
}

// Metrics reports whether /metrics is served at all.
func (c Config) Metrics() bool { return c.MetricsListen != "" || c.MetricsToken != "" }

// Secure reports whether cookies must be Secure (BASE_URL is https).
func (c Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// DefaultMailFrom is the sender with the in-process catcher only: with a
// real SMTP server MAIL_FROM must be set (issue 17).
const DefaultMailFrom = "rightsdesk <no-reply@rightsdesk.localhost>"

// setting describes one configurable value for both flag and env parsing.
type setting struct {
	flag, env, def, help string
}

var settings = []setting{
	{"database-url", "DATABASE_URL", "", "PostgreSQL URL; empty starts a private cluster under DATA_DIR from local binaries"},
	{"migrate-database-url", "MIGRATE_DATABASE_URL", "", "PostgreSQL URL of the schema's owner, for migrations; DATABASE_URL's role then gets only what the server needs (no UPDATE, DELETE or TRUNCATE of the audit trail)"},
	{"listen", "LISTEN_ADDR", "127.0.0.1:8080", "HTTP listen address"},
	{"base-url", "BASE_URL", "", "public base URL used in links (default http://LISTEN_ADDR)"},
	{"data-dir", "DATA_DIR", "./var", "directory for the embedded database and generated secret"},
	{"secret-key", "SECRET_KEY", "", "32-byte key (64 hex chars), optionally named ID:KEY, for encryption, signed links and the audit trail; generated in DATA_DIR in the embedded default"},
	{"secret-key-file", "SECRET_KEY_FILE", "", "a key file holding the keyring, current key first (issue 22; 'rightsdesk keys rotate' adds keys to it and a running server re-reads it); default DATA_DIR/secret.key when SECRET_KEY is empty"},
	{"old-secret-keys", "OLD_SECRET_KEYS", "", "comma-separated retired keys (ID:KEY or KEY) kept to verify the audit trail and read old data after a rotation (D-26)"},
	{"smtp-url", "SMTP_URL", "", "outgoing mail: smtp://host:25, smtp+starttls://user:pass@host:587, smtps://user:pass@host:465; catcher = the in-process catcher for testing; empty uses the catcher only without DATABASE_URL"},
	{"mail-from", "MAIL_FROM", "", "From address of outgoing mail, e.g. \"Tietosuoja <tietosuoja@kunta.fi>\"; its domain names the Message-IDs; required with SMTP_URL (the catcher uses " + DefaultMailFrom + ")"},
	{"smtp-listen", "SMTP_LISTEN", "", "address for the inbound mail listener (requests by email); empty = off"},
	{"smtp-listen-tls", "SMTP_LISTEN_TLS", "", "cert.pem,key.pem: offer STARTTLS on the inbound listener with this certificate and key (PEM files); empty = plain"},
	{"migrate", "MIGRATE", "true", "apply database migrations on start"},
	{"import-fetch-private", "IMPORT_FETCH_PRIVATE", "false", "let the import wizard fetch pages from loopback and private addresses (an intranet's own site)"},
	{"seed", "SEED", "auto", "import the seed organisations on first start (auto = only in the embedded default)"},
	{"log-level", "LOG_LEVEL", "info", "debug, info, warn or error"},
	{"log-json", "LOG_JSON", "auto", "log as JSON lines: true or false; auto = JSON with DATABASE_URL, text in the embedded default"},
	{"metrics-listen", "METRICS_LISTEN", "", "address serving Prometheus /metrics alone, e.g. 127.0.0.1:9464; empty = off"},
	{"metrics-token", "METRICS_TOKEN", "", "serve /metrics on the main server to requests with Authorization: Bearer TOKEN (at least 16 characters); empty = off"},
	{"pprof-listen", "PPROF_LISTEN", "", "loopback address serving Go's /debug/pprof/ for profiling, e.g. 127.0.0.1:6060; empty = off"},
	{"workers", "WORKERS", "20", "River workers for the default queue"},
	{"fetch-cooldown", "FETCH_COOLDOWN", "100ms", "River fetch cooldown (lower = more throughput, more polling)"},
	{"mail-fast", "MAIL_FAST", "4", "goroutines sending a request's code mail right after it is stored, River job kept as a backstop; 0 = every mail through River"},
	{"api-rate", "API_RATE", "20", "requests a second one API token may make on /api/v1, in bursts of twice that, counted in the database for every server process (each request can mail a code to any address); 0 = no limit"},
	{"reminder-days", "REMINDER_DAYS", "5,2", "owner reminders, working days before the safe target"},
	{"task-link-ttl", "TASK_LINK_TTL", "1440h", "how long an owner's task link stays valid"},
	{"session-idle", "SESSION_IDLE", "30m", "staff session idle timeout"},
	{"session-absolute", "SESSION_ABSOLUTE", "12h", "staff session absolute lifetime"},
	{"trusted-proxies", "TRUSTED_PROXIES", "", "comma-separated CIDRs whose X-Forwarded-For is believed (D-19)"},
	{"argon2-memory", "ARGON2_MEMORY_KIB", "65536", "argon2id memory per password hash, KiB"},
	{"argon2-time", "ARGON2_TIME", "3", "argon2id passes"},
	{"status-send-floor", "STATUS_SEND_FLOOR", "250ms", "least time the status page takes to answer a request number, so known and unknown numbers cannot be told apart by timing"},
	{"hash-memory", "HASH_MEMORY_MIB", "128", "memory for password hashes running at once, MiB: HASH_MEMORY_MIB / ARGON2_MEMORY_KIB sign-ins hash in parallel, the rest wait"},
}

// Usage writes every setting with its environment name and default.
func Usage(w io.Writer) {
	fmt.Fprintln(w, "Settings (flag / environment, default):")
	for _, s := range settings {
		def := s.def
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(w, "  --%-18s %-18s %s\n      %s\n", s.flag, s.env, def, s.help)
	}
}

// Parse reads settings from args (flags) and getenv. Unknown flags and
// malformed values are errors naming the setting.
// extra, when not nil, registers a subcommand's own flags on the same set.
func Parse(name string, args []string, getenv func(string) string, extra func(*flag.FlagSet)) (Config, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if extra != nil {
		extra(fs)
	}
	vals := make(map[string]*string, len(settings))
	for _, s := range settings {
		v := s.def
		if e := getenv(s.env); e != "" {
			v = e
		}
		p := new(string)
		fs.StringVar(p, s.flag, v, s.help)
		vals[s.flag] = p
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, nil, err
		}
		return Config{}, nil, fmt.Errorf("%w (see --help)", err)
	}
	get := func(f string) string { return strings.TrimSpace(*vals[f]) }

	var c Config
	var errs []error
	bad := func(flagName string, format string, a ...any) {
		env := ""
		for _, s := range settings {
			if s.flag == flagName {
				env = s.env
			}
		}
		errs = append(errs, fmt.Errorf("--%s (%s): %s", flagName, env, fmt.Sprintf(format, a...)))
	}
	boolOf := func(f string) bool {
		b, err := strconv.ParseBool(get(f))
		if err != nil {
			bad(f, "want true or false, got %q", get(f))
		}
		return b
	}
	durOf := func(f string) time.Duration {
		d, err := time.ParseDuration(get(f))
		if err != nil || d <= 0 {
			bad(f, "want a positive duration like 30m or 12h, got %q", get(f))
		}
		return d
	}
	uintOf := func(f string) uint64 {
		n, err := strconv.ParseUint(get(f), 10, 32)
		if err != nil || n == 0 {
			bad(f, "want a positive whole number, got %q", get(f))
		}
		return n
	}

	c.DatabaseURL = get("database-url")
	if c.DatabaseURL != "" {
		if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			if !strings.Contains(c.DatabaseURL, "=") { // keyword/value DSNs are fine too
				bad("database-url", "want postgres://user@host/db or a keyword/value connection string")
			}
		}
	}
	c.ListenAddr = get("listen")
	if _, _, err := net.SplitHostPort(c.ListenAddr); err != nil {
		bad("listen", "want host:port, got %q", c.ListenAddr)
	}
	c.BaseURL = strings.TrimRight(get("base-url"), "/")
	if c.BaseURL == "" {
		host, port, _ := net.SplitHostPort(c.ListenAddr)
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		c.BaseURL = "http://" + net.JoinHostPort(host, port)
	} else if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("base-url", "want an absolute http(s) URL, got %q", c.BaseURL)
	}
	c.DataDir = get("data-dir")
	if c.DataDir == "" {
		bad("data-dir", "must not be empty")
	}
	c.SecretKey = get("secret-key")
	c.SecretKeyFile = get("secret-key-file")
	for _, k := range strings.Split(get("old-secret-keys"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			c.OldSecretKeys = append(c.OldSecretKeys, k)
		}
	}
	c.SMTPURL = get("smtp-url")
	c.MailFrom = get("mail-from")
	switch {
	case c.MailFrom == "" && c.SMTPURL != "" && c.SMTPURL != SMTPCatcher:
		bad("mail-from", "required with SMTP_URL: the From address of outgoing mail, e.g. \"Tietosuoja <tietosuoja@kunta.fi>\"")
	case c.MailFrom == "":
		c.MailFrom = DefaultMailFrom
	default:
		if a, err := netmail.ParseAddress(c.MailFrom); err != nil || !strings.Contains(a.Address, "@") {
			bad("mail-from", "want an address like \"Tietosuoja <tietosuoja@kunta.fi>\", got %q", c.MailFrom)
		}
	}
	c.SMTPListen = get("smtp-listen")
	if c.SMTPListen != "" {
		if _, _, err := net.SplitHostPort(c.SMTPListen); err != nil {
			bad("smtp-listen", "want host:port, got %q", c.SMTPListen)
		}
	}
	if v := get("smtp-listen-tls"); v != "" {
		cert, key, ok := strings.Cut(v, ",")
		c.SMTPListenTLSCert, c.SMTPListenTLSKey = strings.TrimSpace(cert), strings.TrimSpace(key)
		switch {
		case !ok || c.SMTPListenTLSCert == "" || c.SMTPListenTLSKey == "":
			bad("smtp-listen-tls", "want cert.pem,key.pem, got %q", v)
		case c.SMTPListen == "":
			bad("smtp-listen-tls", "needs SMTP_LISTEN")
		}
	}
	c.MigrateDatabaseURL = get("migrate-database-url")
	if c.MigrateDatabaseURL != "" && c.DatabaseURL == "" {
		bad("migrate-database-url", "needs DATABASE_URL (the embedded default creates its own roles)")
	}
	c.Migrate = boolOf("migrate")
	c.ImportFetchPrivate = boolOf("import-fetch-private")
	switch get("seed") {
	case "auto":
		c.Seed = c.DatabaseURL == ""
	default:
		c.Seed = boolOf("seed")
	}
	c.LogLevel = get("log-level")
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log-level", "want debug, info, warn or error, got %q", c.LogLevel)
	}
	switch get("log-json") {
	case "auto":
		c.LogJSON = c.DatabaseURL != ""
	default:
		c.LogJSON = boolOf("log-json")
	}
	c.MetricsListen = get("metrics-listen")
	if c.MetricsListen != "" {
		if _, port, err := net.SplitHostPort(c.MetricsListen); err != nil {
			bad("metrics-listen", "want host:port, got %q", c.MetricsListen)
		} else if c.MetricsListen == c.ListenAddr && port != "0" {
			bad("metrics-listen", "must differ from LISTEN_ADDR (use METRICS_TOKEN to serve /metrics on the main server)")
		}
	}
	c.MetricsToken = get("metrics-token")
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		bad("metrics-token", "want at least 16 characters (generate one: openssl rand -hex 16)")
	}
	c.PprofListen = get("pprof-listen")
	if c.PprofListen != "" {
		// Profiles show the process's internals: loopback only.
		if host, _, err := net.SplitHostPort(c.PprofListen); err != nil {
			bad("pprof-listen", "want host:port, got %q", c.PprofListen)
		} else if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			bad("pprof-listen", "must be a loopback address (127.0.0.1:PORT), got %q", c.PprofListen)
		}
	}
	c.Workers = int(uintOf("workers"))
	c.FetchCooldown = durOf("fetch-cooldown")
	if n, err := strconv.ParseUint(get("mail-fast"), 10, 16); err != nil {
		bad("mail-fast", "want a whole number (0 = off), got %q", get("mail-fast"))
	} else {
		c.MailFast = int(n)
	}
	if n, err := strconv.ParseUint(get("api-rate"), 10, 16); err != nil {
		bad("api-rate", "want requests a second as a whole number (0 = no limit), got %q", get("api-rate"))
	} else {
		c.APIRate = int(n)
	}
	for _, p := range strings.Split(get("reminder-days"), ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 30 {
			bad("reminder-days", "want working-day counts like 5,2, got %q", get("reminder-days"))
			break
		}
		c.ReminderDays = append(c.ReminderDays, n)
	}
	c.TaskLinkTTL = durOf("task-link-ttl")
	c.SessionIdle = durOf("session-idle")
	c.SessionAbsolute = durOf("session-absolute")
	if tp := get("trusted-proxies"); tp != "" {
		for _, p := range strings.Split(tp, ",") {
			_, n, err := net.ParseCIDR(strings.TrimSpace(p))
			if err != nil {
				bad("trusted-proxies", "want CIDRs like 10.0.0.0/8, got %q", p)
				continue
			}
			c.TrustedProxies = append(c.TrustedProxies, n)
		}
	}
	c.Argon2Memory = uint32(uintOf("argon2-memory"))
	c.Argon2Time = uint32(uintOf("argon2-time"))
	c.HashMemoryMiB = uint32(uintOf("hash-memory"))
	c.StatusSendFloor = durOf("status-send-floor")
	if err := errors.Join(errs...); err != nil {
		return Config{}, nil, err
	}
	return c, fs.Args(), nil
}
