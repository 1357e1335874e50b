#!/usr/bin/env bash
# The JSON Schemas in config/schema (what editors validate YAML against as operators type) agree
# with the daemon's own loaders:
#   0. each schema is a valid draft-07 schema, and the shipped files name theirs on a first-line
#      `# yaml-language-server: $schema=...` modeline;
#   1. every shipped file is valid against its schema and accepted by the daemon: config/default.yaml,
#      config/limits.yaml, config/scenarios/*.yaml, deploy/docker/hedged.yaml and the ConfigMap's
#      hedged.yaml and limits.yaml;
#   2. mutated files (unknown key, value out of range, wrong enum, bad duration, missing required
#      key, wrong type, cross-key rules) are rejected by BOTH the schema and the daemon, the daemon
#      for the reason the case is about;
#   3. valid variations with optional keys set are accepted by both.
# The daemon's side: `hedged check-config` for main configs and limits files (a limits file with
# the test's main config, so it is matched against its underlyings). Scenario files: check-config
# when it accepts them, otherwise the only CLI that loads them, `hedged venue -c CONFIG --scenario
# FILE` (a rejected scenario exits 2 before binding anything; an accepted one starts the venue on
# free ports and is stopped with SIGTERM, exit 0).
#   tests/deploy/schema_test.sh HEDGED_BINARY [SOURCE_DIR]
# Needs python3 with python3-yaml and python3-jsonschema (Debian 12), jq.
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
python=
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import jsonschema, yaml' 2>/dev/null; then
    python=$candidate
    break
  fi
done
[ -n "$python" ] ||
  fail "no python3 with the yaml and jsonschema modules (Debian packages python3-yaml, python3-jsonschema; see deploy/install-deps.sh)"
validate=("$python" "$src/tests/deploy/validate_schema.py")
schemas=$src/config/schema

work=$(mktemp -d)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill -TERM "$p" 2>/dev/null || true; fi
  done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

errors=0
bad() {
  echo "FAIL: $*" >&2
  errors=$((errors + 1))
}
ok() { echo "ok: $*"; }

# ---- 0. the schemas and the modelines -------------------------------------------------------------
for schema in hedged limits scenario; do
  "$python" - "$schemas/$schema.schema.json" <<'EOF' || fail "config/schema/$schema.schema.json is not a valid draft-07 schema"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
jsonschema.Draft7Validator.check_schema(schema)
EOF
done
ok "config/schema/{hedged,limits,scenario}.schema.json are valid draft-07 schemas"
expect_modeline() {  # expect_modeline FILE SCHEMA_PATH
  [ "$(head -n 1 "$1")" = "# yaml-language-server: \$schema=$2" ] ||
    bad "${1#"$src"/}: first line is not '# yaml-language-server: \$schema=$2'"
}
expect_modeline "$src/config/default.yaml" schema/hedged.schema.json
expect_modeline "$src/config/limits.yaml" schema/limits.schema.json
for f in "$src"/config/scenarios/*.yaml; do expect_modeline "$f" ../schema/scenario.schema.json; done

# ---- the daemon's side -----------------------------------------------------------------------------
# A base main config on free ports with absolute paths (also the venue's config for scenarios).
mkdir -p "$work/base" "$work/cases"
free_port metrics
write_config "$work/base/hedged.yaml" "$metrics" embedded >/dev/null
base=$work/base/hedged.yaml
base_limits=$work/base/limits.yaml

if "$hedged" check-config "$src/config/scenarios/calm.yaml" >/dev/null 2>&1; then
  scenario_cli=check-config
else
  scenario_cli=venue
fi

# load KIND FILE: runs the daemon's loader on FILE; prints its messages; 0 accepted, 2 rejected,
# anything else an error of the test.
load() {
  local kind=$1 file=$2 rc=0 pid log
  case $kind in
    hedged) "$hedged" check-config "$file" 2>&1 || rc=$? ;;
    limits) "$hedged" check-config "$base" "$file" 2>&1 || rc=$? ;;
    scenario)
      if [ "$scenario_cli" = check-config ]; then
        "$hedged" check-config "$file" 2>&1 || rc=$?
        return "$rc"
      fi
      # A log of its own: the shell truncates a reused one only once the child runs, so the
      # previous venue's 'venue simulator' line could be taken for this one's readiness.
      log=$(mktemp "$work/venue.XXXXXX.log")
      "$hedged" venue -c "$base" --scenario "$file" >"$log" 2>&1 &
      pid=$!
      pids+=("$pid")
      for _ in $(seq 100); do
        if ! kill -0 "$pid" 2>/dev/null; then
          wait "$pid" || rc=$?
          cat "$log"
          [ "$rc" -ne 0 ] || rc=1  # a venue that stops by itself is an error
          return "$rc"
        fi
        if grep -q 'venue simulator ' "$log"; then
          stop "$pid" "hedged venue --scenario $(basename "$file")"
          grep -m 1 'scenario' "$log" || true
          return 0
        fi
        sleep 0.1
      done
      cat "$log"
      return 1
      ;;
  esac
  return "$rc"
}

# schema KIND FILE: validates FILE against config/schema/KIND.schema.json; 0 valid, 1 not.
schema() {
  local rc=0
  "${validate[@]}" --schema "$schemas/$1.schema.json" "$2" 2>&1 || rc=$?
  return "$rc"
}

# accept KIND FILE WHAT: both the schema and the daemon accept FILE.
accept() {
  local kind=$1 file=$2 what=$3 rc_schema=0 rc_load=0
  schema "$kind" "$file" >"$work/schema.out" || rc_schema=$?
  load "$kind" "$file" >"$work/load.out" || rc_load=$?
  if [ "$rc_schema" -eq 0 ] && [ "$rc_load" -eq 0 ]; then
    ok "$what: valid against the $kind schema and accepted by the daemon"
  else
    [ "$rc_schema" -eq 0 ] || bad "$what: the $kind schema rejects it: $(cat "$work/schema.out")"
    [ "$rc_load" -eq 0 ] || bad "$what: the daemon rejects it (status $rc_load): $(cat "$work/load.out")"
  fi
}

# reject KIND FILE WHAT MESSAGE: the schema and the daemon both reject FILE, the daemon with an
# error containing MESSAGE (so it is rejected for the reason the case is about).
reject() {
  local kind=$1 file=$2 what=$3 message=$4 rc_schema=0 rc_load=0
  schema "$kind" "$file" >"$work/schema.out" || rc_schema=$?
  load "$kind" "$file" >"$work/load.out" || rc_load=$?
  local fine=1
  if [ "$rc_schema" -ne 1 ]; then
    bad "$what: the $kind schema does not reject it (status $rc_schema): $(cat "$work/schema.out")"
    fine=0
  fi
  if [ "$rc_load" -ne 2 ]; then
    bad "$what: the daemon does not reject it (status $rc_load): $(cat "$work/load.out")"
    fine=0
  elif ! grep -qF -- "$message" "$work/load.out"; then
    bad "$what: the daemon rejects it, but not with '$message': $(cat "$work/load.out")"
    fine=0
  fi
  if [ "$fine" -eq 1 ]; then
    ok "$what: rejected by both (schema: $(head -n 1 "$work/schema.out" | sed "s#^$file: ##" | cut -c1-100))"
  fi
}

# mutate IN OUT OLD NEW [OLD NEW...]: OUT is IN with the first occurrence of each OLD (fixed text)
# replaced by NEW; a missing OLD means the shipped file changed shape and the case needs updating.
mutate() {
  local in=$1 out=$2 text old new
  shift 2
  text=$(<"$in")
  while [ $# -ge 2 ]; do
    old=$1 new=$2
    shift 2
    [[ $text == *"$old"* ]] || fail "mutation of $(basename "$in") for $(basename "$out"): '$old' is not in it; update $0"
    text=${text/"$old"/"$new"}
  done
  printf '%s\n' "$text" >"$out"
}

# case_hedged NAME MESSAGE OLD NEW...: a mutated main config that both must reject.
case_hedged() {
  local name=$1 message=$2
  shift 2
  mutate "$base" "$work/cases/$name.yaml" "$@"
  reject hedged "$work/cases/$name.yaml" "hedged.yaml $name" "$message"
}
case_limits() {
  local name=$1 message=$2
  shift 2
  mutate "$base_limits" "$work/cases/$name.yaml" "$@"
  reject limits "$work/cases/$name.yaml" "limits.yaml $name" "$message"
}
case_scenario() {
  local name=$1 from=$2 message=$3
  shift 3
  mutate "$src/config/scenarios/$from.yaml" "$work/cases/$name.yaml" "$@"
  reject scenario "$work/cases/$name.yaml" "scenarios/$from.yaml $name" "$message"
}

# ---- 1. the shipped files ----------------------------------------------------------------------------
accept hedged "$src/config/default.yaml" "config/default.yaml"
accept limits "$src/config/limits.yaml" "config/limits.yaml"
if "${validate[@]}" "$src/config/default.yaml" "$src/config/limits.yaml" "$src"/config/scenarios/*.yaml \
     >"$work/modeline.out" 2>&1; then
  ok "config/default.yaml, config/limits.yaml and config/scenarios/*.yaml are valid against the schemas their modelines name"
else
  bad "validation by modeline: $(cat "$work/modeline.out")"
fi
echo "scenario files are loaded by the daemon with: hedged $scenario_cli"
for f in "$src"/config/scenarios/*.yaml; do accept scenario "$f" "config/scenarios/$(basename "$f")"; done

# deploy/docker/hedged.yaml sits next to a copy of config/ in the image.
mkdir -p "$work/docker"
cp "$src/deploy/docker/hedged.yaml" "$work/docker/hedged.yaml"
ln -s "$src/config" "$work/docker/config"
accept hedged "$work/docker/hedged.yaml" "deploy/docker/hedged.yaml"

# The ConfigMap's files, with the image's dictionary path pointed at the repository's.
extract() {  # extract KEY FILE: a `  KEY: |` block scalar of the ConfigMap's data
  awk -v key="  $1: |" '
    $0 == key { on = 1; next }
    on && /^    / { print substr($0, 5); next }
    on && /^ *$/ { print ""; next }
    on { exit }' "$2"
}
mkdir -p "$work/k8s"
extract hedged.yaml "$src/deploy/k8s/configmap.yaml" |
  sed "s#/usr/local/share/hedged/config/fix/FIX44\.xml#$src/config/fix/FIX44.xml#" >"$work/k8s/hedged.yaml"
extract limits.yaml "$src/deploy/k8s/configmap.yaml" >"$work/k8s/limits.yaml"
if [ -s "$work/k8s/hedged.yaml" ] && [ -s "$work/k8s/limits.yaml" ]; then
  accept hedged "$work/k8s/hedged.yaml" "deploy/k8s/configmap.yaml hedged.yaml"
  # Its limits file, checked with its own main config (the one that names it).
  if schema limits "$work/k8s/limits.yaml" >"$work/schema.out" &&
     "$hedged" check-config "$work/k8s/hedged.yaml" "$work/k8s/limits.yaml" >"$work/load.out" 2>&1; then
    ok "deploy/k8s/configmap.yaml limits.yaml: valid against the limits schema and accepted by the daemon"
  else
    bad "deploy/k8s/configmap.yaml limits.yaml: $(cat "$work/schema.out" "$work/load.out")"
  fi
else
  bad "deploy/k8s/configmap.yaml: no hedged.yaml or limits.yaml block to extract"
fi

# ---- 2. mutations both must reject -------------------------------------------------------------------
# Main config.
case_hedged unknown_key "underlyings[0].hedge.band_delta_share': unknown key; did you mean 'band_delta_shares'" \
  "band_delta_shares: 250" "band_delta_share: 250"
case_hedged unknown_section "key 'metric': unknown key; did you mean 'metrics'" \
  $'\nlogging:\n' $'\nmetric:\n  enabled: true\nlogging:\n'
case_hedged duplicate_section "key 'metrics': duplicate key" \
  $'\nlogging:\n' $'\nmetrics:\n  enabled: true\nlogging:\n'
case_hedged out_of_range "engine.max_working_orders': must be between 1 and 4096" \
  "max_working_orders: 64" "max_working_orders: 5000"
case_hedged below_minimum "underlyings[0].tick_size': must be between" \
  "tick_size: 0.01 " "tick_size: -0.01 "
case_hedged wrong_enum "engine.idle_strategy': 'busy' is not one of" \
  "idle_strategy: backoff" "idle_strategy: busy"
case_hedged wrong_policy "hedge.policy': 'delta_band' is not one of" \
  "policy: whalley_wilmott" "policy: delta_band"
case_hedged pov_participation_out_of_range "execution.participation_pct': must be between 0 and 100" \
  "algorithm: twap " $'algorithm: pov\n      participation_pct: 150\n     '
case_hedged unknown_algorithm "execution.algorithm': 'vwap' is not one of" \
  "algorithm: twap " "algorithm: vwap "
case_hedged duration_without_unit "engine.timer_interval': '50' is not a duration" \
  "timer_interval: 50ms" "timer_interval: 50"
case_hedged duration_bad_unit "hedge.order_timeout': '2sec' is not a duration" \
  "order_timeout: 2s " "order_timeout: 2sec "
case_hedged wrong_type "venue.reject_probability': expected a number" \
  "reject_probability: 0.0" "reject_probability: high"
case_hedged book_line_without_quantity "missing required key 'quantity'" \
  "expiry: 30d, quantity: -20, multiplier: 100}" "expiry: 30d, multiplier: 100}"
case_hedged book_expiry_bad_date "is not a valid date" \
  "expiry: 30d, quantity: -20" "expiry: 2027-13-01, quantity: -20"
case_hedged future_without_expiry "hedge.future': missing required key 'expiry'" \
  "multiplier: 50, expiry: 90d, tick_size" "multiplier: 50, tick_size"
case_hedged whalley_wilmott_without_cost "whalley_wilmott needs 'risk_aversion' > 0 and 'cost_bps'" \
  "      cost_bps: 1 " "      # cost_bps: 1 "
case_hedged replay_without_file "source: replay needs a quote file" \
  "  source: simulator" "  source: replay"
case_hedged fix_market_data_with_embedded_venue "market_data.source': the embedded venue trades" \
  "  source: simulator" "  source: fix"
case_hedged embedded_venue_remote_host "fix.host': the embedded venue listens on 127.0.0.1" \
  "  host: 127.0.0.1" "  host: venue.example.com"
case_hedged logging_format "logging.format': 'xml' is not one of: text, json" \
  '  file: ""' $'  file: ""\n  format: xml'
case_hedged logging_max_size "logging.max_size': '100XB' is not a size" \
  '  file: ""' $'  file: ""\n  max_size: 100XB'
case_hedged logging_max_files "logging.max_files': must be between 1 and 1000" \
  '  file: ""' $'  file: ""\n  max_files: 0'

# Limits file.
case_limits unknown_key "underlyings.default.delta_share': unknown key" \
  "    delta_shares: " "    delta_share: "
case_limits unknown_pre_trade_key "underlyings.default.pre_trade.max_order_qty': unknown key" \
  "max_order_qty_units: 5000" "max_order_qty: 5000"
case_limits unknown_limit_key "delta_shares.warn': unknown key" \
  "{soft: 5000, hard: 10000}" "{soft: 5000, hard: 10000, warn: 1}"
case_limits unknown_breaker "breakers.hard_limits': unknown key" \
  "  hard_limit: " "  hard_limits: "
case_limits key_of_another_breaker "breakers.stale_market_data.window': unknown key" \
  "{timeout: 5s," "{timeout: 5s, window: 10s,"
case_limits hysteresis_out_of_range "hysteresis_pct': must be between 0 and 99" \
  "hysteresis_pct: 10}" "hysteresis_pct: 150}"
case_limits negative_limit "underlyings.SIM.delta_notional.soft': must be between 0 and" \
  "delta_notional: {soft: 500000" "delta_notional: {soft: -1"
case_limits max_rejects_out_of_range "reject_storm.max_rejects': must be between 1 and 1024" \
  "max_rejects: 5," "max_rejects: 2000,"
case_limits min_samples_out_of_range "spread_blowout.min_samples': must be between 1 and 128" \
  "min_samples: 20," "min_samples: 200,"
case_limits price_band_out_of_range "price_band_pct': must be between 0 and 100" \
  "price_band_pct: 2.0" "price_band_pct: 200"
case_limits burst_below_one "a burst below one order would never let an order out" \
  "max_order_burst: 40" "max_order_burst: 0.5"
case_limits wrong_action "'stop' is not one of: reduce, halt" \
  "{timeout: 5s, action: halt" "{timeout: 5s, action: stop"
case_limits bad_duration "'5 seconds' is not a duration" \
  "{timeout: 5s," "{timeout: 5 seconds,"

# Scenario files.
case_scenario unknown_key flash_crash "unknown key; did you mean 'move_pct'" "move_pct: -9" "move_pc: -9"
case_scenario missing_kind calm "missing required key 'kind'" ", kind: calm}" "}"
case_scenario wrong_kind calm "'crash' is not one of" "kind: calm" "kind: crash"
case_scenario bad_duration calm "'1 hour' is not a duration" "duration: 1h" "duration: 1 hour"
case_scenario zero_duration volatile "phases[0].duration': '0s' is out of range" "duration: 10m" "duration: 0s"
case_scenario out_of_range volatile "vol_multiple': must be between 0 and 100" "vol_multiple: 3" "vol_multiple: 300"
case_scenario key_of_another_kind trending "not a key of a trending phase" "drift: 4.0}" "drift: 4.0, jump_pct: 5}"
case_scenario jump_with_duration price_jump "a price_jump happens once" \
  "{at: 1m, kind: price_jump" "{at: 1m, duration: 10s, kind: price_jump"
case_scenario missing_name calm "missing required key 'scenario'" $'scenario: calm\n' ""
case_scenario bad_name calm "is not a name" "scenario: calm" "scenario: calm market"
case_scenario ramp_on_calm calm "has nothing to ramp" "kind: calm}" "kind: calm, ramp: 1m}"
case_scenario outage_with_symbol venue_outage "cannot name a symbol" "kind: venue_outage}" "kind: venue_outage, symbol: SIM}"
case_scenario zero_move flash_crash "move_pct': must not be 0" "move_pct: -9" "move_pct: 0"
case_scenario drought_without_effect liquidity_drought "needs 'spread_multiple', 'depth_divisor' or both" \
  "spread_multiple: 5, depth_divisor: 20, " ""
case_scenario no_phases calm "expected a non-empty list of phases" $'phases:\n  - {at: 0s, duration: 1h, kind: calm}' "phases: []"

# ---- 3. valid variations both must accept -------------------------------------------------------------
mutate "$base" "$work/cases/logging_options.yaml" \
  '  level: info ' '  level: debug ' \
  '  file: ""' $'  file: logs/hedged.log\n  format: json\n  max_size: 50MB\n  max_files: 3'
accept hedged "$work/cases/logging_options.yaml" "hedged.yaml with logging format, file, max_size and max_files"
mutate "$base" "$work/cases/logging_bytes.yaml" '  file: ""' $'  file: ""\n  format: text\n  max_size: 1048576'
accept hedged "$work/cases/logging_bytes.yaml" "hedged.yaml with logging.max_size in bytes"
mutate "$base" "$work/cases/optional_keys.yaml" \
  "  max_working_orders: 64" $'  max_working_orders: 64\n  ring_capacity: 1024\n  surface_refit_interval: 500ms' \
  "    vol_mode: flat " "    vol_mode: surface " \
  "order_timeout: 2s " "order_timeout: 1.5s " \
  "min_order_interval: 250ms" "min_order_interval: 250000us" \
  "expiry: 30d, quantity: -20" "expiry: 2030-06-21, quantity: -20" \
  "  target_comp_id: VENUE" $'  target_comp_id: VENUE\n  account: DESK-1\n  use_cancel_replace: false\n  status_request_after: 0s' \
  "      cross_after: 1s " $'      cross_after: 1s\n      max_slippage_bps: 25\n      min_child_qty: 2\n      max_children_per_second: 4 ' \
  "  reject_probability: 0.0" $'  reject_probability: 0.01\n  drop_probability: 0.001\n  seed: 42'
accept hedged "$work/cases/optional_keys.yaml" "hedged.yaml with optional engine, vol_mode, duration, date, fix, execution and venue keys"
mutate "$base" "$work/cases/band_notional.yaml" \
  "      band_delta_shares: 250" $'      policy: band_notional\n      band_delta_notional: 25000\n      target: edge'
accept hedged "$work/cases/band_notional.yaml" "hedged.yaml with a band_notional policy"
mutate "$base" "$work/cases/fix_market_data.yaml" "  source: simulator" "  source: fix" \
  "  embedded: true " "  embedded: false "
accept hedged "$work/cases/fix_market_data.yaml" "hedged.yaml with FIX market data from a standalone venue"
mutate "$base" "$work/cases/replay.yaml" "  source: simulator" \
  $'  source: replay\n  replay: {file: '"$src"$'/config/replay/sample_quotes.csv, speed: 0, loop: true, start_offset: 10s}'
accept hedged "$work/cases/replay.yaml" "hedged.yaml replaying a quote tape"

mutate "$base_limits" "$work/cases/limits_optional.yaml" \
  "max_order_burst: 40" "max_order_burst: 0" \
  "price_band_ticks: 100" "price_band_ticks: 0" \
  "{grace: 0s," "{grace: 1.5s, enabled: false, hysteresis_pct: 0," \
  "{action: reduce, reset: auto, cooldown: 10s, hysteresis_pct: 10}" \
  "{action: halt, reset: manual, enabled: true, cooldown: 0s, hysteresis_pct: 0}"
accept limits "$work/cases/limits_optional.yaml" "limits.yaml with optional breaker and pre-trade keys"
printf '%s\n' 'breakers:' '  kill_switch: {file: /tmp/hedged-schema-test-no-such.flag}' \
  '  price_jump: {max_move_pct: 2.5, window: 30s, action: reduce, reset: auto, cooldown: 1m}' \
  >"$work/cases/limits_breakers_only.yaml"
accept limits "$work/cases/limits_breakers_only.yaml" "limits.yaml with breakers only"

cat >"$work/cases/scenario_mix.yaml" <<'EOF'
scenario: mixed.v1
description: "every kind of phase once"
phases:
  - {at: 0s, duration: 90s, kind: volatile, vol_multiple: 2.5, symbol: SIM, ramp: 10s}
  - {at: 30s, duration: 1.5m, kind: trending, drift: -1.5, ramp: 0s}
  - {at: 2m, duration: 1m, kind: flash_crash, move_pct: 12, recover: 2m, spread_multiple: 3, symbol: IDX}
  - {at: 5m, kind: price_jump, jump_pct: -2, duration: 0s}
  - {at: 6m, duration: 10m, kind: liquidity_drought, depth_divisor: 4}
  - {at: 20m, duration: 5s, kind: venue_outage}
  - {at: 21m, duration: 1h, kind: calm, symbol: SIM}
EOF
accept scenario "$work/cases/scenario_mix.yaml" "a scenario with every kind of phase and optional keys"

if [ "$errors" -ne 0 ]; then
  echo "FAIL: $errors disagreements between the schemas and the daemon" >&2
  exit 1
fi
echo "OK"
