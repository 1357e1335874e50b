#include "core/execution/almgren_chriss.hpp"

#include <cmath>
#include <cstddef>
#include <limits>

#include "core/model/types.hpp"

namespace hedged::execution {

double absolute_vol_per_sqrt_second(double vol_annual, double price) noexcept {
  return vol_annual * price / std::sqrt(kSecondsPerYear);
}

double daily_vol(double vol_annual) noexcept {
  return vol_annual * std::sqrt(86400.0 / kSecondsPerYear);
}

double sqrt_impact_fraction(double coefficient, double daily_vol, double qty,
                            double adv_units) noexcept {
  if (!(qty > 0.0) || !(adv_units > 0.0)) return 0.0;
  return coefficient * daily_vol * std::sqrt(qty / adv_units);
}

double temporary_impact_from_sqrt_law(double coefficient, double daily_vol, double price,
                                      double slice_qty, double adv_units,
                                      double slice_seconds) noexcept {
  if (!(coefficient > 0.0) || !(daily_vol > 0.0) || !(price > 0.0) || !(slice_qty > 0.0) ||
      !(adv_units > 0.0) || !(slice_seconds > 0.0)) {
    return 0.0;
  }
  const double cost_per_unit =
      price * sqrt_impact_fraction(coefficient, daily_vol, slice_qty, adv_units);
  const double rate_units_per_second = slice_qty / slice_seconds;
  return cost_per_unit / rate_units_per_second;
}

double ac_kappa(double risk_aversion, double sigma, double eta, double gamma,
                double tau_seconds) noexcept {
  const double variance_weight = risk_aversion * sigma * sigma;
  if (!(variance_weight > 0.0)) return 0.0;
  const double eta_tilde = eta - 0.5 * gamma * tau_seconds;
  if (!(eta_tilde > 0.0) || !(tau_seconds > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  const double kappa_tilde_sq = variance_weight / eta_tilde;
  // arccosh(1 + a) = log1p(a + sqrt(2a + a²)) keeps its digits when a = ½κ̃²τ² is tiny.
  const double a = 0.5 * kappa_tilde_sq * tau_seconds * tau_seconds;
  return std::log1p(a + std::sqrt(a * (2.0 + a))) / tau_seconds;
}

double ac_holdings_fraction(double kappa, double horizon_seconds, double t_seconds) noexcept {
  if (t_seconds <= 0.0) return 1.0;
  if (t_seconds >= horizon_seconds) return 0.0;
  const double left = horizon_seconds - t_seconds;
  if (!(kappa > 0.0)) return left / horizon_seconds;
  // sinh(a)/sinh(b) = e^(a−b) (1 − e^(−2a)) / (1 − e^(−2b)): no overflow when κT is large.
  const double a = kappa * left;
  const double b = kappa * horizon_seconds;
  return std::exp(a - b) * std::expm1(-2.0 * a) / std::expm1(-2.0 * b);
}

void ac_trajectory(double total_qty, double kappa, double horizon_seconds,
                   std::span<double> holdings) noexcept {
  if (holdings.empty()) return;
  const std::size_t slices = holdings.size() - 1;
  for (std::size_t j = 0; j <= slices; ++j) {
    const double t =
        slices == 0 ? 0.0 : horizon_seconds * static_cast<double>(j) / static_cast<double>(slices);
    holdings[j] = total_qty * ac_holdings_fraction(kappa, horizon_seconds, t);
  }
}

}  // namespace hedged::execution
