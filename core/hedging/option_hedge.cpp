#include "core/hedging/option_hedge.hpp"

#include <algorithm>
#include <cmath>

namespace hedged::hedging {
namespace {

bool breached(double value, double limit, double trigger) noexcept {
  return limit > 0.0 && std::fabs(value) > trigger * limit;
}

// Where a measure should end: the target fraction of its limit, with its sign, when breached;
// where it is otherwise.
double goal(double value, double limit, double target, bool is_breached) noexcept {
  if (!is_breached) return value;
  return std::copysign(target * limit, value);
}

std::int64_t contracts(double q, std::int64_t cap) noexcept {
  if (!std::isfinite(q)) return 0;
  const double c = static_cast<double>(cap);
  return static_cast<std::int64_t>(std::llround(std::clamp(q, -c, c)));
}

}  // namespace

const char* validate(const OptionHedgeParams& p) noexcept {
  if (!(p.trigger_fraction > 0.0) || !std::isfinite(p.trigger_fraction))
    return "trigger must be positive";
  if (!(p.target_fraction >= 0.0) || !(p.target_fraction < p.trigger_fraction))
    return "target must be >= 0 and below trigger";
  if (p.max_contracts < 1) return "max_contracts must be at least 1";
  return nullptr;
}

OptionHedgePlan plan_option_hedge(const OptionHedgeParams& params, const OptionHedgeInput& input,
                                  std::span<const OptionHedgeCandidate> candidates) noexcept {
  OptionHedgePlan plan;
  const double g = input.gamma_notional_per_pct;
  const double v = input.vega_per_vol_point;
  plan.gamma_after = g;
  plan.vega_after = v;
  if (!params.enabled || candidates.empty()) return plan;
  plan.gamma_breached = breached(g, input.gamma_limit, params.trigger_fraction);
  plan.vega_breached = breached(v, input.vega_limit, params.trigger_fraction);
  if (!plan.gamma_breached && !plan.vega_breached) return plan;
  const double dg = goal(g, input.gamma_limit, params.target_fraction, plan.gamma_breached) - g;
  const double dv = goal(v, input.vega_limit, params.target_fraction, plan.vega_breached) - v;

  // The best-conditioned pair: the largest |sin| of the angle between the two options' Greek
  // vectors, each measure in units of its limit (gamma per contract is in the thousands of
  // currency, vega in the tens: unscaled, every pair would look parallel).
  const double sg = input.gamma_limit > 0.0 ? 1.0 / input.gamma_limit : 0.0;
  const double sv = input.vega_limit > 0.0 ? 1.0 / input.vega_limit : 0.0;
  std::size_t best_i = 0;
  std::size_t best_j = 0;
  double best = 0.0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    for (std::size_t j = i + 1; j < candidates.size(); ++j) {
      const double ag = candidates[i].gamma_notional_per_pct * sg;
      const double av = candidates[i].vega_per_vol_point * sv;
      const double bg = candidates[j].gamma_notional_per_pct * sg;
      const double bv = candidates[j].vega_per_vol_point * sv;
      const double scale = std::hypot(ag, av) * std::hypot(bg, bv);
      const double quality = scale > 0.0 ? std::fabs(ag * bv - bg * av) / scale : 0.0;
      if (quality > best) {
        best = quality;
        best_i = i;
        best_j = j;
      }
    }
  }
  // Below this the two options move gamma and vega almost alike: solving for both would take
  // huge opposite positions. A measure without a limit cannot be solved for either.
  constexpr double kMinSeparation = 0.05;
  double q[2] = {0.0, 0.0};
  const OptionHedgeCandidate* used[2] = {nullptr, nullptr};
  if (best >= kMinSeparation && sg > 0.0 && sv > 0.0) {
    const OptionHedgeCandidate& a = candidates[best_i];
    const OptionHedgeCandidate& b = candidates[best_j];
    const double det = a.gamma_notional_per_pct * b.vega_per_vol_point -
                       b.gamma_notional_per_pct * a.vega_per_vol_point;
    q[0] = (dg * b.vega_per_vol_point - b.gamma_notional_per_pct * dv) / det;
    q[1] = (a.gamma_notional_per_pct * dv - dg * a.vega_per_vol_point) / det;
    used[0] = &a;
    used[1] = &b;
  } else {
    // One option: the one that moves the breached measure most per contract.
    const bool for_gamma = plan.gamma_breached;
    const OptionHedgeCandidate* pick = nullptr;
    for (const OptionHedgeCandidate& c : candidates) {
      const double size = std::fabs(for_gamma ? c.gamma_notional_per_pct : c.vega_per_vol_point);
      if (size > 0.0 &&
          (pick == nullptr ||
           size > std::fabs(for_gamma ? pick->gamma_notional_per_pct : pick->vega_per_vol_point)))
        pick = &c;
    }
    if (pick == nullptr) return plan;
    q[0] = for_gamma ? dg / pick->gamma_notional_per_pct : dv / pick->vega_per_vol_point;
    used[0] = pick;
  }
  // Over max_contracts, both shrink by one factor so the pair keeps its gamma/vega mix.
  const double largest = std::max(std::fabs(q[0]), std::fabs(q[1]));
  const double cap = static_cast<double>(params.max_contracts);
  if (largest > cap) {
    q[0] *= cap / largest;
    q[1] *= cap / largest;
  }
  for (int k = 0; k < 2; ++k) {
    if (used[k] == nullptr) continue;
    const std::int64_t n = contracts(q[k], params.max_contracts);
    if (n == 0) continue;
    plan.orders[plan.count++] = {used[k]->instrument, n};
    plan.gamma_after += static_cast<double>(n) * used[k]->gamma_notional_per_pct;
    plan.vega_after += static_cast<double>(n) * used[k]->vega_per_vol_point;
  }
  return plan;
}

}  // namespace hedged::hedging
