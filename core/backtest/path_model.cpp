// Path models of the backtest: exact log-Euler GBM, Heston with full-truncation Euler (Lord,
// Koekkoek and van Dijk, 2010), and Merton jumps on top of either.
#include <algorithm>
#include <cmath>

#include "core/backtest/backtest.hpp"
#include "core/sim/rng.hpp"

namespace hedged::backtest {
namespace {

// One stream per (seed, path, underlying): a splitmix-style mix of the three, so streams of
// neighbouring paths are unrelated.
std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t path, std::uint64_t underlying) {
  std::uint64_t z = seed ^ (path * 0x9E3779B97F4A7C15ull) ^ (underlying * 0xD1B54A32D192ED03ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Poisson draw by inversion (the intensity per step is small).
int poisson(sim::Rng& rng, double mean) {
  if (mean <= 0.0) return 0;
  const double u = rng.uniform();
  double p = std::exp(-mean);
  double cumulative = p;
  int k = 0;
  while (u > cumulative && k < 1000) {
    ++k;
    p *= mean / k;
    cumulative += p;
  }
  return k;
}

}  // namespace

std::vector<TimeNs> make_grid(TimeNs start, TimeNs end, std::size_t steps) {
  if (steps == 0) steps = 1;
  std::vector<TimeNs> grid(steps + 1);
  const long double span = static_cast<long double>(end - start);
  for (std::size_t k = 0; k <= steps; ++k) {
    grid[k] = start + static_cast<TimeNs>(std::llround(span * static_cast<long double>(k) /
                                                       static_cast<long double>(steps)));
  }
  grid.back() = end;
  return grid;
}

void generate_path(const PathModel& model, const std::vector<TimeNs>& grid, std::uint64_t seed,
                   std::uint64_t path_index, MarketPath& out) {
  out.times = grid;
  out.spot.resize(model.underlyings.size());
  out.half_spread.clear();
  const bool heston = model.kind == ModelKind::kHeston;
  if (heston) {
    out.vol.resize(model.underlyings.size());
  } else {
    out.vol.clear();
  }
  const JumpParams& jumps = model.jumps;
  const bool with_jumps = jumps.intensity_per_year > 0.0;
  // E[e^J] - 1: the jump compensator keeps the expected return at the drift.
  const double jump_mean_factor =
      with_jumps ? std::exp(jumps.mean + 0.5 * jumps.stdev * jumps.stdev) - 1.0 : 0.0;
  for (std::size_t u = 0; u < model.underlyings.size(); ++u) {
    const UnderlyingPathParams& p = model.underlyings[u];
    sim::Rng rng(stream_seed(seed, path_index, u));
    std::vector<double>& s = out.spot[u];
    s.resize(grid.size());
    s[0] = p.initial_spot;
    double log_s = std::log(p.initial_spot);
    const HestonParams& h = model.heston;
    double v = h.v0 >= 0.0 ? h.v0 : p.vol * p.vol;
    const double rho_c = std::sqrt(std::max(0.0, 1.0 - h.rho * h.rho));
    if (heston) {
      out.vol[u].resize(grid.size());
      out.vol[u][0] = std::sqrt(std::max(v, 0.0));
    }
    for (std::size_t k = 1; k < grid.size(); ++k) {
      const double dt =
          static_cast<double>(grid[k] - grid[k - 1]) / (kSecondsPerYear * kNanosPerSecond);
      const double z1 = rng.normal();
      double variance = p.vol * p.vol;
      if (model.kind == ModelKind::kHeston) {
        const double z2 = h.rho * z1 + rho_c * rng.normal();
        const double v_plus = std::max(v, 0.0);
        variance = v_plus;
        v = v + h.kappa * (h.theta - v_plus) * dt + h.xi * std::sqrt(v_plus * dt) * z2;
      }
      double step = (p.drift - 0.5 * variance - jumps.intensity_per_year * jump_mean_factor) * dt +
                    std::sqrt(variance * dt) * z1;
      if (with_jumps) {
        const int n = poisson(rng, jumps.intensity_per_year * dt);
        for (int j = 0; j < n; ++j) step += jumps.mean + jumps.stdev * rng.normal();
      }
      log_s += step;
      s[k] = std::exp(log_s);
      if (heston) out.vol[u][k] = std::sqrt(std::max(v, 0.0));
    }
  }
}

}  // namespace hedged::backtest
