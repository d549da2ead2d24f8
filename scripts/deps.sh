#!/usr/bin/env bash
# Installs what rightsdesk needs on a Debian machine, only what is missing:
#   scripts/deps.sh run    PostgreSQL server binaries
#   scripts/deps.sh test   the above, plus the test tools
set -euo pipefail
want=(postgresql)
[ "${1:-run}" = test ] && want+=(swaks)

have_pg() {
  command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1 && return 0
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}
missing=()
for p in "${want[@]}"; do
  case "$p" in
    postgresql) have_pg || missing+=(postgresql) ;;
    *) dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p") ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "rightsdesk needs: ${missing[*]}. Install them with your package manager, or set DATABASE_URL." >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing ${missing[*]} (Debian packages)..." >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
