// Aggregation of path results into a policy summary, in path order.
#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/backtest/backtest.hpp"

namespace hedged::backtest {
namespace {

struct Moments {
  double mean = 0.0;
  double std = 0.0;
};

template <typename Get>
Moments moments(const std::vector<PathResult>& paths, Get get) {
  Moments m;
  if (paths.empty()) return m;
  double sum = 0.0;
  for (const PathResult& p : paths) sum += get(p);
  m.mean = sum / static_cast<double>(paths.size());
  if (paths.size() < 2) return m;
  double squares = 0.0;
  for (const PathResult& p : paths) {
    const double d = get(p) - m.mean;
    squares += d * d;
  }
  m.std = std::sqrt(squares / static_cast<double>(paths.size() - 1));
  return m;
}

}  // namespace

double quantile(std::vector<double> values, double p) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double h = p * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (h - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

PolicySummary summarize(const std::string& name, const std::vector<PathResult>& paths) {
  PolicySummary s;
  s.name = name;
  s.paths = paths.size();
  if (paths.empty()) return s;
  s.premium = moments(paths, [](const PathResult& p) { return p.premium; }).mean;
  const Moments cost = moments(paths, [](const PathResult& p) { return p.hedge_cost_pv; });
  s.hedge_cost_mean = cost.mean;
  s.hedge_cost_std = cost.std;
  s.hedge_performance = s.premium != 0.0 ? cost.std / std::abs(s.premium) : 0.0;
  const Moments pnl = moments(paths, [](const PathResult& p) { return p.pnl_pv; });
  s.pnl_mean = pnl.mean;
  s.pnl_std = pnl.std;
  std::vector<double> pnls;
  pnls.reserve(paths.size());
  for (const PathResult& p : paths) pnls.push_back(p.pnl_pv);
  std::sort(pnls.begin(), pnls.end());
  s.pnl_quantiles = {quantile(pnls, 0.01), quantile(pnls, 0.05), quantile(pnls, 0.25),
                     quantile(pnls, 0.50), quantile(pnls, 0.75), quantile(pnls, 0.95),
                     quantile(pnls, 0.99)};
  s.trades_mean = moments(paths, [](const PathResult& p) { return double(p.trades); }).mean;
  s.orders_mean = moments(paths, [](const PathResult& p) { return double(p.orders); }).mean;
  s.rebalances_mean = moments(paths, [](const PathResult& p) { return double(p.rebalances); }).mean;
  s.option_orders_mean =
      moments(paths, [](const PathResult& p) { return double(p.option_orders); }).mean;
  s.option_contracts_mean =
      moments(paths, [](const PathResult& p) { return p.option_contracts; }).mean;
  s.turnover_mean = moments(paths, [](const PathResult& p) { return p.turnover; }).mean;
  s.fees_mean = moments(paths, [](const PathResult& p) { return p.fees; }).mean;
  s.spread_cost_mean = moments(paths, [](const PathResult& p) { return p.spread_cost; }).mean;
  s.impact_cost_mean = moments(paths, [](const PathResult& p) { return p.impact_cost; }).mean;
  s.costs_mean = s.fees_mean + s.spread_cost_mean + s.impact_cost_mean;
  for (const PathResult& p : paths) {
    s.breaches += p.breaches;
    s.breaker_trips += p.breaker_trips;
    s.events += p.events;
  }
  return s;
}

void append_number(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  if (value == 0.0) value = 0.0;  // no "-0"
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  out.append(text, static_cast<std::size_t>(end - text));
}

}  // namespace hedged::backtest
