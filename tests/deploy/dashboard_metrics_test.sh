#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2317  # Grafana's $variables in single quotes; cleanup runs from trap
# The Grafana dashboard and the alert rules against the daemon's real metrics:
#   1. deploy/grafana/dashboards/hedged.json is valid JSON and a sound dashboard (uid, schema
#      version, unique panel ids, every query on the ${DS_PROMETHEUS} datasource variable);
#   2. the real `hedged` binary is run twice and scraped over HTTP after its first hedge: on
#      config/default.yaml (embedded simulator and venue) and on the same config with FIX market
#      data from a standalone `hedged venue` (which adds the hedged_md_* metrics);
#   3. `promtool check metrics` passes on both scrapes (lint problems named in KNOWN_LINT are
#      reported but tolerated);
#   4. every metric name in the dashboard and in alerts.yml is in a scrape (except
#      hedged_journal_fsync_seconds*, whose journal is not written yet);
#   5. a real Prometheus scraping the first daemon evaluates every dashboard query (variables
#      substituted) without error, and with data unless it is a market-data query or a `> 0`
#      filter; every alert rule evaluates healthy, and none is pending or firing.
# Each daemon must stop with exit status 0 on SIGTERM.
#   tests/deploy/dashboard_metrics_test.sh HEDGED_BINARY [SOURCE_DIR]
# With HEDGED_SCRAPES_DIR set, the two scrapes are kept there (run1.prom, run2.prom).
# Needs curl, jq, promtool and prometheus (Debian packages curl, jq, prometheus).
set -euo pipefail
export LC_ALL=C

if [ $# -lt 1 ]; then
  echo "usage: $0 HEDGED_BINARY [SOURCE_DIR]" >&2
  exit 64
fi
hedged=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
dashboard=$src/deploy/grafana/dashboards/hedged.json
alerts=$src/deploy/prometheus/alerts.yml

# promtool check metrics problems tolerated, as "metric<TAB>problem text" (fixed strings); none.
KNOWN_LINT=''
# Metrics referenced by alerts.yml that the daemon does not export (none).
NOT_YET_EXPORTED='^$'

# shellcheck source=tests/deploy/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -x "$hedged" ] || fail "$hedged is not an executable"
require_tools curl jq promtool prometheus
start_work

# ---- 1. the dashboard JSON --------------------------------------------------------------------
jq -e . "$dashboard" >/dev/null || fail "$dashboard is not valid JSON"
jq -e '.uid | type == "string" and length > 0' "$dashboard" >/dev/null || fail "dashboard has no uid"
jq -e '.schemaVersion >= 36' "$dashboard" >/dev/null || fail "dashboard schemaVersion below 36"
jq -e '.title | length > 0' "$dashboard" >/dev/null || fail "dashboard has no title"
jq -e '[.templating.list[] | select(.name == "DS_PROMETHEUS" and .type == "datasource")] | length == 1' \
  "$dashboard" >/dev/null || fail "no DS_PROMETHEUS datasource variable"
dup_ids=$(jq -r '[.panels[] | .id] | group_by(.) | map(select(length > 1) | .[0]) | .[]' "$dashboard")
[ -z "$dup_ids" ] || fail "duplicate panel ids: $dup_ids"
no_grid=$(jq -r '.panels[] | select(.gridPos.w == null or .gridPos.h == null) | .title' "$dashboard")
[ -z "$no_grid" ] || fail "panels without gridPos: $no_grid"
# Every query (panel targets, annotations, variables) uses the datasource variable.
wrong_ds=$(jq -r '[.. | objects | select(has("expr") or (.type? == "query")) | .datasource.uid]
                  | map(select(. != "${DS_PROMETHEUS}")) | .[]' "$dashboard")
[ -z "$wrong_ds" ] || fail "queries not on \${DS_PROMETHEUS}: $wrong_ds"
for type in timeseries state-timeline heatmap stat; do
  jq -e --arg t "$type" '[.panels[] | select(.type == $t)] | length > 0' "$dashboard" >/dev/null ||
    fail "no $type panel"
done
panels=$(jq '[.panels[] | select(.type != "row")] | length' "$dashboard")
exprs=$(jq '[.. | objects | .expr? // empty] | length' "$dashboard")
echo "dashboard: valid JSON, $panels panels, $exprs queries"

# Metric names: every hedged_* token in the dashboard's strings (queries, descriptions,
# variables) and in alerts.yml (expressions and annotations).
jq -r '.. | strings' "$dashboard" | grep -o 'hedged_[A-Za-z0-9_]*' | sort -u >"$work/dashboard.names"
grep -o 'hedged_[A-Za-z0-9_]*' "$alerts" | grep -Ev "$NOT_YET_EXPORTED" | sort -u >"$work/alerts.names"
[ -s "$work/dashboard.names" ] || fail "no hedged_ metric names in the dashboard"
[ -s "$work/alerts.names" ] || fail "no hedged_ metric names in alerts.yml"

# ---- 2. run the daemon and scrape it ----------------------------------------------------------
# (lib.sh: port_in_use, free_port, write_config, sample and stop.)

# wait_for_hedge PID PORT OUT LOG: waits until the daemon serves /metrics and has filled a hedge,
# then writes a scrape to OUT.
wait_for_hedge() {
  local pid=$1 port=$2 out=$3 log=$4
  for _ in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "hedged exited before its first hedge"; }
    if curl -sf "http://127.0.0.1:$port/metrics" -o "$out.tmp" &&
       [ "$(sample hedged_hedge_decisions_total "$out.tmp")" != 0 ] &&
       [ "$(sample hedged_fills_total "$out.tmp")" != 0 ]; then
      sleep 0.5   # a few more quotes and acks
      curl -sf "http://127.0.0.1:$port/metrics" -o "$out" || fail "scrape failed"
      return 0
    fi
    sleep 0.2
  done
  cat "$log" >&2
  fail "no hedge within 30 s"
}

exposition_names() {  # family names (# TYPE) and sample names of an exposition
  awk '/^# TYPE /{ print $3; next } /^[a-zA-Z_:]/{ sub(/[{ ].*/, ""); print }' "$1" | sort -u
}

check_metrics() {  # promtool check metrics, tolerating KNOWN_LINT
  local scrape=$1 rc=0 unexpected
  promtool check metrics <"$scrape" >"$scrape.lint" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then  # 3: lint problems only; anything else: parse error
    cat "$scrape.lint" >&2
    fail "promtool check metrics could not parse $(basename "$scrape") (status $rc)"
  fi
  unexpected=$(sed 's/^\([^ ]*\) /\1\t/' "$scrape.lint" | grep -vxF "$KNOWN_LINT" | grep . || true)
  [ -z "$unexpected" ] || fail "promtool check metrics on $(basename "$scrape"):
$unexpected"
  if [ -s "$scrape.lint" ]; then
    echo "promtool check metrics: known problem tolerated: $(head -n 1 "$scrape.lint")"
  fi
}

# Run 1: the embedded default.
mkdir -p "$work/run1"
m1=; p1=; free_port m1; free_port p1
write_config "$work/run1/hedged.yaml" "$m1" embedded >/dev/null
"$hedged" run -c "$work/run1/hedged.yaml" >"$work/run1/log" 2>&1 &
d1=$!; pids+=("$d1")
wait_for_hedge "$d1" "$m1" "$work/run1.prom" "$work/run1/log"
echo "run 1 (embedded venue): $(grep -c '^hedged_' "$work/run1.prom") samples scraped after the first hedge"
check_metrics "$work/run1.prom"

# ---- 5. a real Prometheus on run 1 ------------------------------------------------------------
mkdir -p "$work/prom"
cat >"$work/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $alerts
scrape_configs:
  - job_name: hedged
    static_configs:
      - targets: ["127.0.0.1:$m1"]
EOF
prometheus --config.file="$work/prom/prometheus.yml" --storage.tsdb.path="$work/prom/data" \
  --web.listen-address="127.0.0.1:$p1" --log.level=warn >"$work/prom/log" 2>&1 &
pp=$!; pids+=("$pp")
api=http://127.0.0.1:$p1/api/v1
query() { curl -sf --data-urlencode "query=$1" "$api/query"; }
for _ in $(seq 150); do
  kill -0 "$pp" 2>/dev/null || { cat "$work/prom/log" >&2; fail "prometheus exited"; }
  n=$(query 'count_over_time(up{job="hedged"}[1m])' 2>/dev/null | jq -r '.data.result[0].value[1] // 0' || echo 0)
  [ "$n" -ge 8 ] && break
  sleep 0.2
done
[ "$n" -ge 8 ] || { cat "$work/prom/log" >&2; fail "prometheus did not scrape the daemon"; }
[ "$(query 'up{job="hedged"}' | jq -r '.data.result[0].value[1]')" = 1 ] || fail "up{job=\"hedged\"} is not 1"

errors=0; with_data=0; total=0
while IFS= read -r expr; do
  q=${expr//'$__rate_interval'/5s}
  q=${q//'$__interval'/2s}
  q=${q//'$instance'/.*}
  q=${q//'$underlying'/.*}
  total=$((total + 1))
  if ! answer=$(query "$q") || [ "$(jq -r .status <<<"$answer")" != success ]; then
    echo "FAIL: query does not evaluate: $expr" >&2
    curl -s --data-urlencode "query=$q" "$api/query" >&2 || true
    echo >&2
    errors=$((errors + 1))
    continue
  fi
  if [ "$(jq '.data.result | length' <<<"$answer")" -gt 0 ]; then
    with_data=$((with_data + 1))
  elif ! grep -qE 'hedged_md_|> 0$' <<<"$expr"; then
    echo "FAIL: query returns no data from the running daemon: $expr" >&2
    errors=$((errors + 1))
  fi
done < <(jq -r '.. | objects | .expr? // empty' "$dashboard"
         jq -r '.templating.list[] | select(.type == "query") | .definition' "$dashboard" |
           sed -n 's/^label_values(\(.*\), *[a-z_]*)$/\1/p')
[ "$errors" -eq 0 ] || fail "$errors dashboard queries failed"
echo "prometheus: all $total dashboard queries evaluate ($with_data with data)"

for _ in $(seq 50); do
  unknown=$(curl -sf "$api/rules" | jq '[.data.groups[].rules[] | select(.health != "ok")] | length')
  [ "$unknown" = 0 ] && break
  sleep 0.2
done
bad_rules=$(curl -sf "$api/rules" | jq -r '.data.groups[].rules[] | select(.health != "ok") | "\(.name): \(.health) \(.lastError // "")"')
[ -z "$bad_rules" ] || fail "alert rules not healthy:
$bad_rules"
rules=$(curl -sf "$api/rules" | jq '[.data.groups[].rules[]] | length')
active=$(curl -sf "$api/alerts" | jq -r '.data.alerts[] | "\(.labels.alertname) \(.state) \(.labels | tostring)"')
[ -z "$active" ] || fail "alerts pending or firing on a healthy daemon:
$active"
echo "prometheus: all $rules alert rules healthy, none pending or firing"
stop "$pp" prometheus
stop "$d1" "hedged (run 1)"

# Run 2: FIX market data from a standalone venue.
mkdir -p "$work/run2"
m2=; free_port m2
write_config "$work/run2/hedged.yaml" "$m2" fixmd >"$work/run2/fix.port"
f2=$(cat "$work/run2/fix.port")
"$hedged" venue -c "$work/run2/hedged.yaml" >"$work/run2/venue.log" 2>&1 &
v2=$!; pids+=("$v2")
for _ in $(seq 100); do
  port_in_use "$f2" && break
  kill -0 "$v2" 2>/dev/null || { cat "$work/run2/venue.log" >&2; fail "hedged venue exited"; }
  sleep 0.1
done
"$hedged" run -c "$work/run2/hedged.yaml" >"$work/run2/log" 2>&1 &
d2=$!; pids+=("$d2")
wait_for_hedge "$d2" "$m2" "$work/run2.prom" "$work/run2/log"
[ "$(sample hedged_md_session_up "$work/run2.prom")" = 1 ] || fail "run 2: market-data session not up"
echo "run 2 (FIX market data): $(grep -c '^hedged_' "$work/run2.prom") samples scraped after the first hedge"
check_metrics "$work/run2.prom"
stop "$d2" "hedged (run 2)"
stop "$v2" "hedged venue (run 2)"

if [ -n "${HEDGED_SCRAPES_DIR:-}" ]; then
  mkdir -p "$HEDGED_SCRAPES_DIR" && cp "$work/run1.prom" "$work/run2.prom" "$HEDGED_SCRAPES_DIR/"
fi

# ---- 4. every referenced metric is exported -----------------------------------------------------
{ exposition_names "$work/run1.prom"; exposition_names "$work/run2.prom"; } | sort -u >"$work/exported.names"
echo "exported: $(grep -c '^hedged_' "$work/exported.names") hedged_ names (families and series)"
status=0
for what in dashboard alerts; do
  missing=$(comm -23 "$work/$what.names" "$work/exported.names")
  if [ -n "$missing" ]; then
    echo "FAIL: metric names in the $what that the daemon does not export:" >&2
    # shellcheck disable=SC2086  # one name per line
    printf '  %s\n' $missing >&2
    status=1
  else
    echo "$what: all $(wc -l <"$work/$what.names") metric names are exported"
  fi
done
[ "$status" -eq 0 ] && echo "OK"
exit "$status"
