#!/bin/bash
# Starts one embedded-default rightsdesk server per LABEL=BINARY[,ENV=V...]
# argument, each with its own PostgreSQL in a scratch folder, and runs
# mailcost over them (docs/scale.md section 12). Example:
#   scripts/mailcost/run.sh river=bin/rightsdesk,MAIL_FAST=0 fast=bin/rightsdesk,MAIL_FAST=4 -- -clients 8,32 -rounds 3
set -euo pipefail
cd "$(dirname "$0")/../.."
specs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do specs+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mailcost.XXXXXX")
chmod 0755 "$tmp"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/mailcost" ./scripts/mailcost
args=()
for spec in "${specs[@]}"; do
	label=${spec%%=*}
	rest=${spec#*=}
	IFS=, read -r -a parts <<<"$rest"
	bin=${parts[0]}
	extra=("${parts[@]:1}")
	dir="$tmp/$label"
	mkdir -p "$dir" && chmod 0755 "$dir"
	env -u DATABASE_URL -u SMTP_URL -u SMTP_LISTEN -u BASE_URL -u SECRET_KEY \
		API_RATE=0 TRUSTED_PROXIES=127.0.0.1/32 DATA_DIR="$dir/var" LISTEN_ADDR=127.0.0.1:0 SEED=auto MIGRATE=true LOG_JSON=false LOG_LEVEL=warn \
		"${extra[@]}" "$bin" serve >"$dir/serve.out" 2>"$dir/serve.log" &
	pids+=($!)
	addr=""
	for _ in $(seq 1 900); do
		addr=$(sed -n 's/.*rightsdesk is running at http:\/\/\(127\.0\.0\.1:[0-9]*\)\/.*/\1/p' "$dir/serve.out" | head -n 1)
		[ -n "$addr" ] && break
		sleep 0.2
	done
	[ -n "$addr" ] || { echo "run.sh: $label did not start" >&2; tail "$dir/serve.log" >&2; exit 1; }
	pidfile=$(find "$dir/var" -name postmaster.pid | head -n 1)
	pgdata=$(dirname "$pidfile")
	port=$(sed -n 4p "$pidfile")
	sock=$(sed -n 5p "$pidfile")
	token=$(env -u DATABASE_URL -u SECRET_KEY DATA_DIR="$dir/var" LOG_JSON=false LOG_LEVEL=warn \
		"$bin" token add --org raseborg --name "cost-$label" 2>>"$dir/serve.log")
	args+=(-server "$label,http://$addr,$token,host=$sock port=$port user=postgres dbname=rightsdesk,$pgdata")
	echo "run.sh: $label at http://$addr (PostgreSQL $sock:$port)" >&2
done
# FORM=1 measures the web form after the API.
"$tmp/mailcost" "${args[@]}" "$@"
if [ "${FORM:-0}" = 1 ]; then
	"$tmp/mailcost" "${args[@]}" -form "$@"
fi
