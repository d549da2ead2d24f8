#!/bin/bash
# WAL bytes and PostgreSQL CPU per intake (issue 21), for comparing schema
# variants in alternating rounds on one scratch cluster that nothing else
# uses (a cluster shared with tests counts their CREATE DATABASE as WAL).
# It runs intake.sql (the intake's own statements, the outbox row claimed
# for a day so no mail is delivered) N times with pgbench and
# reads pg_current_wal_lsn before and after, and the CPU of the postmaster
# and its children (/proc: own + reaped children + live children).
# {{bytes:...}} become gen_random_bytes of fixed lengths (pgcrypto).
#
# usage: walcpu.sh LABEL PORT PGDATA ORG_ID [N=300] [CLIENTS=1]
# e.g.   walcpu.sh before 55972 /tmp/x/pg 1 300 1
set -euo pipefail
label=$1 port=$2 pgdata=$3 org=$4 n=${5:-300} clients=${6:-1}
here=$(cd "$(dirname "$0")" && pwd)
pgbench=${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}
P="psql -h 127.0.0.1 -p $port -U postgres -qtA -d ${PGDATABASE:-bench}"
script=$(mktemp)
trap 'rm -f "$script"' EXIT
sed -E -e 's/\{\{bytes:(cases\.code_hash|api_idempotency\.request_hash|requesters\.email_index|audit_events\.hash|audit_events\.prev_hash)\}\}/gen_random_bytes(32)/g' \
	-e 's/\{\{bytes:(cases\.details|case_keys\.wrapped)\}\}/gen_random_bytes(60)/g' \
	-e 's/\{\{bytes:requesters\.(name|email)\}\}/gen_random_bytes(48)/g' \
	-e 's/\{\{bytes:outbox\.(to_addr|subject)\}\}/gen_random_bytes(56)/g' \
	-e 's/\{\{bytes:outbox\.text_body\}\}/gen_random_bytes(800)/g' \
	-e 's/\{\{bytes:outbox\.html_body\}\}/gen_random_bytes(1024)/g' "$here/intake.sql" >"$script"
$P -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS pgcrypto" >/dev/null
pm=$(head -1 "$pgdata/postmaster.pid")
cpu() {
	local t c
	t=$(awk '{print $14+$15+$16+$17}' "/proc/$pm/stat")
	for c in $(pgrep -P "$pm"); do t=$((t + $(awk '{print $14+$15}' "/proc/$c/stat" 2>/dev/null || echo 0))); done
	echo "$t"
}
$P -c CHECKPOINT >/dev/null
w0=$($P -c "SELECT pg_current_wal_lsn()")
c0=$(cpu)
out=$("$pgbench" -h 127.0.0.1 -p "$port" -U postgres -n -M prepared -f "$script" -D org_id="$org" -t "$n" -c "$clients" -j "$clients" "${PGDATABASE:-bench}" 2>&1)
sleep 1 # the backends exit and are reaped into the postmaster's children time
c1=$(cpu)
w1=$($P -c "SELECT pg_current_wal_lsn()")
total=$((n * clients))
wal=$($P -c "SELECT round(pg_wal_lsn_diff('$w1', '$w0') / $total)")
hz=$(getconf CLK_TCK)
echo "$label wal_bytes_per_intake=$wal pg_cpu_ms_per_intake=$(echo "scale=2; ($c1 - $c0) * 1000 / $hz / $total" | bc) $(grep -o 'tps = [0-9.]*' <<<"$out" | head -1) load=$(cut -d' ' -f1 /proc/loadavg)"
