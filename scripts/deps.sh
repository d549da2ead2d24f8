#!/usr/bin/env bash
# Installs what rightsdesk needs on a Debian machine, only what is missing:
#   scripts/deps.sh run    PostgreSQL server binaries and poppler-utils
#                          (pdftotext: importing published PDFs)
#   scripts/deps.sh test   the above, plus what the tests use: gcc (go test
#                          -race needs cgo), Chromium (the browser journeys),
#                          npm (fetches axe-core for the accessibility checks),
#                          DejaVu fonts (pages and screenshots show ä ö å),
#                          poppler-utils and qpdf (the letters' PDF checks).
set -euo pipefail
mode=${1:-run}
want=(postgresql poppler-utils)
[ "$mode" = test ] && want+=(gcc chromium npm fonts-dejavu-core qpdf)

have() {
  case "$1" in
    postgresql)
      command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1 && return 0
      ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ;;
    gcc) command -v gcc >/dev/null 2>&1 ;;
    poppler-utils) command -v pdftotext >/dev/null 2>&1 ;;
    npm) command -v npm >/dev/null 2>&1 ;;
    chromium) command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 ;;
    *) dpkg -s "$1" >/dev/null 2>&1 ;;
  esac
}
missing=()
for p in "${want[@]}"; do
  if ! have "$p"; then
    missing+=("$p")
    # cgo links against the C library's headers, which gcc only recommends.
    [ "$p" = gcc ] && missing+=(libc6-dev)
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "rightsdesk needs: ${missing[*]}. Install them with your package manager (or set DATABASE_URL for PostgreSQL)." >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing ${missing[*]} (Debian packages; a first run takes a minute or two)..." >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
