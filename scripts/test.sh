#!/usr/bin/env bash
# Run the whole test suite: the core and server tests in one pytest process, then each UI test
# file in a process of its own. Run in one long process, the UI tests stall after a hundred or
# so tests (a worker thread's queued result is not delivered while a test waits for it); each
# file alone passes. Extra arguments go to every pytest run. Exits non-zero when a test fails.
set -uo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
status=0
"$python" -m pytest tests/core tests/server "$@" || status=1
passed=0
failed=0
for file in tests/ui/test_*.py; do
  if "$python" -m pytest -q "$file" "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    status=1
  fi
done
echo "UI test files: $passed passed, $failed failed"
exit $status
