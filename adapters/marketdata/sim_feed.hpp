// Simulator market-data feed: steps the core market simulator on the wall clock it is given and
// hands each quote to a sink. Runs as the market-data agent's work; one owner thread.
#pragma once

#include <cstdint>

#include "core/model/events.hpp"
#include "core/model/types.hpp"
#include "core/sim/market_simulator.hpp"

namespace hedged::marketdata {

class QuoteSink {
 public:
  virtual ~QuoteSink() = default;
  virtual void on_quote(const Quote& quote) noexcept = 0;
};

class SimFeed {
 public:
  SimFeed(sim::MarketSimulator simulator, TimeNs tick_interval_ns, QuoteSink& sink)
      : simulator_(std::move(simulator)), tick_interval_ns_(tick_interval_ns), sink_(sink) {}

  // Publishes one round of quotes when a tick is due; returns the number of quotes published
  // (0 tells the idle strategy there was nothing to do).
  int do_work(TimeNs now) noexcept {
    if (next_tick_ns_ != 0 && now < next_tick_ns_) return 0;
    // Catch up without bursts: after a stall the next tick is one interval from now.
    next_tick_ns_ = (next_tick_ns_ == 0 || now - next_tick_ns_ > tick_interval_ns_)
                        ? now + tick_interval_ns_
                        : next_tick_ns_ + tick_interval_ns_;
    int published = 0;
    for (const Quote& quote : simulator_.step(now)) {
      if (quote.instrument == kNoInstrument) continue;
      sink_.on_quote(quote);
      ++published;
    }
    ticks_ += 1;
    return published;
  }

  [[nodiscard]] std::uint64_t ticks() const noexcept { return ticks_; }
  [[nodiscard]] const sim::MarketSimulator& simulator() const noexcept { return simulator_; }

 private:
  sim::MarketSimulator simulator_;
  TimeNs tick_interval_ns_;
  QuoteSink& sink_;
  TimeNs next_tick_ns_ = 0;
  std::uint64_t ticks_ = 0;
};

}  // namespace hedged::marketdata
