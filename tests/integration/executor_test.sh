#!/usr/bin/env bash
# The daemon's order gateway against a FIX peer nobody here wrote: QuickFIX's example `executor`
# as Debian ships it (libquickfix-doc, a gzipped binary built against the system library). It
# fills every limit order in full at its limit price. `hedged run` trades the built-in simulated
# market's hedges through it; the test passes when a hedge order is filled and the daemon then
# exits 0 on SIGTERM.
#
# usage: executor_test.sh HEDGED_BINARY SOURCE_DIR
# Exits 77 (ctest SKIP_RETURN_CODE) when the executor is not installed.
set -euo pipefail

hedged=${1:?usage: executor_test.sh HEDGED_BINARY SOURCE_DIR}
source_dir=${2:?usage: executor_test.sh HEDGED_BINARY SOURCE_DIR}
examples=/usr/share/doc/libquickfix-doc/examples/executor/C++
executor_gz=$examples/.libs/executor.gz
if [[ ! -r $executor_gz ]]; then
  echo "SKIP: $executor_gz not found (Debian package libquickfix-doc)"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/hedged-executor.XXXXXX")
executor_pid=
daemon_pid=
cleanup() {
  [[ -n $daemon_pid ]] && kill -KILL "$daemon_pid" 2>/dev/null || true
  [[ -n $executor_pid ]] && kill -TERM "$executor_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  echo "--- daemon log (last 40 lines)"
  tail -n 40 "$work/daemon.log" 2>/dev/null || true
  echo "--- executor output (last 20 lines)"
  tail -n 20 "$work/executor.log" 2>/dev/null || true
  exit 1
}

# A loopback port nobody listens on (from /proc/net/tcp, where ports are hex).
free_port() {
  local port hex
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 30000))
    hex=$(printf '%04X' "$port")
    if ! grep -qiE "^ *[0-9]+: [0-9A-F]{8}:$hex " /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  echo "no free port found" >&2
  return 1
}
fix_port=$(free_port)
metrics_port=$(free_port)
while [[ $metrics_port == "$fix_port" ]]; do metrics_port=$(free_port); done

gzip -dc "$executor_gz" >"$work/executor"
chmod +x "$work/executor"
dictionary=$source_dir/config/fix/FIX44.xml

# The CompIDs of QuickFIX's example cfg/executor.cfg (EXECUTOR accepting CLIENT1), FIX 4.4 only,
# on the free port; the executor validates with the project's dictionary.
cat >"$work/executor.cfg" <<EOF
[DEFAULT]
ConnectionType=acceptor
SocketAcceptPort=$fix_port
SocketReuseAddress=Y
StartTime=00:00:00
EndTime=00:00:00
FileStorePath=$work/store
UseDataDictionary=Y
DataDictionary=$dictionary

[SESSION]
BeginString=FIX.4.4
SenderCompID=EXECUTOR
TargetCompID=CLIENT1
EOF

# The built-in simulated market (volatile, so a hedge is due at once: the book is short calls),
# orders to the executor instead of the embedded venue.
cat >"$work/hedged.yaml" <<EOF
engine:
  idle_strategy: backoff
  timer_interval: 20ms
market_data:
  source: simulator
  seed: 7
  tick_interval: 20ms
underlyings:
  - symbol: TST
    tick_size: 0.01
    lot_size: 1
    rate: 0.02
    vol: 0.30
    simulator: {initial_spot: 50.0, vol: 1.0, spread_bps: 4, min_size: 3000, max_size: 8000}
    hedge: {band_delta_shares: 30, order_timeout: 2s, min_order_interval: 40ms}
book:
  - {underlying: TST, right: call, strike: 50, expiry: 20d, quantity: -60, multiplier: 100}
fix:
  sender_comp_id: CLIENT1
  target_comp_id: EXECUTOR
  host: 127.0.0.1
  port: $fix_port
  heartbeat_interval: 10s
  reconnect_interval: 1s
  data_dictionary: $dictionary
venue:
  embedded: false
metrics:
  listen: 127.0.0.1:$metrics_port
logging:
  level: info
EOF

(cd "$work" && exec ./executor executor.cfg) >"$work/executor.log" 2>&1 &
executor_pid=$!
# Listening once its port shows in /proc/net/tcp (state 0A).
hex=$(printf '%04X' "$fix_port")
for _ in $(seq 1 100); do
  grep -qiE "^ *[0-9]+: [0-9A-F]{8}:$hex [0-9A-F:]+ 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null &&
    break
  kill -0 "$executor_pid" 2>/dev/null || fail "the executor exited"
  sleep 0.1
done

"$hedged" run -c "$work/hedged.yaml" >"$work/daemon.out" 2>"$work/daemon.log" &
daemon_pid=$!

filled=
for _ in $(seq 1 300); do  # 30 s
  kill -0 "$daemon_pid" 2>/dev/null || fail "hedged exited early"
  if grep -q "fill TST: .*(complete)" "$work/daemon.log"; then
    filled=yes
    break
  fi
  sleep 0.1
done
[[ -n $filled ]] || fail "no hedge order was filled within 30 s"
grep -q "FIX logon" "$work/daemon.log" || fail "no FIX logon in the daemon log"

# The fill is also in the metrics.
metrics=$(exec 3<>"/dev/tcp/127.0.0.1/$metrics_port" &&
  printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && cat <&3) ||
  fail "no metrics on 127.0.0.1:$metrics_port"
grep -qE '^hedged_orders_total\{outcome="filled",side="(buy|sell)"\} [1-9]' <<<"$metrics" ||
  fail "hedged_orders_total{outcome=\"filled\"} is not positive"

kill -TERM "$daemon_pid"
status=0
for _ in $(seq 1 100); do
  kill -0 "$daemon_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$daemon_pid" 2>/dev/null; then
  fail "hedged did not exit within 10 s of SIGTERM"
fi
wait "$daemon_pid" || status=$?
daemon_pid=
[[ $status -eq 0 ]] || fail "hedged exited $status after SIGTERM"
grep -m1 "fill TST: " "$work/daemon.log"
echo "PASS: hedged traded through QuickFIX's example executor and exited 0 on SIGTERM"
