#!/usr/bin/env bash
# Set up a development machine (Debian 12 or similar): system libraries for Qt, a Chinese font,
# poppler and Xvfb; wine64 for the Windows lane; PostgreSQL for the city server's tests (started
# on 127.0.0.1:5432 with trust authentication for local TCP when nothing answers there); a
# virtual environment in .venv with the project and its dev tools.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  libgl1 libegl1 libfontconfig1 libxkbcommon0 libdbus-1-3 libglib2.0-0
  xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
  libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0
  fonts-wqy-microhei fonts-hanazono fonts-dejavu-core poppler-utils
  postgresql postgresql-client
  faketime
  wine64 xdotool  # the Windows lane (scripts/windows-check.sh); the build benchmark's login
)
if command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "Installing system packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "apt-get not found: install Qt's system libraries and a Chinese font yourself." >&2
fi

# The city server's tests run against PostgreSQL at 127.0.0.1:5432 as user postgres (each test run
# makes its own throwaway database). Start Debian's cluster when nothing answers there.
start_postgresql() {
  command -v pg_lsclusters >/dev/null 2>&1 || return 0
  pg_isready -q -h 127.0.0.1 -p 5432 && return 0
  local sudo="" version hba
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  version=$(pg_lsclusters -h | awk 'NR==1 {print $1}')
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -1)
    $sudo pg_createcluster "$version" main
  fi
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! $sudo grep -q '^host all postgres 127.0.0.1/32 trust' "$hba"; then
    echo "PostgreSQL: trusting local TCP connections as postgres on 127.0.0.1 (tests only)"
    $sudo sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
  fi
  $sudo pg_ctlcluster "$version" main start 2>/dev/null || $sudo pg_ctlcluster "$version" main reload
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 1; done
  echo "PostgreSQL did not start on 127.0.0.1:5432; the city server's tests need it." >&2
  return 1
}
start_postgresql

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
echo "Set up: .venv/bin/station-app is ready."
