#!/usr/bin/env bash
# Run the whole test suite: the core and server tests in one pytest process, the UI tests
# (offscreen Qt) in another. Extra arguments go to both pytest runs. Exits non-zero when a
# test fails.
set -uo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
status=0
"$python" -m pytest tests/core tests/server "$@" || status=1
"$python" -m pytest tests/ui "$@" || status=1
exit $status
