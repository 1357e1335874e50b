#!/usr/bin/env bash
# The Prometheus artefacts in deploy/prometheus: the alert rules are valid (promtool check rules,
# with its lint), every alert's unit tests pass (promtool test rules alerts_test.yml), and both
# Prometheus configurations (the host's and compose's) are valid and load the rules.
#   tests/deploy/promtool_rules_test.sh [SOURCE_DIR]
# Needs promtool (Debian package `prometheus`).
set -euo pipefail

src=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
dir=$src/deploy/prometheus

if ! command -v promtool >/dev/null; then
  echo "FAIL: promtool not found (install the Debian package 'prometheus': deploy/install-deps.sh)" >&2
  exit 1
fi
promtool --version 2>&1 | head -n 1

status=0
run() {
  echo "+ $*"
  if ! "$@"; then
    echo "FAIL: $*" >&2
    status=1
  fi
}

# promtool resolves rule_files relative to the file that names them.
cd "$dir"
run promtool check rules alerts.yml
run promtool test rules alerts_test.yml
run promtool check config prometheus.yml
run promtool check config prometheus-compose.yml

# Every alert in alerts.yml has a unit test, a severity label and summary and description
# annotations (promtool checks none of these).
alerts=$(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' alerts.yml | sort -u)
tested=$(sed -n 's/^ *alertname: *\([A-Za-z0-9_]*\).*/\1/p' alerts_test.yml | sort -u)
untested=$(comm -23 <(echo "$alerts") <(echo "$tested"))
if [ -n "$untested" ]; then
  echo "FAIL: alerts without a test in alerts_test.yml:" "$untested" >&2
  status=1
fi
count=$(echo "$alerts" | wc -l)
for key in 'severity:' 'summary:' 'description:'; do
  n=$(grep -c "^ *$key" alerts.yml || true)
  if [ "$n" -ne "$count" ]; then
    echo "FAIL: $count alerts but $n '$key' lines in alerts.yml" >&2
    status=1
  fi
done
bad_severity=$(sed -n 's/^ *severity: *//p' alerts.yml | grep -vxE 'critical|warning|info' || true)
if [ -n "$bad_severity" ]; then
  echo "FAIL: severities other than critical, warning, info:" "$bad_severity" >&2
  status=1
fi

if [ "$status" -eq 0 ]; then
  echo "OK: $count alerts, all tested; rules and configurations valid"
fi
exit "$status"
