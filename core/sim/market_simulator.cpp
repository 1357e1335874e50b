#include "core/sim/market_simulator.hpp"

#include <algorithm>
#include <cmath>

#include "core/pricing/american.hpp"
#include "core/pricing/black_scholes.hpp"

namespace hedged::sim {

double option_vol_at(const UnderlyingModel& model, double strike, double forward) noexcept {
  if (!(strike > 0.0) || !(forward > 0.0)) return model.option_vol;
  const double k = std::log(strike / forward);
  return std::max(0.01, model.option_vol + model.option_skew * k + model.option_smile * k * k);
}

MarketSimulator::MarketSimulator(std::vector<InstrumentSpec> instruments,
                                 std::vector<UnderlyingModel> models, std::uint64_t seed)
    : instruments_(std::move(instruments)),
      quotes_(instruments_.size()),
      rng_(seed),
      volume_rng_(seed ^ 0x766F6C756D65ull),
      volume_(instruments_.size(), 0.0) {
  models_.reserve(models.size());
  for (const auto& m : models) models_.push_back({m, m.initial_spot, m.initial_spot, 1.0, 1.0});
}

std::string MarketSimulator::set_scenario(const Scenario& scenario, TimeNs start) {
  std::vector<int> targets;
  targets.reserve(scenario.phases.size());
  for (std::size_t i = 0; i < scenario.phases.size(); ++i) {
    const std::string& symbol = scenario.phases[i].symbol;
    int target = -1;
    if (!symbol.empty()) {
      for (std::size_t m = 0; m < models_.size(); ++m) {
        const InstrumentId id = models_[m].model.spot_instrument;
        if (id < instruments_.size() && instruments_[id].symbol == symbol) {
          target = static_cast<int>(m);
        }
      }
      if (target < 0) {
        return "scenario " + scenario.name + ": phase " + std::to_string(i + 1) + " names '" +
               symbol + "', which is not a simulated underlying";
      }
    }
    targets.push_back(target);
  }
  scenario_ = scenario;
  scenario_start_ = start;
  has_scenario_ = true;
  phase_model_ = std::move(targets);
  jump_applied_.assign(scenario_.phases.size(), 0);
  return {};
}

bool MarketSimulator::active_outage(TimeNs now) const noexcept {
  return outage_until(now) != 0;
}

TimeNs MarketSimulator::outage_until(TimeNs now) const noexcept {
  if (!has_scenario_) return 0;
  const TimeNs end = scenario_.outage_end(now - scenario_start_);
  return end < 0 ? 0 : scenario_start_ + end;
}

MarketSimulator::Effects MarketSimulator::effects(std::size_t model, TimeNs now) const noexcept {
  Effects fx;
  if (!has_scenario_) return fx;
  const TimeNs offset = now - scenario_start_;
  for (std::size_t i = 0; i < scenario_.phases.size(); ++i) {
    const ScenarioPhase& p = scenario_.phases[i];
    if (phase_model_[i] >= 0 && static_cast<std::size_t>(phase_model_[i]) != model) continue;
    const double w = p.weight(offset);
    if (w <= 0.0) continue;
    // Overlapping phases compound: multipliers multiply, drifts add.
    fx.vol_multiple *= 1.0 + (p.vol_multiple - 1.0) * w;
    fx.drift_per_year += p.drift_per_year * w;
    fx.spread_multiple *= 1.0 + (p.spread_multiple - 1.0) * w;
    fx.depth_divisor *= 1.0 + (p.depth_divisor - 1.0) * w;
    fx.crash_factor *= p.crash_factor(offset);
  }
  return fx;
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
  return s != nullptr ? s->shown_spot : 0.0;
}

const std::vector<Quote>& MarketSimulator::step(TimeNs now) noexcept {
  if (started_ && now > last_ns_) {
    const double dt = static_cast<double>(now - last_ns_) / static_cast<double>(kNanosPerSecond) /
                      kSecondsPerYear;
    // Vol and drift of a scenario phase are taken at the middle of the step.
    const TimeNs mid = last_ns_ + (now - last_ns_) / 2;
    for (std::size_t m = 0; m < models_.size(); ++m) {
      ModelState& s = models_[m];
      const Effects fx = effects(m, mid);
      const double vol = s.model.vol * fx.vol_multiple;
      const double drift = s.model.drift + fx.drift_per_year;
      // Exact GBM step: S *= exp((mu - sigma^2/2) dt + sigma sqrt(dt) Z).
      const double z = rng_.normal();
      s.spot *= std::exp((drift - 0.5 * vol * vol) * dt + vol * std::sqrt(dt) * z);
    }
  }
  if (has_scenario_) {
    // One-off jumps, each applied by the first step at or after its phase start.
    for (std::size_t i = 0; i < scenario_.phases.size(); ++i) {
      const ScenarioPhase& p = scenario_.phases[i];
      if (p.kind != PhaseKind::kPriceJump || jump_applied_[i] != 0 ||
          now - scenario_start_ < p.at_ns) {
        continue;
      }
      jump_applied_[i] = 1;
      for (std::size_t m = 0; m < models_.size(); ++m) {
        if (phase_model_[i] < 0 || static_cast<std::size_t>(phase_model_[i]) == m) {
          models_[m].spot *= 1.0 + p.jump_pct * 0.01;
        }
      }
    }
  }
  for (std::size_t m = 0; m < models_.size(); ++m) {
    ModelState& s = models_[m];
    const Effects fx = effects(m, now);
    s.shown_spot = s.spot * fx.crash_factor;
    s.spread_multiple = fx.spread_multiple;
    s.depth_divisor = fx.depth_divisor;
  }
  // Traded volume: each spot and future trades a random amount around its share of the day
  // (uniform between 0 and twice the mean, so it averages daily_volume per day).
  if (started_ && now > last_ns_) {
    const double day_fraction =
        static_cast<double>(now - last_ns_) / static_cast<double>(86'400 * kNanosPerSecond);
    for (const InstrumentSpec& spec : instruments_) {
      if (spec.kind == InstrumentKind::kOption) continue;
      const ModelState* s =
          model_for(spec.kind == InstrumentKind::kSpot ? spec.id : spec.underlying);
      if (s == nullptr || !(s->model.daily_volume > 0.0)) continue;
      const double per_unit = spec.kind == InstrumentKind::kFuture ? spec.multiplier : 1.0;
      const double mean = s->model.daily_volume * day_fraction / per_unit;
      volume_[spec.id] += 2.0 * mean * volume_rng_.uniform();
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
    q.volume = static_cast<std::int64_t>(volume_[spec.id]);
    const ModelState* s = model_for(spec.kind == InstrumentKind::kSpot ? spec.id : spec.underlying);
    if (s == nullptr) continue;
    const double tick = spec.tick_size;
    const double spot = s->shown_spot;
    double theo = spot;
    double half_spread = 0.5 * spot * s->model.spread_bps * 1e-4;
    if (spec.kind == InstrumentKind::kOption) {
      const double t_years = static_cast<double>(spec.expiry_ns - now) /
                             static_cast<double>(kNanosPerSecond) / kSecondsPerYear;
      const double forward =
          spot * std::exp((s->model.rate - s->model.dividend_yield) * std::max(t_years, 0.0));
      const pricing::BsInputs in{spot,
                                 spec.strike,
                                 s->model.rate,
                                 s->model.dividend_yield,
                                 option_vol_at(s->model, spec.strike, forward),
                                 std::max(t_years, 0.0),
                                 spec.right};
      theo = spec.exercise == ExerciseStyle::kAmerican ? pricing::american_price(in)
                                                       : pricing::black_scholes_price(in);
      half_spread = 0.5 * theo * s->model.option_spread_pct * 0.01;
    } else if (spec.kind == InstrumentKind::kFuture) {
      // Cost of carry: F = S e^{(r - q) T}, quoted with the underlying's spread in basis points.
      const double t_years = static_cast<double>(std::max<TimeNs>(spec.expiry_ns - now, 0)) /
                             static_cast<double>(kNanosPerSecond) / kSecondsPerYear;
      theo = spot * std::exp((s->model.rate - s->model.dividend_yield) * t_years);
      half_spread = 0.5 * theo * s->model.spread_bps * 1e-4;
    }
    half_spread = std::max(half_spread * s->spread_multiple, 0.5 * tick);
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
    // Both draws happen with or without a depth divisor, so the random stream does not change.
    const std::int64_t bid_lots = rng_.uniform_int(min_lots, max_lots);
    const std::int64_t ask_lots = rng_.uniform_int(min_lots, max_lots);
    const auto thin = [&](std::int64_t lots) {
      if (s->depth_divisor <= 1.0) return lots;
      return std::max<std::int64_t>(
          static_cast<std::int64_t>(static_cast<double>(lots) / s->depth_divisor), 1);
    };
    q.bid_size = thin(bid_lots) * lot;
    q.ask_size = thin(ask_lots) * lot;
  }
  return quotes_;
}

}  // namespace hedged::sim
