#include "core/sim/market_simulator.hpp"

#include <algorithm>
#include <cmath>

#include "core/pricing/american.hpp"
#include "core/pricing/black_scholes.hpp"

namespace hedged::sim {

MarketSimulator::MarketSimulator(std::vector<InstrumentSpec> instruments,
                                 std::vector<UnderlyingModel> models, std::uint64_t seed)
    : instruments_(std::move(instruments)), quotes_(instruments_.size()), rng_(seed) {
  models_.reserve(models.size());
  for (const auto& m : models) models_.push_back({m, m.initial_spot});
}

const MarketSimulator::ModelState* MarketSimulator::model_for(
    InstrumentId spot_instrument) const noexcept {
  for (const auto& s : models_) {
    if (s.model.spot_instrument == spot_instrument) return &s;
  }
  return nullptr;
}

double MarketSimulator::spot(InstrumentId spot_instrument) const noexcept {
  const ModelState* s = model_for(spot_instrument);
  return s != nullptr ? s->spot : 0.0;
}

const std::vector<Quote>& MarketSimulator::step(TimeNs now) noexcept {
  if (started_ && now > last_ns_) {
    const double dt = static_cast<double>(now - last_ns_) / static_cast<double>(kNanosPerSecond) /
                      kSecondsPerYear;
    for (auto& s : models_) {
      // Exact GBM step: S *= exp((mu - sigma^2/2) dt + sigma sqrt(dt) Z).
      const double z = rng_.normal();
      s.spot *= std::exp((s.model.drift - 0.5 * s.model.vol * s.model.vol) * dt +
                         s.model.vol * std::sqrt(dt) * z);
    }
  }
  started_ = true;
  last_ns_ = std::max(last_ns_, now);
  ++seq_;

  for (const InstrumentSpec& spec : instruments_) {
    Quote& q = quotes_[spec.id];
    q.instrument = spec.id;
    q.source_ns = now;
    q.seq = seq_;
    const ModelState* s = model_for(spec.kind == InstrumentKind::kSpot ? spec.id : spec.underlying);
    if (s == nullptr) continue;
    const double tick = spec.tick_size;
    double theo = s->spot;
    double half_spread = 0.5 * s->spot * s->model.spread_bps * 1e-4;
    if (spec.kind == InstrumentKind::kOption) {
      const double t_years = static_cast<double>(spec.expiry_ns - now) /
                             static_cast<double>(kNanosPerSecond) / kSecondsPerYear;
      const pricing::BsInputs in{s->spot,
                                 spec.strike,
                                 s->model.rate,
                                 s->model.dividend_yield,
                                 s->model.option_vol,
                                 std::max(t_years, 0.0),
                                 spec.right};
      theo = spec.exercise == ExerciseStyle::kAmerican ? pricing::american_price(in)
                                                       : pricing::black_scholes_price(in);
      half_spread = 0.5 * theo * s->model.option_spread_pct * 0.01;
    } else if (spec.kind == InstrumentKind::kFuture) {
      // Cost of carry: F = S e^{(r - q) T}, quoted with the underlying's spread in basis points.
      const double t_years = static_cast<double>(std::max<TimeNs>(spec.expiry_ns - now, 0)) /
                             static_cast<double>(kNanosPerSecond) / kSecondsPerYear;
      theo = s->spot * std::exp((s->model.rate - s->model.dividend_yield) * t_years);
      half_spread = 0.5 * theo * s->model.spread_bps * 1e-4;
    }
    half_spread = std::max(half_spread, 0.5 * tick);
    q.bid = std::max(0.0, std::floor((theo - half_spread) / tick + 1e-9) * tick);
    q.ask = std::ceil((theo + half_spread) / tick - 1e-9) * tick;
    if (q.ask <= q.bid) q.ask = q.bid + tick;
    const std::int64_t lot = std::max<std::int64_t>(spec.lot_size, 1);
    // Sizes are in shares of the underlying; a future shows as many contracts as cover them.
    const auto per_unit = static_cast<std::int64_t>(
        spec.kind == InstrumentKind::kFuture ? std::max(1.0, std::round(spec.multiplier)) : 1.0);
    const std::int64_t min_size = std::max<std::int64_t>(s->model.min_size / per_unit, 1);
    const std::int64_t max_size = std::max<std::int64_t>(s->model.max_size / per_unit, 1);
    // Whole lots within [min_size, max_size]: round the minimum up, and show at least one lot.
    const std::int64_t min_lots = std::max<std::int64_t>((min_size + lot - 1) / lot, 1);
    const std::int64_t max_lots = std::max(min_lots, max_size / lot);
    q.bid_size = rng_.uniform_int(min_lots, max_lots) * lot;
    q.ask_size = rng_.uniform_int(min_lots, max_lots) * lot;
  }
  return quotes_;
}

}  // namespace hedged::sim
