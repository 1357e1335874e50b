// Simulated market: each underlying follows geometric Brownian motion; the simulator quotes the
// underlying with a spread and random displayed sizes, its futures at the cost-of-carry price
// S e^{(r-q)T}, and every option from Black-Scholes at a flat volatility. Time is passed in; one
// owner thread.
#pragma once

#include <cstdint>
#include <vector>

#include "core/model/events.hpp"
#include "core/model/instrument.hpp"
#include "core/sim/rng.hpp"

namespace hedged::sim {

struct UnderlyingModel {
  InstrumentId spot_instrument = kNoInstrument;
  double initial_spot = 100.0;
  double drift = 0.0;           // per year
  double vol = 0.2;             // GBM vol of the underlying, per sqrt(year)
  double rate = 0.0;            // for option quotes
  double dividend_yield = 0.0;  // for option quotes
  double option_vol = 0.2;      // flat implied vol the option quotes are made from
  double spread_bps = 2.0;      // underlying bid/ask spread, basis points of spot
  std::int64_t min_size = 100;  // displayed size at each side, units
  std::int64_t max_size = 1000;
  double option_spread_pct = 2.0;  // option bid/ask spread, % of theoretical (at least 1 tick)
};

class MarketSimulator {
 public:
  MarketSimulator(std::vector<InstrumentSpec> instruments, std::vector<UnderlyingModel> models,
                  std::uint64_t seed);

  // Moves every underlying from the previous call's time to `now` (the first call only quotes)
  // and returns one quote per instrument, indexed by InstrumentId. Valid until the next call.
  const std::vector<Quote>& step(TimeNs now) noexcept;

  [[nodiscard]] double spot(InstrumentId spot_instrument) const noexcept;
  [[nodiscard]] const std::vector<InstrumentSpec>& instruments() const noexcept {
    return instruments_;
  }

 private:
  struct ModelState {
    UnderlyingModel model;
    double spot = 0.0;
  };
  [[nodiscard]] const ModelState* model_for(InstrumentId spot_instrument) const noexcept;

  std::vector<InstrumentSpec> instruments_;
  std::vector<ModelState> models_;
  std::vector<Quote> quotes_;
  Rng rng_;
  TimeNs last_ns_ = 0;
  std::uint64_t seq_ = 0;
  bool started_ = false;
};

}  // namespace hedged::sim
