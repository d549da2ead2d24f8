#!/usr/bin/env bash
# Load script of `make bench` (house rule 6): starts bin/rightsdesk serve on
# the embedded default (private PostgreSQL, mail catcher, seed data) in a
# temporary DATA_DIR on 127.0.0.1, waits for /readyz, then sends each page a
# bounded load with scripts/loadgen and prints requests/s and p50/p95
# latency as ratios to GET /readyz measured in the same run. The server is
# stopped and the directory removed on exit, whatever happens.
#
#   scripts/load.sh          (after make build)
#
# LOAD_REQUESTS (2000), LOAD_CONCURRENCY (8) and LOAD_MAX_TIME (30s, per
# page) bound the load; READY_TIMEOUT (180, seconds) bounds the first start.
#
# Then intake (issue 21, scripts/intakeload): POST /api/v1/requests and the
# web form at INTAKE_CLIENTS (1,8,32,100) clients for INTAKE_DURATION (15s)
# each, against pgbench on the same PostgreSQL in the same run: raw
# single-row INSERT transactions, and the intake's own SQL. pgbench is
# found like the server's binaries: on PATH, else the highest
# /usr/lib/postgresql/*/bin. INTAKE=0 skips it; INTAKE_ONLY=1 runs only it.
set -euo pipefail
cd "$(dirname "$0")/.."

requests=${LOAD_REQUESTS:-2000}
concurrency=${LOAD_CONCURRENCY:-8}
max_time=${LOAD_MAX_TIME:-30s}
ready_timeout=${READY_TIMEOUT:-180}
bin=bin/rightsdesk
pages=(/readyz /fi/o/raseborg/ /fi/o/raseborg/request)

if [ ! -x "$bin" ]; then
  echo "load.sh: $bin is missing: run make build first" >&2
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rightsdesk-load.XXXXXX")
# PostgreSQL runs as the postgres user when we are root: it must be able
# to enter the data directory (README, internal/pgembed).
chmod 0755 "$tmp"
pid=""
child=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null || true
  fi
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    # serve stops its HTTP server, River and the embedded PostgreSQL.
    for _ in $(seq 1 150); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "load.sh: server (pid $pid) did not stop in 30 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -f "$tmp/serve.log" ]; then
    echo "load.sh: last lines of the server log:" >&2
    tail -n 20 "$tmp/serve.log" >&2 || true
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run runs a command in the background and waits for it, so that a signal
# reaches cleanup at once instead of after the command.
run() {
  "$@" &
  child=$!
  wait "$child"
  child=""
}

run go build -o "$tmp/loadgen" ./scripts/loadgen

run go build -o "$tmp/loginload" ./scripts/loginload

run go build -o "$tmp/intakeload" ./scripts/intakeload

# The embedded default, whatever the caller's environment says; port 0
# picks a free port, which the server logs. TRUSTED_PROXIES=127.0.0.1/32
# lets the sign-in probe give each sign-in its own client address
# (X-Forwarded-For), so only the hashing semaphore bounds its memory.
# API_RATE=0: the intake load sends a thousand requests a second with one
# token; it measures intake, not the per-token limit.
env -u DATABASE_URL -u SMTP_URL -u SMTP_LISTEN -u BASE_URL -u SECRET_KEY \
  API_RATE=0 TRUSTED_PROXIES=127.0.0.1/32 DATA_DIR="$tmp/var" LISTEN_ADDR=127.0.0.1:0 SEED=auto MIGRATE=true LOG_JSON=false LOG_LEVEL=info \
  "$bin" serve >"$tmp/serve.out" 2>"$tmp/serve.log" &
pid=$!

addr=""
deadline=$((SECONDS + ready_timeout))
while [ -z "$addr" ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "load.sh: the server exited during start-up" >&2
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "load.sh: the server did not start listening within $ready_timeout s" >&2
    exit 1
  fi
  addr=$(sed -n 's/.*msg=serving addr=\(127\.0\.0\.1:[0-9]*\).*/\1/p' "$tmp/serve.log" | head -n 1)
  [ -n "$addr" ] || sleep 0.2
done
base="http://$addr"
run "$tmp/loadgen" -base "$base" -wait "${ready_timeout}s"

if [ "${INTAKE_ONLY:-0}" != 1 ]; then
  echo "Load test against bin/rightsdesk serve (embedded default, seed data) at $base"
  run "$tmp/loadgen" -base "$base" -n "$requests" -c "$concurrency" -max "$max_time" "${pages[@]}"

  # Issue 16, item 6: 100 parallel sign-ins keep the server under 300 MB.
  run "$tmp/loginload" -base "$base" -pid "$pid" -n "${LOGIN_PARALLEL:-100}" -max-rss-mib "${LOGIN_MAX_RSS_MIB:-300}"
fi

# Issue 21: intake against pgbench on the same PostgreSQL, same run.
if [ "${INTAKE:-1}" != 0 ]; then
  pgbench=$(command -v pgbench || true)
  if [ -z "$pgbench" ]; then
    pgbench=$(ls -d /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -n 1)
  fi
  if [ -z "$pgbench" ] || [ ! -x "$pgbench" ]; then
    echo "load.sh: pgbench not found (Debian: postgresql-contrib or the postgresql-15 package's /usr/lib/postgresql/15/bin)" >&2
    exit 1
  fi
  pgline=$(grep -m1 'msg="pgembed: PostgreSQL running"' "$tmp/serve.log" || true)
  sock=$(sed -n 's/.* socket_dir=\([^ ]*\).*/\1/p' <<<"$pgline")
  port=$(sed -n 's/.* port=\([0-9]*\).*/\1/p' <<<"$pgline")
  if [ -z "$sock" ] || [ -z "$port" ]; then
    echo "load.sh: the server log does not say where its PostgreSQL listens" >&2
    exit 1
  fi
  token=$(env -u DATABASE_URL -u SECRET_KEY DATA_DIR="$tmp/var" LOG_JSON=false LOG_LEVEL=warn \
    "$bin" token add --org raseborg --name "bench-$$" 2>>"$tmp/serve.log")
  run "$tmp/intakeload" -base "$base" -token "$token" -org raseborg -pgbench "$pgbench" \
    -pgdsn "host=$sock port=$port user=postgres dbname=rightsdesk" \
    -clients "${INTAKE_CLIENTS:-1,8,32,100}" -duration "${INTAKE_DURATION:-15s}"
fi
