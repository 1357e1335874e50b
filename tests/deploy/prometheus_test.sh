#!/usr/bin/env bash
# A real Prometheus scraping the real daemon:
#   1. `hedged run` on config/default.yaml (embedded simulator and venue) with a free port for
#      every port key, and Debian's `prometheus` on a free loopback port scraping it every second
#      (storage in a temporary folder);
#   2. Prometheus' HTTP API reports up{job="hedged"} == 1;
#   3. through the same API, the daemon's numbers are live: the SIM option book's delta
#      (hedged_portfolio_delta_shares) is non-zero, orders were submitted
#      (sum of hedged_orders_total{outcome="submitted"} > 0), a hedge position is held
#      (hedged_hedge_position non-zero for some instrument: its sign follows the book's delta)
#      and the FIX order session is up (hedged_fix_session_up == 1);
#   4. `promtool check metrics` passes on a scrape of /metrics;
#   5. SIGTERM stops the daemon with exit status 0 (and Prometheus too).
# Takes about 10 s; gives up after 40 s.
#   tests/deploy/prometheus_test.sh HEDGED_BINARY [SOURCE_DIR]
# Needs curl, jq, prometheus and promtool (Debian packages curl, jq, prometheus).
set -euo pipefail
export LC_ALL=C

if [ $# -lt 1 ]; then
  echo "usage: $0 HEDGED_BINARY [SOURCE_DIR]" >&2
  exit 64
fi
hedged=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=tests/deploy/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -x "$hedged" ] || fail "$hedged is not an executable"
require_tools curl jq promtool prometheus
start_work
deadline=$((SECONDS + 40))
in_time() { [ "$SECONDS" -lt "$deadline" ]; }
show_logs() {
  echo "--- hedged log (tail)" >&2
  tail -n 30 "$work/hedged.log" >&2 || true
  echo "--- prometheus log (tail)" >&2
  tail -n 30 "$work/prom/log" >&2 || true
}

# ---- 1. the daemon and Prometheus ---------------------------------------------------------------
metrics=; prom=; free_port metrics; free_port prom
write_config "$work/hedged.yaml" "$metrics" embedded >/dev/null
"$hedged" run -c "$work/hedged.yaml" >"$work/hedged.log" 2>&1 &
daemon=$!; pids+=("$daemon")
until curl -sf "http://127.0.0.1:$metrics/metrics" -o /dev/null; do
  kill -0 "$daemon" 2>/dev/null || { show_logs; fail "hedged exited at start"; }
  in_time || { show_logs; fail "hedged does not serve /metrics"; }
  sleep 0.1
done
echo "hedged run: serving http://127.0.0.1:$metrics/metrics"

start_prometheus "$work/prom" "$prom" "127.0.0.1:$metrics"
pids+=("$prometheus_pid")

# ---- 2. Prometheus scrapes it --------------------------------------------------------------------
until [ "$(prom_value "$prom" 'up{job="hedged"}')" = 1 ]; do
  kill -0 "$prometheus_pid" 2>/dev/null || { show_logs; fail "prometheus exited"; }
  in_time || { show_logs; fail "up{job=\"hedged\"} did not become 1 (answer: $(prom_query "$prom" 'up' || true))"; }
  sleep 0.2
done
echo "prometheus: up{job=\"hedged\"} = 1 after ${SECONDS}s"

# ---- 3. live numbers through Prometheus' API ------------------------------------------------------
delta_q='hedged_portfolio_delta_shares{job="hedged",underlying="SIM"}'
submitted_q='sum(hedged_orders_total{job="hedged",outcome="submitted"})'
position_q='max(abs(hedged_hedge_position{job="hedged"}))'
session_q='min(hedged_fix_session_up{job="hedged"})'
while :; do
  delta=$(prom_value "$prom" "$delta_q")
  submitted=$(prom_value "$prom" "$submitted_q")
  position=$(prom_value "$prom" "$position_q")
  session=$(prom_value "$prom" "$session_q")
  if [ -n "$delta" ] && [ -n "$submitted" ] && [ -n "$position" ] && [ "$session" = 1 ] &&
     awk -v d="$delta" -v s="$submitted" -v p="$position" 'BEGIN { exit !(d != 0 && s > 0 && p > 0) }'; then
    break
  fi
  kill -0 "$daemon" 2>/dev/null || { show_logs; fail "hedged exited"; }
  if ! in_time; then
    show_logs
    fail "no live hedging seen through Prometheus within 40 s: $delta_q = '$delta', $submitted_q = '$submitted', $position_q = '$position', $session_q = '$session'"
  fi
  sleep 0.5
done
echo "prometheus: $delta_q = $delta"
echo "prometheus: $submitted_q = $submitted"
echo "prometheus: $position_q = $position"
echo "prometheus: $session_q = $session"
positions=$(prom_query "$prom" 'hedged_hedge_position{job="hedged"}' |
  jq -r '[.data.result[] | "\(.metric.instrument)=\(.value[1])"] | join(" ")')
echo "prometheus: hedged_hedge_position by instrument: $positions"
[ -n "$(prom_query "$prom" 'count(hedged_portfolio_delta_shares{job="hedged"}) == 2' | jq -r '.data.result[0].value[1] // empty')" ] ||
  fail "expected hedged_portfolio_delta_shares for both underlyings (SIM, IDX)"

# ---- 4. promtool check metrics ---------------------------------------------------------------------
curl -sf "http://127.0.0.1:$metrics/metrics" -o "$work/scrape.prom" || fail "scrape failed"
if ! promtool check metrics <"$work/scrape.prom" >"$work/lint" 2>&1; then
  cat "$work/lint" >&2
  fail "promtool check metrics found problems in /metrics"
fi
echo "promtool check metrics: clean ($(grep -c '^hedged_' "$work/scrape.prom") hedged_ samples)"

# ---- 5. stop -------------------------------------------------------------------------------------
stop "$prometheus_pid" prometheus
stop "$daemon" "hedged run"
echo "hedged run: exit 0 on SIGTERM"
echo "OK (${SECONDS}s)"
