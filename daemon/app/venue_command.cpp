#include "daemon/app/venue_command.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
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
  Impl(const config::DaemonConfig& config, const sim::Scenario* scenario)
      : config_(config),
        simulator_(config.engine.instruments, config.market_data.models, config.market_data.seed) {
    if (scenario != nullptr) {
      scenario_ = *scenario;
      phase_state_.assign(scenario->phases.size(), PhaseState::kPending);
    }
    for (const InstrumentSpec& spec : config_.engine.instruments) {
      id_by_symbol_.emplace(spec.symbol, spec.id);
      quotes_.push_back(std::make_unique<concurrent::Seqlock<venue::VenueQuote>>());
    }
    venue::VenueConfig venue = config_.venue.venue;
    venue.host = config_.fix.host;
    venue.port = config_.fix.port;
    venue_ = std::make_unique<venue::VenueSimulator>(venue, quote_source());
  }

  ~Impl() { stop(); }

  // This market's latest quote of each instrument, by symbol: what the venue and the option
  // flow trade against.
  venue::QuoteSource quote_source() {
    return [this](const std::string& symbol, venue::VenueQuote& out) {
      const auto it = id_by_symbol_.find(symbol);
      if (it == id_by_symbol_.end()) return false;
      out = quotes_[it->second]->load();
      return out.seq != 0;
    };
  }

  // The desk's option flow on the drop copy (section option_flow), priced off this market.
  void make_option_flow() {
    if (!config_.option_flow.enabled) return;
    venue::OptionFlowConfig flow = config_.option_flow.flow;
    flow.host = config_.fix.host;
    option_flow_ = std::make_unique<venue::OptionFlow>(flow, quote_source());
  }

  void start() {
    make_option_flow();
    const TimeNs now = runtime::wall_clock_ns();
    if (scenario_) {
      const std::string error = simulator_.set_scenario(*scenario_, now);
      if (!error.empty()) throw std::runtime_error(error);
      spdlog::info("scenario {}: {} phases from now{}{}", scenario_->name, scenario_->phases.size(),
                   scenario_->description.empty() ? "" : ": ", scenario_->description);
    }
    publish(now);  // quotes exist before the first client logs on
    running_.store(true, std::memory_order_release);
    market_ = std::thread([this] { run_market(); });
    try {
      venue_->start();
      if (option_flow_) {
        option_flow_->start();
        spdlog::info(
            "option flow: {} options, {:.3g} trades/s on average, drop copy on {}:{} as {}",
            config_.option_flow.flow.symbols.size(), config_.option_flow.flow.trades_per_second,
            config_.fix.host, config_.option_flow.flow.port, config_.option_flow.flow.comp_id);
      }
    } catch (...) {
      stop();
      throw;
    }
  }

  void stop() {
    if (option_flow_) option_flow_->stop();
    if (venue_) venue_->stop();
    running_.store(false, std::memory_order_release);
    if (market_.joinable()) market_.join();
  }

  venue::VenueStats stats() const { return venue_->stats(); }
  std::optional<venue::OptionFlowStats> option_flow_stats() const {
    if (!option_flow_) return std::nullopt;
    return option_flow_->stats();
  }

  std::string endpoint() const {
    return config_.fix.target_comp_id + " at " + config_.fix.host + ":" +
           std::to_string(config_.fix.port);
  }

  void outage_for(std::chrono::milliseconds duration) {
    const TimeNs until = runtime::wall_clock_ns() +
                         std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
    TimeNs current = outage_until_ns_.load(std::memory_order_relaxed);
    // Keep the later end when two requests overlap.
    while (current < until &&
           !outage_until_ns_.compare_exchange_weak(current, until, std::memory_order_relaxed)) {
    }
  }

 private:
  // The simulated market, stepped on the wall clock every market_data.tick_interval.
  void run_market() {
    const auto interval = std::chrono::nanoseconds(config_.market_data.tick_interval_ns);
    auto next = std::chrono::steady_clock::now() + interval;
    while (running_.load(std::memory_order_acquire)) {
      std::this_thread::sleep_until(next);
      next += interval;
      const TimeNs now = runtime::wall_clock_ns();
      publish(now);
      if (scenario_) follow_scenario(now);
      sync_outage(now);
    }
  }

  // Runs outages (a scenario's and outage_for's) through the venue. Market thread.
  void sync_outage(TimeNs now) {
    const bool down = (scenario_ && simulator_.active_outage(now)) ||
                      now < outage_until_ns_.load(std::memory_order_relaxed);
    // Repeated every tick until the venue agrees: it ignores the call until it has started.
    if (down == venue_->in_outage()) return;
    venue_->set_outage(down);
    if (venue_->in_outage() != down) return;
    const venue::VenueStats st = venue_->stats();
    if (down) {
      spdlog::warn("venue outage: sessions logged out ({} dropped so far), logons refused",
                   st.outage_sessions_dropped);
    } else {
      spdlog::warn("venue outage over: logons accepted ({} refused during outages)",
                   st.outage_logons_refused);
    }
  }

  // Logs phases as they start and end, and runs outages through the venue. Market thread.
  void follow_scenario(TimeNs now) {
    const TimeNs offset = now - simulator_.scenario_start();
    for (std::size_t i = 0; i < scenario_->phases.size(); ++i) {
      const sim::ScenarioPhase& p = scenario_->phases[i];
      PhaseState& state = phase_state_[i];
      const std::string_view kind = sim::to_string(p.kind);
      if (state == PhaseState::kPending && offset >= p.at_ns) {
        state = PhaseState::kStarted;
        if (p.kind == sim::PhaseKind::kPriceJump) {
          spdlog::warn("scenario {}: phase {} {} ({})", scenario_->name, i + 1, kind, p.details());
          state = PhaseState::kEnded;
          continue;
        }
        spdlog::warn("scenario {}: phase {} {} started ({})", scenario_->name, i + 1, kind,
                     p.details());
      }
      if (state == PhaseState::kStarted && offset >= p.end_ns()) {
        state = PhaseState::kEnded;
        spdlog::warn("scenario {}: phase {} {} ended", scenario_->name, i + 1, kind);
      }
    }
    // Option flow phases: the skew of the latest active one, or the flow as configured.
    if (option_flow_) {
      double share = config_.option_flow.flow.desk_buy_share;
      double rate = 1.0;
      for (const sim::ScenarioPhase& p : scenario_->phases) {
        if (p.kind != sim::PhaseKind::kOptionFlow || !p.active(offset)) continue;
        if (p.desk_buy_share >= 0.0) share = p.desk_buy_share;
        rate = p.flow_rate_multiple;
      }
      if (share != flow_share_ || rate != flow_rate_) {
        option_flow_->set_skew(share, rate);
        flow_share_ = share;
        flow_rate_ = rate;
      }
    }
    if (!scenario_done_ && std::all_of(phase_state_.begin(), phase_state_.end(),
                                       [](PhaseState s) { return s == PhaseState::kEnded; })) {
      scenario_done_ = true;
      spdlog::info("scenario {}: every phase has ended; the market is plain GBM again",
                   scenario_->name);
    }
  }

  void publish(TimeNs now) {
    for (const Quote& q : simulator_.step(now)) {
      if (q.instrument == kNoInstrument) continue;
      quotes_[q.instrument]->store({q.bid, q.ask, q.bid_size, q.ask_size, q.seq});
    }
  }

  enum class PhaseState : std::uint8_t { kPending, kStarted, kEnded };

  config::DaemonConfig config_;
  sim::MarketSimulator simulator_;
  std::optional<sim::Scenario> scenario_;
  std::vector<PhaseState> phase_state_;  // market thread only
  bool scenario_done_ = false;
  std::unordered_map<std::string, InstrumentId> id_by_symbol_;
  std::vector<std::unique_ptr<concurrent::Seqlock<venue::VenueQuote>>> quotes_;
  std::unique_ptr<venue::VenueSimulator> venue_;
  std::unique_ptr<venue::OptionFlow> option_flow_;
  double flow_share_ = config_.option_flow.flow.desk_buy_share;  // market thread only
  double flow_rate_ = 1.0;
  std::atomic<bool> running_{false};
  std::atomic<TimeNs> outage_until_ns_{0};  // outage_for's end, wall clock
  std::thread market_;
};

StandaloneVenue::StandaloneVenue(const config::DaemonConfig& config, const sim::Scenario* scenario)
    : impl_(std::make_unique<Impl>(config, scenario)) {}
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
std::optional<venue::OptionFlowStats> StandaloneVenue::option_flow_stats() const {
  return impl_->option_flow_stats();
}
std::string StandaloneVenue::endpoint() const {
  return impl_->endpoint();
}
void StandaloneVenue::outage_for(std::chrono::milliseconds duration) {
  impl_->outage_for(duration);
}

std::string venue_summary_json(const venue::VenueStats& st,
                               const std::optional<venue::OptionFlowStats>& flow, bool detailed) {
  const auto n = [](auto value) { return std::to_string(value); };
  std::string out = "{\"filled_buy_qty\":" + n(st.filled_buy_qty) +
                    ",\"filled_sell_qty\":" + n(st.filled_sell_qty);
  if (flow) {
    out += ",\"option_trades\":" + n(flow->trades) + ",\"desk_position_change\":{";
    bool first = true;
    for (const auto& [symbol, qty] : flow->desk_position_change) {
      out += (first ? "\"" : ",\"") + symbol + "\":" + n(qty);
      first = false;
    }
    out += "}";
  }
  if (detailed) {
    out += ",\"orders\":" + n(st.orders) + ",\"fills\":" + n(st.fills) +
           ",\"rejects\":" + n(st.rejects) + ",\"cancels\":" + n(st.cancels) +
           ",\"replaces\":" + n(st.replaces) + ",\"status_requests\":" + n(st.status_requests) +
           ",\"resting\":" + n(st.resting) + ",\"disconnect_cancels\":" + n(st.disconnect_cancels) +
           ",\"outages\":" + n(st.outages) +
           ",\"duplicate_cl_ord_ids\":" + n(st.duplicate_cl_ord_ids) + ",\"by_symbol\":{";
    bool first = true;
    for (const auto& [symbol, fills] : st.by_symbol) {
      out += (first ? "\"" : ",\"") + symbol + "\":{\"buy_qty\":" + n(fills.buy_qty) +
             ",\"sell_qty\":" + n(fills.sell_qty) + ",\"fills\":" + n(fills.fills) + "}";
      first = false;
    }
    out += "},\"sessions\":{";
    first = true;
    for (const venue::VenueSessionStats& s : st.sessions) {
      out += (first ? "\"" : ",\"") + s.comp_id + "\":{\"logons\":" + n(s.logons) +
             ",\"orders\":" + n(s.orders) + ",\"fills\":" + n(s.fills) +
             ",\"duplicate_cl_ord_ids\":" + n(s.duplicate_cl_ord_ids) + "}";
      first = false;
    }
    out += "}";
  }
  return out + "}";
}

bool write_file_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return false;
  }
  return std::rename(temporary.c_str(), path.c_str()) == 0;
}

}  // namespace hedged::app
