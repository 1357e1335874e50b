#!/usr/bin/env bash
# The configurations shipped for deployment are accepted by the daemon's own loaders and have not
# drifted from config/default.yaml and config/limits.yaml:
#   - deploy/docker/hedged.yaml (the image's /etc/hedged/hedged.yaml, next to a copy of config/);
#   - deploy/k8s/configmap.yaml's hedged.yaml and limits.yaml (mounted at /etc/hedged);
#   each passes `hedged check-config` where it will sit, and differs from config/ only in the keys
#   a deployment must change (metrics.listen, fix.data_dictionary, risk.limits_file, the
#   kill-switch file);
#   - the files the Dockerfile copies, compose.yaml mounts and Grafana provisioning names exist and
#     agree with each other;
#   - deploy/systemd/hedged.service passes `systemd-analyze verify` (with ExecStart pointed at the
#     binary under test; skipped when systemd-analyze is not installed).
#   tests/deploy/deploy_config_test.sh HEDGED_BINARY [SOURCE_DIR]
set -euo pipefail
export LC_ALL=C

if [ $# -lt 1 ]; then
  echo "usage: $0 HEDGED_BINARY [SOURCE_DIR]" >&2
  exit 64
fi
hedged=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
[ -x "$hedged" ] || { echo "FAIL: $hedged is not an executable" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
fail() {
  echo "FAIL: $*" >&2
  status=1
}
ok() { echo "ok: $*"; }

# Comments and blank lines dropped; the values of the keys a deployment changes replaced by X.
normalise() {
  sed -e '/^ *#/d' -e 's/ *#.*$//' -e '/^ *$/d' \
      -e 's/^\(  limits_file:\).*/\1 X/' -e 's/^\(  data_dictionary:\).*/\1 X/' \
      -e 's/^\(  listen:\).*/\1 X/' -e 's/^\(  dir:\).*/\1 X/' -e 's/^\(  kill_switch: *{file:\) [^,]*,/\1 X,/' "$1"
}
same_as() {  # same_as FILE REFERENCE WHAT
  if diff <(normalise "$2") <(normalise "$1") >"$work/diff"; then
    ok "$3 differs from $(basename "$2") only in deployment keys"
  else
    fail "$3 differs from config/$(basename "$2") in more than the deployment keys:"
    sed 's/^/  /' "$work/diff" >&2
  fi
}
check_config() {  # check_config WHAT FILE...
  local what=$1
  shift
  if "$hedged" check-config "$@" >"$work/check.out" 2>&1; then
    ok "$what: $(head -n 1 "$work/check.out")"
  else
    fail "$what rejected by hedged check-config:"
    sed 's/^/  /' "$work/check.out" >&2
  fi
}

# ---- deploy/docker/hedged.yaml ----------------------------------------------------------------
# In the image: /etc/hedged/hedged.yaml with /etc/hedged/config a copy of config/.
mkdir -p "$work/docker"
cp "$src/deploy/docker/hedged.yaml" "$work/docker/hedged.yaml"
ln -s "$src/config" "$work/docker/config"
check_config "deploy/docker/hedged.yaml" "$work/docker/hedged.yaml" "$work/docker/config/limits.yaml"
grep -q '^  listen: 0\.0\.0\.0:9464\( \|$\)' "$src/deploy/docker/hedged.yaml" ||
  fail "deploy/docker/hedged.yaml: metrics.listen must be 0.0.0.0:9464 (the Dockerfile's EXPOSE and HEALTHCHECK)"
same_as "$src/deploy/docker/hedged.yaml" "$src/config/default.yaml" "deploy/docker/hedged.yaml"

# ---- deploy/k8s/configmap.yaml ------------------------------------------------------------------
extract() {  # extract KEY FILE: a `  KEY: |` block scalar of the ConfigMap's data
  awk -v key="  $1: |" '
    $0 == key { on = 1; next }
    on && /^    / { print substr($0, 5); next }
    on && /^ *$/ { print ""; next }
    on { exit }' "$2"
}
mkdir -p "$work/k8s"
cm=$src/deploy/k8s/configmap.yaml
extract hedged.yaml "$cm" >"$work/k8s/hedged.yaml"
extract limits.yaml "$cm" >"$work/k8s/limits.yaml"
if [ ! -s "$work/k8s/hedged.yaml" ] || [ ! -s "$work/k8s/limits.yaml" ]; then
  fail "deploy/k8s/configmap.yaml: no hedged.yaml or limits.yaml block"
else
  # The image installs the dictionary at /usr/local/share/hedged/config/fix/FIX44.xml.
  grep -q '^  data_dictionary: /usr/local/share/hedged/config/fix/FIX44\.xml' "$work/k8s/hedged.yaml" ||
    fail "configmap hedged.yaml: fix.data_dictionary is not the image's /usr/local/share/hedged/config/fix/FIX44.xml"
  sed -i "s#/usr/local/share/hedged/config/fix/FIX44\.xml#$src/config/fix/FIX44.xml#" "$work/k8s/hedged.yaml"
  check_config "deploy/k8s/configmap.yaml hedged.yaml + limits.yaml" "$work/k8s/hedged.yaml" "$work/k8s/limits.yaml"
  grep -q '^  listen: 0\.0\.0\.0:9464\( \|$\)' "$work/k8s/hedged.yaml" ||
    fail "configmap hedged.yaml: metrics.listen must be 0.0.0.0:9464 (the pod's metrics port)"
  grep -q '^  kill_switch: *{file: /var/lib/hedged/' "$work/k8s/limits.yaml" ||
    fail "configmap limits.yaml: the kill-switch file must be on the writable journal volume /var/lib/hedged"
  same_as "$work/k8s/hedged.yaml" "$src/config/default.yaml" "configmap hedged.yaml"
  same_as "$work/k8s/limits.yaml" "$src/config/limits.yaml" "configmap limits.yaml"
fi

# ---- files referenced by the Dockerfile, compose and Grafana provisioning ------------------------
while read -r from; do
  [ -e "$src/$from" ] || fail "Dockerfile copies $from, which does not exist"
done < <(sed -n 's/^COPY \([^-][^ ]*\) .*/\1/p' "$src/Dockerfile")
grep -q '^ENTRYPOINT \["/usr/local/bin/hedged", "run", "-c", "/etc/hedged/hedged.yaml"\]' "$src/Dockerfile" ||
  fail "Dockerfile: ENTRYPOINT is not hedged run -c /etc/hedged/hedged.yaml"
while read -r from; do
  [ -e "$src/deploy/$from" ] || fail "compose.yaml mounts $from, which does not exist"
done < <(sed -n 's/^ *- \(\.\.\{0,1\}\/[^:]*\):.*/\1/p' "$src/deploy/compose.yaml")
compose_conf=$(sed -n 's/^ *- --config.file=\/etc\/prometheus\/\(.*\)$/\1/p' "$src/deploy/compose.yaml")
[ -f "$src/deploy/prometheus/$compose_conf" ] ||
  fail "compose.yaml's Prometheus config '$compose_conf' is not in deploy/prometheus"
grep -q 'targets: \["hedged:9464"\]' "$src/deploy/prometheus/$compose_conf" ||
  fail "$compose_conf does not scrape hedged:9464"
dash_path=$(sed -n 's/^ *path: *//p' "$src/deploy/grafana/provisioning/dashboards/hedged.yaml")
grep -q "^ *- \./grafana/dashboards:$dash_path:ro" "$src/deploy/compose.yaml" ||
  fail "Grafana's dashboard provider path $dash_path is not where compose.yaml mounts the dashboards"
ds_uid=$(sed -n 's/^ *uid: *//p' "$src/deploy/grafana/provisioning/datasources/prometheus.yaml")
grep -q "\"value\": \"$ds_uid\"" "$src/deploy/grafana/dashboards/hedged.json" ||
  fail "the dashboard's DS_PROMETHEUS default is not the provisioned datasource uid '$ds_uid'"
[ "$status" -eq 0 ] && ok "Dockerfile, compose.yaml and Grafana provisioning reference existing, matching files"

# ---- deploy/systemd/hedged.service --------------------------------------------------------------
unit=$src/deploy/systemd/hedged.service
grep -q '^ExecStart=/usr/local/bin/hedged run -c /etc/hedged/hedged.yaml$' "$unit" ||
  fail "hedged.service: ExecStart is not /usr/local/bin/hedged run -c /etc/hedged/hedged.yaml"
if command -v systemd-analyze >/dev/null; then
  sed "s#^ExecStart=/usr/local/bin/hedged #ExecStart=$hedged #" "$unit" >"$work/hedged.service"
  if (cd "$work" && systemd-analyze verify ./hedged.service) >"$work/verify.out" 2>&1 &&
     [ ! -s "$work/verify.out" ]; then
    ok "systemd-analyze verify hedged.service: clean"
  else
    fail "systemd-analyze verify hedged.service:"
    sed 's/^/  /' "$work/verify.out" >&2
  fi
else
  echo "skipped: systemd-analyze verify (systemd-analyze not installed)"
fi

[ "$status" -eq 0 ] && echo "OK"
exit "$status"
