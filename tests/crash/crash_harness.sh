#!/usr/bin/env bash
# Crash harness: the daemon against the standalone venue (`hedged venue`), both with persisted
# FIX sequence numbers, killed with SIGKILL at random moments while it hedges and started again
# on the same journal, cycle after cycle. After each restart the daemon is halted (SIGUSR1, the
# kill switch), its working orders end, and the venue's records (its --stats-file) are compared
# with the daemon's (GET /status of the admin API):
#   - the daemon's hedge position minus its initial one = the venue's net filled quantity of the
#     hedge symbol (no fill lost, none counted twice);
#   - the venue saw no ClOrdID twice from the daemon's session (duplicate_cl_ord_ids = 0);
#   - `hedged journal verify` passes on the killed daemon's journal (a torn tail is reported,
#     not a failure; corruption is).
# Then it resumes (SIGUSR2) and the next cycle begins. The session-drop variant keeps the daemon
# running and drops its FIX session instead: SIGUSR1 to the venue makes a 1 s venue outage
# (every session logged out, logons refused), and the daemon must reconcile after it reconnects.
#
#   tests/crash/crash_harness.sh HEDGED_BINARY [--cycles N | --long] [--variant kill|session-drop]
#                                [--seed N] [--keep-orders] [--keep-going] [--keep-work]
#
#   --cycles N       kill/restart cycles (default 5, the CI mode); --long: 50
#   --variant        kill (default): SIGKILL and restart; session-drop: a venue outage
#   --seed N         seeds the random kill moments and the simulated market (default: $RANDOM)
#   --keep-orders    the venue leaves a dropped session's orders in the book (they may fill while
#                    the daemon is away); default: cancel on disconnect
#   --keep-going     report a mismatch and carry on; the exit status is still 1
#   --keep-work      keep the work folder (configs, logs, journal, FIX store) and print its path
# Exit status: 0 all cycles agreed, 1 a mismatch or a failure, 64 bad usage.
# Needs curl, jq; SOURCE_DIR (for the FIX dictionary) is found from this script's location.
set -euo pipefail
export LC_ALL=C

usage() {
  sed -n '/^#   tests\/crash/,/^# Exit status/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 64
}

[ $# -ge 1 ] || usage
hedged=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cycles=5
variant="kill"
seed=$RANDOM
cancel_on_disconnect=true
keep_going=false
keep_work=false
while [ $# -gt 0 ]; do
  case $1 in
    --cycles) [ $# -ge 2 ] || usage; cycles=$2; shift ;;
    --long) cycles=50 ;;
    --variant) [ $# -ge 2 ] || usage; variant=$2; shift ;;
    --seed) [ $# -ge 2 ] || usage; seed=$2; shift ;;
    --keep-orders) cancel_on_disconnect=false ;;
    --keep-going) keep_going=true ;;
    --keep-work) keep_work=true ;;
    *) usage ;;
  esac
  shift
done
case $variant in kill | session-drop) ;; *) usage ;; esac
if ! [[ $cycles =~ ^[0-9]+$ ]] || [ "$cycles" -lt 1 ]; then usage; fi
[[ $seed =~ ^[0-9]+$ ]] || usage

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
  exit 1
}
# shellcheck source=tests/deploy/lib.sh
. "$src/tests/deploy/lib.sh"
require_tools curl jq
[ -x "$hedged" ] || fail "$hedged is not an executable"

work=$(mktemp -d)
venue_pid=
daemon_pid=
finish() {
  local p
  for p in $daemon_pid $venue_pid; do
    if kill -0 "$p" 2>/dev/null; then kill -TERM "$p" 2>/dev/null || true; fi
  done
  for p in $daemon_pid $venue_pid; do wait "$p" 2>/dev/null || true; done
  if $keep_work || [ "$failures" -gt 0 ]; then
    echo "work folder kept: $work" >&2
  else
    rm -rf "$work"
  fi
}
trap finish EXIT

RANDOM=$seed
fix_port=
admin_port=
free_port fix_port
free_port admin_port
journal=$work/journal
stats=$work/venue-stats.json
config=$work/hedged.yaml
initial_position=0

cat >"$work/limits.yaml" <<EOF
underlyings:
  TST:
    pre_trade: {max_order_qty_units: 3000, max_order_notional: 500000, price_band_pct: 5}
EOF
# One file for both processes: `hedged venue` takes the market and the FIX endpoint from it, the
# daemon trades against that venue (venue.embedded: false) and takes its quotes over FIX. A
# volatile path, a narrow band, a thin book and hedges sliced over 2 s with children resting at
# the near touch: a hedge every second or so, partial fills, orders working when the kill comes.
cat >"$config" <<EOF
risk:
  limits_file: $work/limits.yaml
engine:
  idle_strategy: backoff
  timer_interval: 20ms
market_data:
  source: fix
  seed: $seed
  tick_interval: 50ms
underlyings:
  - symbol: TST
    tick_size: 0.01
    lot_size: 1
    rate: 0.02
    vol: 0.30
    simulator: {initial_spot: 50.0, vol: 5.0, spread_bps: 4, min_size: 200, max_size: 1200}
    hedge: {band_delta_shares: 20, order_timeout: 1s, min_order_interval: 40ms, initial_position: $initial_position}
    execution: {algorithm: twap, horizon: 2s, slice_interval: 400ms, price_rule: join, cross_after: 400ms}
book:
  - {underlying: TST, right: call, strike: 45, expiry: 20d, quantity: -30, multiplier: 100}
  - {underlying: TST, right: call, strike: 50, expiry: 20d, quantity: -60, multiplier: 100}
  - {underlying: TST, right: put,  strike: 50, expiry: 20d, quantity: -40, multiplier: 100}
  - {underlying: TST, right: put,  strike: 55, expiry: 60d, quantity: 25,  multiplier: 100}
  - {underlying: TST, right: call, strike: 55, expiry: 60d, quantity: 35,  multiplier: 100}
fix:
  port: $fix_port
  data_dictionary: $src/config/fix/FIX44.xml
  heartbeat_interval: 5s
  reconnect_interval: 1s
  persist_sequences: true
  store_dir: $work/fix
venue:
  embedded: false
  match_interval: 5ms
  ack_latency: 1ms
  fill_latency: 5ms
  persist_sequences: true
  cancel_on_disconnect: $cancel_on_disconnect
drop_copy:
  enabled: false
option_flow:
  enabled: false
journal:
  enabled: true
  dir: $journal
  commit_interval: 2ms
admin:
  enabled: true
  listen: 127.0.0.1:$admin_port
metrics:
  enabled: false
logging:
  level: info
EOF
"$hedged" check-config "$config" >/dev/null || fail "harness config rejected: $config"

# --- Readers ----------------------------------------------------------------------------------
daemon_status() { curl -sf --max-time 2 "http://127.0.0.1:$admin_port/status" 2>/dev/null; }
# venue FIELD: a number from the venue's stats file (jq path, e.g. .orders).
venue() { jq -r "$1 // 0" "$stats" 2>/dev/null || echo 0; }
venue_net() { venue '(.by_symbol.TST.buy_qty // 0) - (.by_symbol.TST.sell_qty // 0)'; }
session() { venue ".sessions.HEDGED.$1"; }

# wait_until SECONDS DESCRIPTION COMMAND...: polls every 100 ms.
wait_until() {
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq $((seconds * 10))); do
    if "$@"; then return 0; fi
    if [ -n "$daemon_pid" ] && ! kill -0 "$daemon_pid" 2>/dev/null; then
      tail -n 30 "$work/daemon.log" >&2
      fail "the daemon exited while waiting for: $what"
    fi
    sleep 0.1
  done
  tail -n 30 "$work/daemon.log" >&2
  fail "timed out after ${seconds}s waiting for: $what"
}

logged_on() { [ "$(daemon_status | jq -r '.fix_session_up')" = true ]; }
state_is() { [ "$(daemon_status | jq -r '.book.state')" = "$1" ]; }
orders_beyond() { [ "$(session orders)" -gt "$1" ]; }
logons_beyond() { [ "$(session logons)" -gt "$1" ]; }
no_live_orders() {
  local s
  s=$(daemon_status) || return 1
  [ "$(jq -r '.live_orders' <<<"$s")" = 0 ] && [ "$(jq -r '.book.state' <<<"$s")" = halted ] &&
    [ "$(venue .resting)" = 0 ]
}
# The daemon's hedge position and the venue's net fill, equal in two reads 600 ms apart (the
# stats file is rewritten every 200 ms): nothing is in flight.
settled() {
  local a b
  a="$(daemon_status | jq -r '.underlyings[0].hedge_position') $(venue_net) $(venue .fills)"
  sleep 0.6
  b="$(daemon_status | jq -r '.underlyings[0].hedge_position') $(venue_net) $(venue .fills)"
  [ "$a" = "$b" ]
}

start_daemon() {
  "$hedged" run -c "$config" >>"$work/daemon.log" 2>&1 &
  daemon_pid=$!
}

# --- Run --------------------------------------------------------------------------------------
echo "crash harness: $cycles cycles, variant $variant, seed $seed, cancel on disconnect" \
  "$cancel_on_disconnect, FIX port $fix_port, work $work"
"$hedged" venue -c "$config" --stats-file "$stats" >"$work/venue.log" 2>&1 &
venue_pid=$!
for _ in $(seq 100); do
  [ -s "$stats" ] && grep -q "venue simulator " "$work/venue.log" && break
  kill -0 "$venue_pid" 2>/dev/null || { cat "$work/venue.log" >&2; fail "the venue did not start"; }
  sleep 0.1
done
[ -s "$stats" ] || fail "the venue wrote no stats file"

start_daemon
wait_until 30 "the daemon logged on" logged_on

torn_tails=0
started=$(date +%s)
for cycle in $(seq "$cycles"); do
  # Hedging: the venue sees new orders from the daemon's session.
  orders_before=$(session orders)
  wait_until 30 "the daemon sending orders (cycle $cycle)" orders_beyond "$orders_before"
  delay_ms=$((200 + RANDOM % 2801))
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  logons_before=$(session logons)

  journal_note=
  if [ "$variant" = kill ]; then
    kill -KILL "$daemon_pid"
    wait "$daemon_pid" 2>/dev/null || true
    daemon_pid=
    verify_rc=0
    verify=$("$hedged" journal verify "$journal" 2>&1) || verify_rc=$?
    journal_status=$(awk '$1 == "status:" { print $2 }' <<<"$verify")
    records=$(awk '$1 == "records:" { print $2 }' <<<"$verify")
    case $journal_status in
      clean) [ "$verify_rc" -eq 0 ] || fail "journal verify: clean but exit $verify_rc" ;;
      torn_tail) torn_tails=$((torn_tails + 1)) ;;
      *) echo "$verify" >&2; fail "cycle $cycle: the journal does not verify ($journal_status)" ;;
    esac
    journal_note="journal $journal_status, $records records"
    start_daemon
  else
    kill -USR1 "$venue_pid"  # a 1 s outage: every session logged out, logons refused
    journal_note="session dropped"
  fi
  wait_until 60 "the daemon logged on again (cycle $cycle)" logons_beyond "$logons_before"
  wait_until 30 "the daemon's FIX session up (cycle $cycle)" logged_on

  # Quiesce: halt, let working orders end, wait until nothing moves.
  kill -USR1 "$daemon_pid"
  wait_until 30 "the daemon halted with no live orders (cycle $cycle)" no_live_orders
  wait_until 30 "positions settled (cycle $cycle)" settled

  position=$(daemon_status | jq -r '.underlyings[0].hedge_position')
  net=$(venue_net)
  duplicates=$(venue .duplicate_cl_ord_ids)
  line=$(printf 'cycle %d/%d %s after %d ms: daemon position %d (initial %d), venue net %d (buy %d, sell %d, %d fills, %d orders, %d logons), duplicate ClOrdIDs %d, %s' \
    "$cycle" "$cycles" "$variant" "$delay_ms" "$position" "$initial_position" "$net" \
    "$(venue .by_symbol.TST.buy_qty)" "$(venue .by_symbol.TST.sell_qty)" "$(session fills)" \
    "$(session orders)" "$(session logons)" "$duplicates" "$journal_note")
  problem=
  if [ $((position - initial_position)) -ne "$net" ]; then
    problem="the daemon's hedge position moved by $((position - initial_position)), the venue filled $net"
  elif [ "$duplicates" -ne 0 ]; then
    problem="the venue saw $duplicates reused ClOrdIDs"
  fi
  if [ -n "$problem" ]; then
    echo "$line: MISMATCH: $problem"
    failures=$((failures + 1))
    $keep_going || fail "cycle $cycle: $problem"
  else
    echo "$line: ok"
  fi

  kill -USR2 "$daemon_pid"  # resume
  wait_until 30 "the daemon active again (cycle $cycle)" state_is active
done

elapsed=$(($(date +%s) - started))
echo "summary: $cycles cycles ($variant) in ${elapsed}s, $failures mismatches, $torn_tails torn" \
  "journal tails, venue: $(session orders) orders and $(session fills) fills from the daemon," \
  "net $(venue_net), $(venue .duplicate_cl_ord_ids) duplicate ClOrdIDs, $(session logons) logons"
if [ -n "$daemon_pid" ]; then
  stop "$daemon_pid" "the daemon"
  daemon_pid=
fi
stop "$venue_pid" "the venue"
venue_pid=
[ "$failures" -eq 0 ] || exit 1
echo "PASS"
