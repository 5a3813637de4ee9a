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
    cat /tmp/fuzz-$$.log; status=1
  else
    grep -E '^fuzz: elapsed' /tmp/fuzz-$$.log | tail -n1 || true
  fi
done < <(grep -rHoE --include='*_test.go' '^func (Fuzz[A-Za-z0-9_]+)' internal cmd tools 2>/dev/null | sed -E 's/:func /:/' | sort -u)
rm -f /tmp/fuzz-$$.log
exit $status
