// Quote tapes <-> market paths, for replay backtests.
#include <algorithm>

#include "core/backtest/backtest.hpp"

namespace hedged::backtest {

std::string path_from_tape(const sim::QuoteTape& tape, const std::vector<std::string>& spot_symbols,
                           MarketPath& out) {
  const std::size_t n = spot_symbols.size();
  std::vector<int> underlying_of_symbol(tape.symbols.size(), -1);
  for (std::size_t u = 0; u < n; ++u) {
    const auto it = std::find(tape.symbols.begin(), tape.symbols.end(), spot_symbols[u]);
    if (it == tape.symbols.end()) {
      return "the quote file has no rows for underlying '" + spot_symbols[u] + "'";
    }
    underlying_of_symbol[static_cast<std::size_t>(it - tape.symbols.begin())] = static_cast<int>(u);
  }
  out.times.clear();
  out.spot.assign(n, {});
  out.half_spread.assign(n, {});
  out.vol.clear();
  std::vector<double> mid(n, 0.0);
  std::vector<double> half(n, 0.0);
  std::vector<bool> seen(n, false);
  std::size_t seen_count = 0;
  for (std::size_t i = 0; i < tape.records.size(); ++i) {
    const sim::TapeRecord& r = tape.records[i];
    const int u = underlying_of_symbol[r.symbol];
    if (u < 0) continue;
    const auto ui = static_cast<std::size_t>(u);
    mid[ui] = 0.5 * (r.bid + r.ask);
    half[ui] = 0.5 * (r.ask - r.bid);
    if (!seen[ui]) {
      seen[ui] = true;
      ++seen_count;
    }
    // A grid point once every underlying has a quote and the next row is at a later time.
    bool time_ends = true;
    for (std::size_t j = i + 1; j < tape.records.size(); ++j) {
      if (underlying_of_symbol[tape.records[j].symbol] < 0) continue;
      time_ends = tape.records[j].time_ns != r.time_ns;
      break;
    }
    if (!time_ends || seen_count < n) continue;
    out.times.push_back(r.time_ns);
    for (std::size_t v = 0; v < n; ++v) {
      out.spot[v].push_back(mid[v]);
      out.half_spread[v].push_back(half[v]);
    }
  }
  if (out.times.size() < 2) return "the quote file has fewer than two times with every underlying";
  return {};
}

sim::QuoteTape tape_from_path(const MarketPath& path, const std::vector<std::string>& spot_symbols,
                              double half_spread_bps, std::int64_t size) {
  sim::QuoteTape tape;
  for (std::size_t k = 0; k < path.times.size(); ++k) {
    for (std::size_t u = 0; u < spot_symbols.size(); ++u) {
      const double mid = path.spot[u][k];
      const double half =
          path.half_spread.empty() ? mid * half_spread_bps * 1e-4 : path.half_spread[u][k];
      sim::QuoteTapeRow row;
      row.time_ns = path.times[k];
      row.symbol = spot_symbols[u];
      row.bid = mid - half;
      row.ask = mid + half;
      row.bid_size = size;
      row.ask_size = size;
      tape.add(row);
    }
  }
  return tape;
}

}  // namespace hedged::backtest
