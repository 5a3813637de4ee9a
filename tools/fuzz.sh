#!/usr/bin/env bash
# Runs every fuzz target of the module (func FuzzXxx in *_test.go) for
# FUZZTIME each (default 10m). `make fuzz` runs it; `make test` runs a short
# smoke (FUZZTIME=3s). Crashers are written to the package's
# testdata/fuzz/<target>/ by go test: commit them as regression inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME="${FUZZTIME:-10m}"
status=0
while IFS=: read -r file name; do
  pkg="./$(dirname "$file")"
  echo "fuzz: $pkg $name for $FUZZTIME"
  if ! go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" >/tmp/fuzz-$$.log 2>&1; then
    # Go's fuzz engine can end a run at its time limit with "context
    # deadline exceeded" and no failing input (it stopped a worker
    # mid-input): that is the engine's stop, not a crash. A real failure
    # writes its input to testdata/fuzz and says so.
    if grep -q 'context deadline exceeded' /tmp/fuzz-$$.log && ! grep -q 'Failing input written' /tmp/fuzz-$$.log; then
      echo "fuzz: $name stopped by the engine's deadline with no failing input"
    else
      cat /tmp/fuzz-$$.log; status=1
    fi
  else
    grep -E '^fuzz: elapsed' /tmp/fuzz-$$.log | tail -n1 || true
  fi
done < <(grep -rHoE --include='*_test.go' '^func (Fuzz[A-Za-z0-9_]+)' internal cmd tools 2>/dev/null | sed -E 's/:func /:/' | sort -u)
rm -f /tmp/fuzz-$$.log
exit $status
