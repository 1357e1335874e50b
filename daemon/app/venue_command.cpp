#include "daemon/app/venue_command.hpp"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/concurrent/seqlock.hpp"
#include "core/sim/market_simulator.hpp"
#include "daemon/runtime/agent.hpp"

namespace hedged::app {

class StandaloneVenue::Impl {
 public:
  explicit Impl(const config::DaemonConfig& config)
      : config_(config),
        simulator_(config.engine.instruments, config.market_data.models, config.market_data.seed) {
    for (const InstrumentSpec& spec : config_.engine.instruments) {
      id_by_symbol_.emplace(spec.symbol, spec.id);
      quotes_.push_back(std::make_unique<concurrent::Seqlock<venue::VenueQuote>>());
    }
    venue::VenueConfig venue = config_.venue.venue;
    venue.host = config_.fix.host;
    venue.port = config_.fix.port;
    venue_ = std::make_unique<venue::VenueSimulator>(
        venue, [this](const std::string& symbol, venue::VenueQuote& out) {
          const auto it = id_by_symbol_.find(symbol);
          if (it == id_by_symbol_.end()) return false;
          out = quotes_[it->second]->load();
          return out.seq != 0;
        });
  }

  ~Impl() { stop(); }

  void start() {
    publish(runtime::wall_clock_ns());  // quotes exist before the first client logs on
    running_.store(true, std::memory_order_release);
    market_ = std::thread([this] { run_market(); });
    try {
      venue_->start();
    } catch (...) {
      stop();
      throw;
    }
  }

  void stop() {
    if (venue_) venue_->stop();
    running_.store(false, std::memory_order_release);
    if (market_.joinable()) market_.join();
  }

  venue::VenueStats stats() const { return venue_->stats(); }

  std::string endpoint() const {
    return config_.fix.target_comp_id + " at " + config_.fix.host + ":" +
           std::to_string(config_.fix.port);
  }

 private:
  // The simulated market, stepped on the wall clock every market_data.tick_interval.
  void run_market() {
    const auto interval = std::chrono::nanoseconds(config_.market_data.tick_interval_ns);
    auto next = std::chrono::steady_clock::now() + interval;
    while (running_.load(std::memory_order_acquire)) {
      std::this_thread::sleep_until(next);
      next += interval;
      publish(runtime::wall_clock_ns());
    }
  }

  void publish(TimeNs now) {
    for (const Quote& q : simulator_.step(now)) {
      if (q.instrument == kNoInstrument) continue;
      quotes_[q.instrument]->store({q.bid, q.ask, q.bid_size, q.ask_size, q.seq});
    }
  }

  config::DaemonConfig config_;
  sim::MarketSimulator simulator_;
  std::unordered_map<std::string, InstrumentId> id_by_symbol_;
  std::vector<std::unique_ptr<concurrent::Seqlock<venue::VenueQuote>>> quotes_;
  std::unique_ptr<venue::VenueSimulator> venue_;
  std::atomic<bool> running_{false};
  std::thread market_;
};

StandaloneVenue::StandaloneVenue(const config::DaemonConfig& config)
    : impl_(std::make_unique<Impl>(config)) {}
StandaloneVenue::~StandaloneVenue() = default;
void StandaloneVenue::start() {
  impl_->start();
}
void StandaloneVenue::stop() {
  impl_->stop();
}
venue::VenueStats StandaloneVenue::stats() const {
  return impl_->stats();
}
std::string StandaloneVenue::endpoint() const {
  return impl_->endpoint();
}

}  // namespace hedged::app
