# shellcheck shell=bash disable=SC2154,SC2034  # src and hedged come from the caller; so do
# the variables set for it (prometheus_pid, taken).
# Helpers shared by the deploy tests that run the real daemon (dashboard_metrics_test.sh,
# prometheus_test.sh, schema_test.sh). Source it after setting
#   hedged  the absolute path of the hedged binary
#   src     the source tree (config/default.yaml, config/limits.yaml, config/fix/FIX44.xml)
# and, if the test wants its own, after defining fail (default: print FAIL and exit 1).

if ! declare -F fail >/dev/null; then
  fail() {
    echo "FAIL: $*" >&2
    exit 1
  }
fi

# require_tools TOOL...: fail, naming where the tools come from, when one is missing.
require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null ||
      fail "$tool not found (Debian packages: curl, jq, prometheus, python3; see deploy/install-deps.sh)"
  done
}

# start_work: a temporary folder in $work, removed on exit, and every PID the test adds to pids
# sent SIGTERM and waited for first.
start_work() {
  work=$(mktemp -d)
  pids=()
  trap cleanup EXIT
}
cleanup() {
  local p
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill -TERM "$p" 2>/dev/null || true; fi
  done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

taken=" "
# Ports come from 20000-31999, below Linux's ephemeral range (32768-60999): a port from that
# range can be taken between the check and the bind by any outgoing connection on the machine.
free_port() {  # free_port VAR: a port nothing listens on and not handed out before
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 12000))
    case $taken in *" $p "*) continue ;; esac
    if ! port_in_use "$p"; then
      taken="$taken$p "
      printf -v "$1" '%s' "$p"
      return 0
    fi
  done
  fail "no free port"
}

# write_config OUT METRICS_PORT MODE(embedded|fixmd): config/default.yaml with a free port for
# metrics.listen and for every `port:` key (fix.port, drop_copy.port, ...), absolute paths to the
# repository's dictionary and a copy of its limits, and for fixmd FIX market data from a
# standalone venue. Prints the FIX order port.
write_config() {
  local out=$1 metrics=$2 mode=$3 dir ports="" n pattern port
  dir=$(dirname "$out")
  cp "$src/config/limits.yaml" "$dir/limits.yaml"
  n=$(grep -cE '^  port: [0-9]+' "$src/config/default.yaml" || true)
  for _ in $(seq "$n"); do free_port port; ports="$ports $port"; done
  local -a edits=(
    -e "s#^  listen: 127\.0\.0\.1:9464 #  listen: 127.0.0.1:$metrics #"
    -e "s#^  data_dictionary: fix/FIX44\.xml #  data_dictionary: $src/config/fix/FIX44.xml #"
    -e "s#^  limits_file: limits\.yaml #  limits_file: $dir/limits.yaml #"
    -e "s#^  listen: 127\.0\.0\.1:8080\$#  listen: 127.0.0.1:0#"
    -e "s#^  dir: \.\./var/journal #  dir: $dir/journal #"
  )
  if [ "$mode" = fixmd ]; then
    edits+=(-e 's#^  source: simulator$#  source: fix#' -e 's#^  embedded: true #  embedded: false #')
  fi
  sed "${edits[@]}" "$src/config/default.yaml" |
    awk -v ports="$ports" 'BEGIN { split(ports, p, " ") }
      /^  port: [0-9]+/ { sub(/[0-9]+/, p[++i]) } { print }' >"$out"
  local -a expected=("^  listen: 127\.0\.0\.1:$metrics " "^  data_dictionary: $src/" "^  limits_file: $dir/"
    "^  listen: 127\.0\.0\.1:0$")
  if [ "$mode" = fixmd ]; then expected+=('^  source: fix$' '^  embedded: false '); fi
  for pattern in "${expected[@]}"; do
    grep -q "$pattern" "$out" || fail "config/default.yaml changed shape ($pattern): update write_config in ${BASH_SOURCE[0]}"
  done
  "$hedged" check-config "$out" >/dev/null || fail "test config rejected: $out"
  # fix.port: the first `port:` under `fix:`.
  awk '/^[a-z_]+:/ { section = $1 } section == "fix:" && /^  port: / { print $2; exit }' "$out"
}

sample() {  # sample NAME FILE: sum of a metric's samples in an exposition
  awk -v n="$1" '$1 == n || index($1, n "{") == 1 { s += $NF } END { print s + 0 }' "$2"
}

stop() {  # stop PID NAME: SIGTERM, expect exit 0 within 10 s
  local pid=$1 name=$2 rc
  kill -TERM "$pid"
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && fail "$name did not stop within 10 s of SIGTERM"
  rc=0
  wait "$pid" || rc=$?
  [ "$rc" -eq 0 ] || fail "$name exited with status $rc after SIGTERM"
}

# start_prometheus DIR PORT TARGET [RULES_FILE]: a real Prometheus on 127.0.0.1:PORT scraping
# TARGET (host:port) as job "hedged" every second, its configuration, storage and log in DIR.
# Sets prometheus_pid; the caller stops it (stop) or kills it in its trap.
start_prometheus() {
  local dir=$1 port=$2 target=$3 rules=${4:-}
  mkdir -p "$dir"
  {
    printf 'global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n'
    if [ -n "$rules" ]; then printf 'rule_files:\n  - %s\n' "$rules"; fi
    printf 'scrape_configs:\n  - job_name: hedged\n    static_configs:\n'
    printf '      - targets: ["%s"]\n' "$target"
  } >"$dir/prometheus.yml"
  prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$port" --log.level=warn >"$dir/log" 2>&1 &
  prometheus_pid=$!
}

# prom_query PORT EXPR: the JSON answer of Prometheus' instant query API (fails on HTTP errors).
prom_query() {
  curl -sf --data-urlencode "query=$2" "http://127.0.0.1:$1/api/v1/query"
}

# prom_value PORT EXPR: the first result's value of an instant query, empty when there is none.
prom_value() {
  prom_query "$1" "$2" 2>/dev/null | jq -r '.data.result[0].value[1] // empty' 2>/dev/null || true
}
