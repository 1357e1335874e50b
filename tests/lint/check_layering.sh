#!/usr/bin/env bash
# Dependency rule (README "Layout"): core <- adapters <- daemon.
#  - core/ includes only the standard library and core/ headers: no Boost, QuickFIX, spdlog,
#    fmt, yaml-cpp, prometheus-cpp, <thread> or <iostream>.
#  - adapters/ never include daemon/ headers, and an adapter never includes another adapter
#    (adapters/quickfix, the shared QuickFIX layer, is not an adapter).
#  - core/ never includes adapters/ or daemon/.
# The link graph is checked at configure time (core/CMakeLists.txt); this checks the includes.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
status=0

report() { echo "layering: $1"; status=1; }

while IFS= read -r hit; do
  report "core must include only the standard library: $hit"
done < <(grep -rnE '#include[[:space:]]*[<"](boost/|quickfix/|spdlog/|fmt/|yaml-cpp/|prometheus/|civetweb|curl/|thread>|iostream>|adapters/|daemon/)' core || true)

# adapters/quickfix is the QuickFIX layer the FIX adapters share, not an adapter: any adapter may
# include it, and it includes no adapter.
for adapter in adapters/*/; do
  name=$(basename "$adapter")
  while IFS= read -r hit; do
    report "adapter '$name' includes the daemon or another adapter: $hit"
  done < <(grep -rnE '#include[[:space:]]*"(daemon/|adapters/)' "$adapter" |
    grep -vE "#include[[:space:]]*\"adapters/($name|quickfix)/" || true)
done

# Each outside library belongs to one layer: QuickFIX to the FIX adapters (orders, venue, market
# data), never to the daemon.
while IFS= read -r hit; do
  report "QuickFIX used outside the FIX adapters (adapters/fix, venue, marketdata): $hit"
done < <(grep -rnE '#include[[:space:]]*<quickfix/' daemon core 2>/dev/null || true)

if [ "$status" -eq 0 ]; then
  echo "layering: ok (core is standard-library only; adapters include only core and themselves)"
fi
exit "$status"
