package config

import (
	"flag"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, rest, err := Parse("serve", nil, env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 0 || c.ListenAddr != "127.0.0.1:8080" || c.BaseURL != "http://127.0.0.1:8080" || c.DataDir != "./var" {
		t.Fatalf("defaults: %+v", c)
	}
	if !c.Embedded() || !c.Seed || !c.Migrate {
		t.Fatalf("embedded default should seed and migrate: %+v", c)
	}
	if c.SessionIdle != 30*time.Minute || len(c.ReminderDays) != 2 || c.ReminderDays[0] != 5 {
		t.Fatalf("durations: %+v", c)
	}
	if err := c.CheckSecret(); err != nil {
		t.Fatalf("embedded default needs no key: %v", err)
	}
}

func TestFlagsWinOverEnvironment(t *testing.T) {
	t.Parallel()
	c, _, err := Parse("serve", []string{"--listen", "0.0.0.0:9000"}, env(map[string]string{"LISTEN_ADDR": "127.0.0.1:7000", "DATABASE_URL": "postgres://u@h/db", "SECRET_KEY": "x"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.ListenAddr != "0.0.0.0:9000" || c.BaseURL != "http://localhost:9000" {
		t.Fatalf("got %+v", c)
	}
	if c.Embedded() || c.Seed {
		t.Fatal("DATABASE_URL set: not embedded, no seed by default")
	}
}

// D-17: outside the embedded default a missing key is a start-up error.
func TestSecretRequiredWithDatabaseURL(t *testing.T) {
	t.Parallel()
	c, _, err := Parse("serve", nil, env(map[string]string{"DATABASE_URL": "postgres://u@h/db"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckSecret(); err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
		t.Fatalf("CheckSecret: %v", err)
	}
}

func TestParseErrorsNameTheSetting(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"bad listen", []string{"--listen", "nonsense"}, nil, []string{"--listen", "LISTEN_ADDR"}},
		{"bad duration", nil, map[string]string{"SESSION_IDLE": "soon"}, []string{"SESSION_IDLE"}},
		{"bad bool", []string{"--migrate", "perhaps"}, nil, []string{"--migrate"}},
		{"bad base url", []string{"--base-url", "ftp://x"}, nil, []string{"BASE_URL"}},
		{"bad level", []string{"--log-level", "loud"}, nil, []string{"LOG_LEVEL"}},
		{"bad reminder", nil, map[string]string{"REMINDER_DAYS": "5,x"}, []string{"REMINDER_DAYS"}},
		{"bad proxy", nil, map[string]string{"TRUSTED_PROXIES": "10.0.0.1"}, []string{"TRUSTED_PROXIES"}},
		{"bad workers", []string{"--workers", "0"}, nil, []string{"WORKERS"}},
		{"bad db url", nil, map[string]string{"DATABASE_URL": "mysql://x"}, []string{"DATABASE_URL"}},
		{"unknown flag", []string{"--nope"}, nil, []string{"nope", "--help"}},
		{"two faults", []string{"--listen", "x", "--workers", "0"}, nil, []string{"LISTEN_ADDR", "WORKERS"}},
		{"pprof not loopback", nil, map[string]string{"PPROF_LISTEN": "0.0.0.0:6060"}, []string{"PPROF_LISTEN", "loopback"}},
		{"pprof no port", []string{"--pprof-listen", "127.0.0.1"}, nil, []string{"PPROF_LISTEN"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := Parse("serve", tc.args, env(tc.env), nil)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestExtraFlagsAndPositional(t *testing.T) {
	t.Parallel()
	var org string
	_, rest, err := Parse("import", []string{"--org", "kronoby", "a.txt", "b.txt"}, env(nil), func(fs *flag.FlagSet) {
		fs.StringVar(&org, "org", "", "")
	})
	if err != nil {
		t.Fatal(err)
	}
	if org != "kronoby" || len(rest) != 2 {
		t.Fatalf("org %q rest %v", org, rest)
	}
}

func TestSecureFollowsBaseURL(t *testing.T) {
	t.Parallel()
	c, _, err := Parse("serve", []string{"--base-url", "https://tietosuoja.example.fi/"}, env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Secure() || c.BaseURL != "https://tietosuoja.example.fi" {
		t.Fatalf("%+v", c)
	}
}

func TestUsageListsEverySetting(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	Usage(&b)
	for _, s := range settings {
		if !strings.Contains(b.String(), s.env) || !strings.Contains(b.String(), "--"+s.flag) {
			t.Errorf("usage lacks %s", s.env)
		}
	}
}

// Issue 17: with a real SMTP server a missing MAIL_FROM is a start-up
// error (no silent no-reply@rightsdesk.localhost); the catcher keeps a
// default; a malformed one is refused.
func TestMailFromRequiredWithSMTPURL(t *testing.T) {
	t.Parallel()
	if _, _, err := Parse("serve", nil, env(map[string]string{"SMTP_URL": "smtp://mail.kunta.fi:25"}), nil); err == nil ||
		!strings.Contains(err.Error(), "MAIL_FROM") {
		t.Fatalf("SMTP_URL without MAIL_FROM: %v", err)
	}
	c, _, err := Parse("serve", nil, env(map[string]string{"SMTP_URL": "smtp://mail.kunta.fi:25", "MAIL_FROM": "Tietosuoja <tietosuoja@kunta.fi>"}), nil)
	if err != nil || c.MailFrom != "Tietosuoja <tietosuoja@kunta.fi>" {
		t.Fatalf("with MAIL_FROM: %q %v", c.MailFrom, err)
	}
	if c, _, err := Parse("serve", nil, env(nil), nil); err != nil || c.MailFrom != DefaultMailFrom {
		t.Fatalf("catcher default: %q %v", c.MailFrom, err)
	}
	if _, _, err := Parse("serve", nil, env(map[string]string{"MAIL_FROM": "not an address"}), nil); err == nil || !strings.Contains(err.Error(), "MAIL_FROM") {
		t.Fatalf("malformed MAIL_FROM: %v", err)
	}
}

func TestSMTPListenTLS(t *testing.T) {
	t.Parallel()
	c, _, err := Parse("serve", nil, env(map[string]string{"SMTP_LISTEN": ":2525", "SMTP_LISTEN_TLS": "/etc/rd/cert.pem, /etc/rd/key.pem"}), nil)
	if err != nil || c.SMTPListenTLSCert != "/etc/rd/cert.pem" || c.SMTPListenTLSKey != "/etc/rd/key.pem" {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []map[string]string{
		{"SMTP_LISTEN": ":2525", "SMTP_LISTEN_TLS": "/etc/rd/cert.pem"},
		{"SMTP_LISTEN_TLS": "/etc/rd/cert.pem,/etc/rd/key.pem"},
	} {
		if _, _, err := Parse("serve", nil, env(bad), nil); err == nil || !strings.Contains(err.Error(), "SMTP_LISTEN_TLS") {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

// Issue 16, item 1: the mail catcher only in the embedded default or with
// SMTP_URL=catcher; DATABASE_URL without SMTP_URL is a start-up error.
func TestMailCatcherOnlyWhenEmbeddedOrExplicit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		env             map[string]string
		catcher, refuse bool
	}{
		{map[string]string{}, true, false},
		{map[string]string{"SMTP_URL": "smtp://mail:25", "MAIL_FROM": "t@kunta.fi"}, false, false},
		{map[string]string{"SMTP_URL": "catcher"}, true, false},
		{map[string]string{"DATABASE_URL": "postgres://u@h/db"}, false, true},
		{map[string]string{"DATABASE_URL": "postgres://u@h/db", "SMTP_URL": "smtp://mail:25", "MAIL_FROM": "t@kunta.fi"}, false, false},
		{map[string]string{"DATABASE_URL": "postgres://u@h/db", "SMTP_URL": "catcher"}, true, false},
	}
	for _, tc := range cases {
		c, _, err := Parse("serve", nil, env(tc.env), nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.MailCatcher() != tc.catcher {
			t.Errorf("%v: MailCatcher = %v, want %v", tc.env, c.MailCatcher(), tc.catcher)
		}
		err = c.CheckMail()
		if (err != nil) != tc.refuse || (err != nil && !strings.Contains(err.Error(), "SMTP_URL")) {
			t.Errorf("%v: CheckMail = %v, want refusal %v naming SMTP_URL", tc.env, err, tc.refuse)
		}
	}
}

// Issue 22: JSON logs by default in production (DATABASE_URL), text in the
// embedded default; LOG_JSON overrides either way.
func TestLogJSONDefaultsFollowDatabaseURL(t *testing.T) {
	t.Parallel()
	prod := map[string]string{"DATABASE_URL": "postgres://u@h/db", "SECRET_KEY": "x"}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want bool
	}{
		{"embedded default", nil, nil, false},
		{"database url", prod, nil, true},
		{"embedded, asked for", map[string]string{"LOG_JSON": "true"}, nil, true},
		{"production, turned off", map[string]string{"DATABASE_URL": "postgres://u@h/db", "LOG_JSON": "false"}, nil, false},
		{"flag wins", prod, []string{"--log-json=false"}, false},
	} {
		c, _, err := Parse("serve", tc.args, env(tc.env), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if c.LogJSON != tc.want {
			t.Errorf("%s: LogJSON = %v, want %v", tc.name, c.LogJSON, tc.want)
		}
	}
	if _, _, err := Parse("serve", nil, env(map[string]string{"LOG_JSON": "yes please"}), nil); err == nil || !strings.Contains(err.Error(), "LOG_JSON") {
		t.Fatalf("bad LOG_JSON: %v", err)
	}
}

// Issue 22: /metrics is off unless METRICS_LISTEN or METRICS_TOKEN says
// where; both are checked.
func TestMetricsSettings(t *testing.T) {
	t.Parallel()
	c, _, err := Parse("serve", nil, env(nil), nil)
	if err != nil || c.Metrics() {
		t.Fatalf("metrics must be off by default: %v %+v", err, c)
	}
	c, _, err = Parse("serve", nil, env(map[string]string{"METRICS_LISTEN": "127.0.0.1:9464"}), nil)
	if err != nil || !c.Metrics() || c.MetricsListen != "127.0.0.1:9464" || c.MetricsToken != "" {
		t.Fatalf("METRICS_LISTEN: %v %+v", err, c)
	}
	c, _, err = Parse("serve", []string{"--metrics-token", "0123456789abcdef"}, env(nil), nil)
	if err != nil || !c.Metrics() || c.MetricsToken != "0123456789abcdef" {
		t.Fatalf("--metrics-token: %v %+v", err, c)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"METRICS_LISTEN": "9464"}, "METRICS_LISTEN"},
		{map[string]string{"METRICS_LISTEN": "127.0.0.1:8080"}, "must differ from LISTEN_ADDR"},
		{map[string]string{"METRICS_TOKEN": "short"}, "at least 16 characters"},
	} {
		if _, _, err := Parse("serve", nil, env(tc.env), nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error naming %q", tc.env, err, tc.want)
		}
	}
}

// Issue 21: profiling is off unless PPROF_LISTEN names a loopback address.
func TestPprofListenOffByDefaultLoopbackOnly(t *testing.T) {
	t.Parallel()
	c, _, err := Parse("serve", nil, env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.PprofListen != "" {
		t.Fatalf("pprof on by default: %q", c.PprofListen)
	}
	for _, addr := range []string{"127.0.0.1:6060", "[::1]:0", "localhost:6060"} {
		c, _, err := Parse("serve", nil, env(map[string]string{"PPROF_LISTEN": addr}), nil)
		if err != nil || c.PprofListen != addr {
			t.Errorf("%s: %q, %v", addr, c.PprofListen, err)
		}
	}
}
