#include "daemon/app/daemon.hpp"

#include <sys/stat.h>
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <spdlog/spdlog.h>

#include "adapters/fix/fix_gateway.hpp"
#include "adapters/journal/journal.hpp"
#include "adapters/journal/replay.hpp"
#include "adapters/marketdata/fix_md_feed.hpp"
#include "adapters/marketdata/replay_feed.hpp"
#include "adapters/marketdata/sim_feed.hpp"
#include "adapters/venue/venue_simulator.hpp"
#include "core/concurrent/conflating_board.hpp"
#include "core/concurrent/seqlock.hpp"
#include "core/concurrent/spsc_ring.hpp"
#include "core/engine/recovery.hpp"
#include "core/model/log_text.hpp"
#include "core/pricing/implied_vol.hpp"
#include "core/pricing/vol_surface.hpp"
#include "core/risk/limits.hpp"
#include "daemon/admin/admin_server.hpp"
#include "daemon/app/admin_status.hpp"
#include "daemon/app/logging.hpp"
#include "daemon/config/limits.hpp"
#include "daemon/metrics/metrics.hpp"
#include "daemon/runtime/agent.hpp"

namespace hedged::app {
namespace {

using concurrent::ConflatingBoard;
using concurrent::Seqlock;
using concurrent::SpscRing;

constexpr std::size_t kBatch = 256;  // events per ring per do_work call: bounds one loop's latency
constexpr std::size_t kOptionSlice = 32;  // option quotes taken between looks at the underlyings

// Several producers (QuickFIX session threads, the gateway agent, the controlling thread) feed
// the engine; a mutex makes the SPSC ring's producer side single at any moment. Never dropped:
// a full ring makes the producer wait, because an execution report must not be lost.
class InboundQueue {
 public:
  explicit InboundQueue(std::size_t capacity) : ring_(capacity) {}

  void push(const Event& event) noexcept {
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (ring_.try_push(event)) return;
      }
      std::this_thread::yield();
    }
  }
  bool try_pop(Event& out) noexcept { return ring_.try_pop(out); }

 private:
  std::mutex mutex_;
  SpscRing<Event> ring_;
};

// What the engine hears about an order or cancel that never reached the venue: a reject for
// an order, a cancel reject for a cancel, so its state machine and in-flight count stay true.
ExecReportEvent not_sent(const Action& action, const char* why, TimeNs now) {
  ExecReportEvent report;
  report.received_ns = now;
  if (const auto* order = std::get_if<NewChildOrder>(&action)) {
    report.cl_ord_id = order->cl_ord_id;
    report.kind = ExecKind::kRejected;
    report.status = OrdStatus::kRejected;
  } else if (const auto* cancel = std::get_if<CancelOrder>(&action)) {
    report.cl_ord_id = cancel->orig_cl_ord_id;
    report.kind = ExecKind::kCancelReject;
  } else if (const auto* replace = std::get_if<ReplaceOrder>(&action)) {
    report.cl_ord_id = replace->cl_ord_id;
    report.kind = ExecKind::kReplaceReject;
  }
  report.text.assign(why);
  report.internal = true;
  return report;
}

// What identifies one version of a file on disk; {} when it does not exist.
struct FileStamp {
  bool exists = false;
  std::int64_t mtime_ns = 0;
  std::int64_t size = 0;
  std::uint64_t inode = 0;
  bool operator==(const FileStamp&) const = default;
};

FileStamp stamp_of(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return {};
  return {true, static_cast<std::int64_t>(st.st_mtim.tv_sec) * kNanosPerSecond + st.st_mtim.tv_nsec,
          static_cast<std::int64_t>(st.st_size), static_cast<std::uint64_t>(st.st_ino)};
}

}  // namespace

// An order action for the gateway. With journal.write_ahead, `journal_intent` is its place
// among the order intents handed to the journal agent (1, 2, ...): the gateway sends it once the
// agent has written that many (0: nothing to wait for; kUnjournaled: the intent never reached
// the journal agent, so an order or replace is not sent).
inline constexpr std::uint64_t kUnjournaled = ~std::uint64_t{0};
struct OutboundOrder {
  Action action;
  std::uint64_t journal_intent = 0;
};

// An order, cancel or replace: what the venue may act on.
[[nodiscard]] bool is_intent(const Action& a) noexcept {
  return std::holds_alternative<NewChildOrder>(a) || std::holds_alternative<CancelOrder>(a) ||
         std::holds_alternative<ReplaceOrder>(a);
}

// One thing for the journal ring: an event the engine took, or an action it emitted, at `time`
// (one or the other, not both: the ring's slots are all touched at start).
struct JournalItem {
  TimeNs time = 0;
  std::variant<Event, Action> payload;
};

class Daemon::Impl final : public fix::InboundSink,
                           public fix::OptionTradeSink,
                           public admin::Handler,
                           public marketdata::QuoteSink,
                           public metrics::ScrapeSource {
 public:
  Impl(config::DaemonConfig config, NoticeObserver observer, DaemonHooks hooks)
      : config_(std::move(config)),
        observer_(std::move(observer)),
        hooks_(hooks),
        quote_board_(config_.engine.instruments.size()),
        underlying_board_(config_.engine.instruments.size()),
        inbound_(config_.ring_capacity),
        orders_(config_.ring_capacity),
        journal_ring_(config_.journal.enabled ? config_.ring_capacity : 2),
        notices_(config_.ring_capacity),
        engine_(make_engine_config()),
        feed_(sim::MarketSimulator(config_.engine.instruments, config_.market_data.models,
                                   config_.market_data.seed),
              config_.market_data.tick_interval_ns, *this),
        md_agent_(*this),
        engine_agent_(*this),
        gateway_agent_(*this),
        control_agent_(*this),
        surface_agent_(*this),
        journal_agent_(*this) {
    for (const InstrumentSpec& spec : config_.engine.instruments) {
      symbols_.push_back(spec.symbol);
      id_by_symbol_.emplace(spec.symbol, spec.id);
      venue_quotes_.push_back(std::make_unique<Seqlock<venue::VenueQuote>>());
    }
    underlying_quote_.assign(config_.engine.instruments.size(), 0);
    for (const UnderlyingConfig& u : config_.engine.underlyings) {
      underlying_quote_[u.spot_instrument] = 1;
      underlying_quote_[u.hedge_instrument] = 1;
    }
    for (const UnderlyingConfig& u : config_.engine.underlyings) {
      surfaces_.push_back(std::make_unique<Seqlock<pricing::VolSurface>>());
      underlying_names_.push_back(u.name);
      hedge_symbols_.push_back(config_.engine.instruments[u.hedge_instrument].symbol);
    }
    gateway_ = std::make_unique<fix::FixGateway>(config_.fix, symbols_, *this);
    if (config_.market_data.source == "fix") {
      std::vector<marketdata::MdInstrument> subscriptions;
      for (const InstrumentSpec& spec : config_.engine.instruments) {
        subscriptions.push_back({spec.symbol, spec.id});
      }
      md_feed_ = std::make_unique<marketdata::FixMdFeed>(
          config_.market_data.fix, std::move(subscriptions),
          [] { return runtime::wall_clock_ns(); }, *this);
    }
    if (config_.venue.embedded) {
      venue_ = std::make_unique<venue::VenueSimulator>(config_.venue.venue, venue_quote_source());
    }
    if (config_.venue.embedded && config_.option_flow.enabled) {
      option_flow_ =
          std::make_unique<venue::OptionFlow>(config_.option_flow.flow, venue_quote_source());
    }
    if (config_.drop_copy.enabled) {
      std::vector<fix::DropCopyInstrument> options;
      for (const InstrumentSpec& spec : config_.engine.instruments) {
        if (spec.kind == InstrumentKind::kOption) options.push_back({spec.symbol, spec.id});
      }
      drop_copy_ = std::make_unique<fix::DropCopySession>(config_.drop_copy.session,
                                                          std::move(options), *this);
    }
    EngineSnapshot initial;
    engine_.fill_snapshot(initial);
    snapshot_.store(initial);
    current_limits_ = config_.limits;
    current_limits_.limits.version = 1;
  }

  ~Impl() override { stop("daemon destroyed", 0); }

  // The simulated market as the embedded venue and its option flow see it: the latest quote of
  // each instrument, by symbol.
  venue::QuoteSource venue_quote_source() {
    return [this](const std::string& symbol, venue::VenueQuote& out) {
      const auto it = id_by_symbol_.find(symbol);
      if (it == id_by_symbol_.end()) return false;
      out = venue_quotes_[it->second]->load();
      return out.seq != 0;
    };
  }

  void start() {
    start_time_ns_ = runtime::wall_clock_ns();
    if (config_.journal.enabled) open_journal();
    // First, so a bad tape stops start-up before anything else has started.
    if (config_.market_data.source == "replay") {
      std::vector<marketdata::MdInstrument> instruments;
      for (const InstrumentSpec& spec : config_.engine.instruments) {
        instruments.push_back({spec.symbol, spec.id});
      }
      replay_ = marketdata::ReplayFeed::open(config_.market_data.replay, instruments, *this);
      for (const marketdata::UnknownSymbol& u : replay_->unknown_symbols()) {
        spdlog::warn(
            "replay {}: symbol '{}' is no instrument of this config; its {} row(s) are "
            "skipped",
            config_.market_data.replay.path, u.symbol, u.rows);
      }
      spdlog::info("replaying {} ({} rows) at speed {}{}", config_.market_data.replay.path,
                   replay_->stats().rows, config_.market_data.replay.speed,
                   config_.market_data.replay.loop ? ", looping" : "");
    }
    const runtime::IdleConfig idle{config_.idle_strategy == config::IdleStrategyName::kSpin
                                       ? runtime::IdleKind::kSpin
                                       : runtime::IdleKind::kBackoff};
    const runtime::IdleConfig io_idle{config_.io_idle_strategy == config::IdleStrategyName::kSpin
                                          ? runtime::IdleKind::kSpin
                                          : runtime::IdleKind::kBackoff};
    if (venue_) {
      venue_->start();
      spdlog::info("venue simulator listening on {}:{} as {}", config_.venue.venue.host,
                   config_.venue.venue.port, config_.venue.venue.comp_id);
    }
    if (option_flow_) {
      option_flow_->start();
      // The flow trades at the venue's quotes of the options: a replayed tape without them
      // gives none, and the line must not promise a flow there.
      spdlog::info(
          "option flow: {} options, {:.3g} trades/s on average, drop copy on {}:{} as {}{}",
          config_.option_flow.flow.symbols.size(), config_.option_flow.flow.trades_per_second,
          config_.option_flow.flow.host, config_.option_flow.flow.port,
          config_.option_flow.flow.comp_id,
          config_.market_data.source == "replay"
              ? "; replayed quotes: only options the tape quotes can trade"
              : "");
    }
    runners_.push_back(
        std::make_unique<runtime::AgentRunner>(control_agent_, runtime::IdleConfig{}));
    // Stopped after the engine and gateway agents (runners stop in reverse), so it writes what
    // they produced while stopping.
    if (journal_) {
      runners_.push_back(
          std::make_unique<runtime::AgentRunner>(journal_agent_, io_idle, -1, &journal_wakeup_));
    }
    runners_.push_back(
        std::make_unique<runtime::AgentRunner>(engine_agent_, idle, config_.engine_cpu));
    runners_.push_back(
        std::make_unique<runtime::AgentRunner>(gateway_agent_, io_idle, -1, &gateway_wakeup_));
    // With FIX market data, quotes arrive on the market-data session's thread instead.
    if (!md_feed_) runners_.push_back(std::make_unique<runtime::AgentRunner>(md_agent_, io_idle));
    bool any_surface = false;
    for (const UnderlyingConfig& u : config_.engine.underlyings)
      any_surface |= u.vol_mode == VolMode::kSurface;
    if (any_surface) {
      runners_.push_back(
          std::make_unique<runtime::AgentRunner>(surface_agent_, runtime::IdleConfig{}));
    }
    for (auto& runner : runners_) runner->start();
    spdlog::info("FIX session {}->{} connecting to {}:{}", config_.fix.sender_comp_id,
                 config_.fix.target_comp_id, config_.fix.host, config_.fix.port);
    gateway_->start();
    if (md_feed_) {
      spdlog::info("FIX market data {}->{} connecting to {}:{}",
                   config_.market_data.fix.sender_comp_id, config_.market_data.fix.target_comp_id,
                   config_.market_data.fix.host, config_.market_data.fix.port);
      md_feed_->start();
    }
    if (drop_copy_) {
      spdlog::info("FIX drop copy {}->{} connecting to {}:{}",
                   config_.drop_copy.session.sender_comp_id,
                   config_.drop_copy.session.target_comp_id, config_.drop_copy.session.host,
                   config_.drop_copy.session.port);
      drop_copy_->start();
    }
    if (config_.metrics.enabled) {
      metrics_ =
          std::make_unique<metrics::MetricsServer>(config_.metrics.listen, *this, HEDGED_VERSION);
      spdlog::info("metrics on http://{}/metrics", config_.metrics.listen);
    }
    if (config_.admin.enabled) {
      std::string token = admin::load_token(config_.admin.token_file);
      admin_has_token_ = !token.empty();
      auto server = std::make_unique<admin::Server>(config_.admin.listen, std::move(token), *this);
      std::lock_guard lock(admin_mutex_);
      admin_ = std::move(server);
      spdlog::info("admin API on http://{} (POST commands {})", config_.admin.listen,
                   admin_has_token_ ? "need the bearer token" : "disabled: no token configured");
    }
    started_ = true;
  }

  void stop(const std::string& reason, int cancel_timeout_ms) {
    if (!started_ || stopped_) return;
    stopped_ = true;
    // Read by the QuickFIX threads' session callbacks: the sessions going down now is expected.
    stopping_.store(true, std::memory_order_release);
    spdlog::info("stopping: {}", reason);
    command(Command::kHalt, recovery::kShutdownCausePrefix + reason);
    // Wait for the venue to confirm the cancels so nothing is left working behind us.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(cancel_timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      const EngineSnapshot s = snapshot_.load();
      if (s.state == TradingState::kHalted && s.live_orders == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const EngineSnapshot last = snapshot_.load();
    if (last.live_orders != 0)
      spdlog::warn("{} orders still working at shutdown", last.live_orders);
    if (drop_copy_) drop_copy_->stop(500);
    if (md_feed_) md_feed_->stop(500);
    gateway_->stop(500);
    spdlog::debug("stop: FIX session closed");
    // The control agent goes last so it logs what the others emitted while stopping.
    for (auto it = runners_.rbegin(); it != runners_.rend(); ++it) (*it)->stop();
    if (journal_) {
      journal_agent_.on_stop();  // what the stopping agents produced, then the final commit
      const journal::WriterStats js = journal_->stats();
      spdlog::info("journal: {} records, {} commits, durable through sequence {}", js.records,
                   js.commits, js.durable_sequence);
      if (journal_lost_.load(std::memory_order_acquire)) {
        spdlog::error(
            "journal lost ({}): {} orders not sent, {} records not written; free the journal's "
            "file system and start again",
            journal_cause(), journal_orders_not_sent_.load(std::memory_order_relaxed),
            journal_unwritten_.load(std::memory_order_relaxed));
      }
    }
    spdlog::debug("stop: agents stopped");
    if (option_flow_) option_flow_->stop();
    if (venue_) venue_->stop();
    spdlog::debug("stop: venue simulator stopped");
    answer_reload_waiters({503, "{\"reload\":\"not run\",\"error\":\"the daemon is stopping\"}"});
    {
      std::unique_ptr<admin::Server> admin;
      {
        std::lock_guard lock(admin_mutex_);
        admin = std::move(admin_);
      }
    }
    metrics_.reset();  // last, so scrapes see the final state until the end
    spdlog::debug("stop: metrics endpoint closed");
    spdlog::info("stopped; hedge positions: {}", positions_text(last));
  }

  void request_reload(const std::string& reason) {
    {
      std::lock_guard lock(reload_mutex_);
      reload_reason_ = reason;
    }
    reload_requested_.store(true, std::memory_order_release);
  }

  // Answers every POST /reload waiting for the reload the control agent is about to run or has
  // run.
  void answer_reload_waiters(const admin::Reply& reply) {
    std::vector<std::function<void(admin::Reply)>> waiters;
    {
      std::lock_guard lock(reload_mutex_);
      waiters.swap(reload_waiters_);
    }
    for (auto& done : waiters) {
      try {
        done(reply);
      } catch (const std::exception& e) {
        spdlog::error("admin API: reload answer failed: {}", e.what());
      }
    }
  }

  void command(Command command, const std::string& reason) {
    CommandEvent event;
    event.command = command;
    event.reason.assign(reason.c_str());
    inbound_.push(event);
  }

  DaemonStatus status() const {
    DaemonStatus s;
    s.engine = snapshot_.load();
    s.fix_logged_on = gateway_->logged_on();
    if (venue_) s.venue = venue_->stats();
    if (option_flow_) s.option_flow = option_flow_->stats();
    if (drop_copy_) s.drop_copy = drop_copy_->stats();
    for (const auto& runner : runners_) {
      if (runner->failed())
        s.failure = std::string(runner->name()) + " agent failed: " + runner->failure();
    }
    if (journal_lost_.load(std::memory_order_acquire)) s.journal_failure = journal_cause();
    return s;
  }

  // The journal can no longer be trusted to hold what is sent (a write or fsync failed, or the
  // file system has no room left for the journal's reserve): trading halts (the engine cancels
  // working orders), the gateway sends no order or replace from now on, /health and /ready say
  // why. Sticky until a restart. Any thread; the first cause is kept.
  void lose_journal(const std::string& cause) {
    {
      std::lock_guard lock(journal_cause_mutex_);
      if (!journal_cause_.empty()) return;
      journal_cause_ = cause.empty() ? std::string("unknown error") : cause;
    }
    // Release: a gateway that sees the flag sees the cause too.
    journal_lost_.store(true, std::memory_order_release);
    spdlog::error(
        "journal lost: {}; trading halts, working orders are canceled, and no order leaves "
        "until the daemon is started again on a journal it can write",
        cause);
    command(Command::kHalt, "journal lost: " + cause);
    gateway_wakeup_.wake();
  }

  std::string journal_cause() const {
    std::lock_guard lock(journal_cause_mutex_);
    return journal_cause_;
  }

  int admin_port() const {
    std::lock_guard lock(admin_mutex_);
    return admin_ ? admin_->port() : 0;
  }

  int metrics_port() const {
    if (!metrics_) return 0;
    const auto ports = metrics_->ports();
    return ports.empty() ? 0 : ports.front();
  }

  const config::DaemonConfig& config() const noexcept { return config_; }

  // Start-up recovery of the journal directory: a torn tail (a record cut by a crash) is
  // truncated and reported; anything wrong before it stops the start with the segment and
  // offset. The writer continues the sequence after the last good record.
  // Recovery on start: reads the journal (a corrupt one stops start-up, naming segment and
  // offset; a torn tail is truncated), rebuilds what the engine must know from the latest
  // snapshot and the records after it, puts it back into the engine, and opens the writer to
  // continue the sequence. Runs before any agent starts.
  void open_journal() {
    const std::filesystem::path dir = config_.journal.dir;
    recovery::JournalState state(
        config_.engine.instruments.size(),
        std::max<std::size_t>(1024, 4 * config_.engine.max_working_orders));
    std::uint64_t snapshots = 0;
    std::string replay_error;
    const journal::ReadResult read =
        journal::read_journal(dir, [&](const journal::RecordView& record) {
          if (!replay_error.empty()) return;
          replay_error = journal::apply_record(state, record);
          snapshots += record.type == journal::RecordType::kSnapshot ? 1 : 0;
        });
    if (read.status == journal::ReadStatus::kCorrupt) {
      throw std::runtime_error("journal " + dir.string() + " is corrupt: " + read.error);
    }
    if (!replay_error.empty()) {
      throw std::runtime_error("journal " + dir.string() + ": " + replay_error);
    }
    if (read.status == journal::ReadStatus::kTornTail) {
      spdlog::warn("journal: torn tail in {} at byte {} ({}); truncated there",
                   read.segment.string(), read.offset, read.error);
      journal::truncate_torn_tail(read);
    }
    journal::WriterOptions options;
    options.commit_interval = std::chrono::nanoseconds(config_.journal.commit_interval_ns);
    options.segment_size_bytes = config_.journal.segment_size_bytes;
    journal_ = std::make_unique<journal::JournalWriter>(dir, options, read.next_sequence);
    spdlog::info("journal {}: {} records in {} segments; appending from sequence {}", dir.string(),
                 read.records, read.segments, read.next_sequence);
    // The start record: a snapshot of what was read, written and fsynced before any agent
    // starts. A journal that cannot take it (no space, a failed write or fsync) is lost from the
    // start: the daemon comes up halted, sends no order, and says why.
    try {
      journal_->append_snapshot(runtime::wall_clock_ns(), state.encode());
      journal_->flush_and_sync();
      journal_snapshots_.fetch_add(1, std::memory_order_relaxed);
      if (journal_->space_low()) lose_journal("at start: " + journal_->space_error());
    } catch (const std::exception& e) {
      lose_journal(std::string("cannot be written at start: ") + e.what());
    }
    journal_stats_.store(journal_->stats());
    if (read.records > 0) restore_from(state, snapshots);
    if (!state.start_book() && !journal_lost_.load(std::memory_order_acquire)) {
      // The configured book this journal begins with: a restart compares its own with it.
      const std::vector<std::byte> book = recovery::encode_start_book(start_book(config_.engine));
      try {
        state.note_sequence(
            journal_->append(journal::RecordType::kStartBook, runtime::wall_clock_ns(), book));
        (void)state.on_start_book(book);
      } catch (const std::exception& e) {
        lose_journal(std::string("cannot be written at start: ") + e.what());
      }
    }
    journal_state_ = std::make_unique<recovery::JournalState>(std::move(state));
  }

  // Puts the journal's state back into the engine (before the engine agent starts) and logs
  // what came back; the actions restoring caused (a halt, a limit set) are logged and journaled.
  void restore_from(const recovery::JournalState& state, std::uint64_t snapshots) {
    const TimeNs now = runtime::wall_clock_ns();
    ActionBuffer actions;
    const RestoreSummary r = engine_.restore(state, now, actions);
    if (state.limits()) {
      // The limits file read at start-up is what the operator wants now; it follows the
      // journal's last set under the next version, so versions never go back.
      risk::RiskLimits file = config_.limits.limits;
      file.version = state.limits()->version + 1;
      engine_.apply_limits(file, now, actions);
      current_limits_.limits.version = file.version;
      spdlog::info("limits: the journal's last set was v{}; the limits file is in force as v{}",
                   state.limits()->version, file.version);
    }
    EngineSnapshot restored;
    engine_.fill_snapshot(restored);
    snapshot_.store(restored);
    for (std::uint32_t u = 0; u < underlying_names_.size(); ++u) {
      const UnderlyingSnapshot& us = restored.underlyings[u];
      spdlog::info("recovered {}: hedge position {} {}, working {}, option delta {:.1f}sh",
                   underlying_names_[u], us.hedge_position, hedge_symbols_[u], us.working_qty,
                   us.greeks.delta_shares);
    }
    spdlog::info(
        "recovered from the journal ({} records applied, {} snapshots, last sequence {}): {} "
        "instruments moved, {} working orders to reconcile with the venue{}, next ClOrdID {}",
        state.records(), snapshots, state.last_sequence(), r.instruments_moved, r.orders_restored,
        r.orders_dropped > 0 ? fmt::format(" ({} dropped: not in this config)", r.orders_dropped)
                             : std::string(),
        r.next_order_id);
    if (r.pnl_baselines_restored > 0) {
      spdlog::info(
          "recovered the day's P&L baseline of {} underlyings: the same UTC day continues it",
          r.pnl_baselines_restored);
    }
    for (const RestoreSummary::BookChange& c : r.book_changes) {
      spdlog::warn(
          "book: {} starts at {} in this config, {} when the journal began: {} applied ({:+}); "
          "the day's P&L baseline moves by its value",
          c.instrument < symbols_.size() ? symbols_[c.instrument]
                                         : "instrument #" + std::to_string(c.instrument),
          c.config_qty, c.journal_qty, c.config_qty, c.config_qty - c.journal_qty);
    }
    if (r.unknown_instrument_qty != 0) {
      spdlog::error(
          "journal: position changes of {} units are in instruments this config does "
          "not have; they are not applied",
          r.unknown_instrument_qty);
    }
    for (const Action& action : actions) {
      if (const auto* st = std::get_if<StateNotice>(&action)) {
        spdlog::warn("trading state of {}: {} -> {}: {}",
                     st->underlying == kBookScope
                         ? std::string("book")
                         : "underlying " + underlying_names_[st->underlying],
                     to_string(st->from), to_string(st->to), st->cause.c_str());
      }
      (void)journal_ring_.try_push(JournalItem{now, action});
    }
  }

  // Gateway agent: one hedge child handed to QuickFIX, `ns` after its quote's source time.
  void record_tick_to_order(TimeNs ns) noexcept {
    if (ns < 0) return;
    const double seconds = static_cast<double>(ns) * 1e-9;
    std::size_t b = 0;
    while (b < kTickLatencyBucketsSeconds.size() && seconds > kTickLatencyBucketsSeconds[b]) ++b;
    tick_to_order_counts_[b].fetch_add(1, std::memory_order_relaxed);
    tick_to_order_sum_ns_.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
  }

  // --- admin::Handler (the admin API's thread) ------------------------------------------------
  admin::Reply health() const override {
    if (journal_lost_.load(std::memory_order_acquire)) {
      return {503, "{\"status\":\"failed\",\"detail\":" +
                       admin::json_string("journal lost: " + journal_cause()) + "}"};
    }
    for (const auto& runner : runners_) {
      if (runner->failed()) {
        return {503, "{\"status\":\"failed\",\"detail\":" +
                         admin::json_string(std::string(runner->name()) +
                                            " agent failed: " + runner->failure()) +
                         "}"};
      }
    }
    return {200, "{\"status\":\"ok\"}"};
  }

  admin::Reply ready() const override {
    std::vector<std::string> reasons;
    if (journal_lost_.load(std::memory_order_acquire)) {
      reasons.push_back("journal lost: " + journal_cause());
    }
    if (!gateway_->logged_on()) reasons.push_back("FIX order session is down");
    if (md_feed_ && !md_feed_->stats().logged_on) reasons.push_back("FIX market data is down");
    const EngineSnapshot s = snapshot_.load();
    const TimeNs now = runtime::wall_clock_ns();
    for (std::uint32_t u = 0; u < s.underlying_count; ++u) {
      const TimeNs last = s.underlyings[u].last_quote_ns;
      if (last == 0 || now - last > config_.admin.ready_max_quote_age_ns) {
        reasons.push_back("no fresh quote for " + underlying_names_[u]);
      }
    }
    std::string body =
        std::string("{\"ready\":") + (reasons.empty() ? "true" : "false") + ",\"reasons\":[";
    for (std::size_t i = 0; i < reasons.size(); ++i) {
      body += (i == 0 ? "" : ",") + admin::json_string(reasons[i]);
    }
    return {reasons.empty() ? 200 : 503, body + "]}"};
  }

  admin::Reply status(bool text) const override {
    StatusContext c;
    c.underlyings = underlying_names_;
    c.hedge_instruments = hedge_symbols_;
    c.fix_logged_on = gateway_->logged_on();
    c.now_ns = runtime::wall_clock_ns();
    c.uptime_seconds = static_cast<double>(c.now_ns - start_time_ns_) * 1e-9;
    c.version = HEDGED_VERSION;
    const EngineSnapshot s = snapshot_.load();
    const std::string lost =
        journal_lost_.load(std::memory_order_acquire) ? journal_cause() : std::string();
    if (text) {
      std::string body = status_text(s, c);
      if (!lost.empty()) body = "JOURNAL LOST: " + lost + "; no order is sent\n" + body;
      return {200, std::move(body), "text/plain; charset=utf-8"};
    }
    std::string body = status_json(s, c);
    if (!lost.empty() && body.size() > 1 && body.front() == '{') {
      body.insert(1, "\"journal_failure\":" + admin::json_string(lost) + ",");
    }
    return {200, std::move(body)};
  }

  admin::Reply act(admin::Action action, const std::string& reason) override {
    spdlog::warn("admin API: {} ({})", admin::to_string(action), log_safe(reason));
    switch (action) {
      case admin::Action::kHalt: command(Command::kHalt, reason); break;
      case admin::Action::kResume: command(Command::kResume, reason); break;
      case admin::Action::kFlatten: command(Command::kFlatten, reason); break;
      case admin::Action::kReload: request_reload(reason); break;
    }
    return {202, std::string("{\"accepted\":") + admin::json_string(admin::to_string(action)) +
                     ",\"reason\":" + admin::json_string(reason) + "}"};
  }

  // The control agent runs the reload and answers `done` with its outcome; the admin thread
  // goes on serving meanwhile.
  void reload(const std::string& reason, std::function<void(admin::Reply)> done) override {
    spdlog::warn("admin API: reload ({})", reason);
    {
      std::lock_guard lock(reload_mutex_);
      reload_waiters_.push_back(std::move(done));
      reload_reason_ = reason;
    }
    reload_requested_.store(true, std::memory_order_release);
  }

  // --- fix::OptionTradeSink (the drop copy's QuickFIX thread) ---------------------------------
  void on_option_trade(const OptionTradeEvent& trade) noexcept override { inbound_.push(trade); }

  void on_drop_copy_session(bool logged_on, const std::string& detail) noexcept override {
    if (logged_on) {
      spdlog::info("FIX drop copy: session {} is up", detail);
    } else {
      if (stopping_.load(std::memory_order_acquire)) {
        spdlog::info("FIX drop copy: session {} is down (stopping)", detail);
      } else {
        spdlog::warn("FIX drop copy: session {} is down; option fills wait until it is back",
                     detail);
      }
    }
  }

  // --- fix::InboundSink (QuickFIX threads) ---------------------------------------------------
  void on_exec_report(const ExecReportEvent& report) noexcept override { inbound_.push(report); }

  void on_report_refused(const fix::ReportRefusal& r) noexcept override { log_refusal("FIX", r); }
  void on_drop_copy_refused(const fix::ReportRefusal& r) noexcept override {
    log_refusal("FIX drop copy", r);
  }
  static void log_refusal(const char* session, const fix::ReportRefusal& r) noexcept {
    try {
      spdlog::error("{}: execution report {} refused with a Reject: tag {} = '{}' is {}", session,
                    r.exec_id.empty() ? "(no ExecID)" : r.exec_id.c_str(), r.tag, r.value.c_str(),
                    fix::to_string(r.problem));
    } catch (...) {  // logging must not throw into QuickFIX
    }
  }

  void on_session(bool logged_on, const std::string& detail) noexcept override {
    if (logged_on) {
      spdlog::info("FIX logon: session {} is up", detail);
    } else {
      // Expected while stopping: info, so that a clean stop logs no warnings of its own.
      spdlog::log(
          stopping_.load(std::memory_order_acquire) ? spdlog::level::info : spdlog::level::warn,
          "FIX logout: session {} is down", detail);
    }
    inbound_.push(SessionEvent{logged_on});
  }

  // --- marketdata::QuoteSink (market-data agent) --------------------------------------------
  void on_quote(const Quote& quote) noexcept override {
    (underlying_quote_[quote.instrument] != 0 ? underlying_board_ : quote_board_)
        .publish(quote.instrument, quote);
    venue_quotes_[quote.instrument]->store(
        {quote.bid, quote.ask, quote.bid_size, quote.ask_size, quote.seq});
  }

  // --- metrics::ScrapeSource (HTTP threads) ---------------------------------------------------
  void read(metrics::ScrapeInputs& out) const override {
    // Straight into the caller's copy: no snapshot-sized temporaries on the scrape thread's
    // small stack.
    while (!snapshot_.try_load(out.engine)) {
    }
    out.underlyings = underlying_names_;
    out.hedge_instruments = hedge_symbols_;
    out.fix_session = config_.fix.sender_comp_id + "->" + config_.fix.target_comp_id;
    out.fix_logged_on = gateway_->logged_on();
    if (drop_copy_) {
      out.drop_copy = true;
      out.dc = drop_copy_->stats();
    }
    if (replay_) {
      out.md_replay = true;
      out.replay = replay_->stats();
    }
    if (journal_) {
      out.journal = true;
      out.journal_stats = journal_stats_.load();
      out.journal_dropped = journal_dropped_.load(std::memory_order_relaxed);
      out.journal_snapshots = journal_snapshots_.load(std::memory_order_relaxed);
      out.journal_lost = journal_lost_.load(std::memory_order_relaxed);
      out.journal_orders_not_sent = journal_orders_not_sent_.load(std::memory_order_relaxed);
      out.journal_unwritten = journal_unwritten_.load(std::memory_order_relaxed);
    }
    const fix::GatewayStats stats = gateway_->stats();
    out.fix_messages_rejected = stats.messages_rejected;
    out.fix_resends_suppressed = stats.resends_suppressed;
    out.fix_session_rejects = stats.session_rejects;
    out.fix_reports_refused = stats.reports_refused;
    out.quotes_published = quote_board_.published() + underlying_board_.published();
    out.quotes_conflated = quote_board_.conflated() + underlying_board_.conflated();
    out.notices_dropped = notices_dropped_.load(std::memory_order_relaxed);
    out.start_time_seconds = static_cast<double>(start_time_ns_) / 1e9;
    out.now_ns = runtime::wall_clock_ns();
    for (std::size_t b = 0; b < tick_to_order_counts_.size(); ++b) {
      out.tick_to_order.counts[b] = tick_to_order_counts_[b].load(std::memory_order_relaxed);
      out.tick_to_order.count += out.tick_to_order.counts[b];
    }
    out.tick_to_order.sum_seconds =
        static_cast<double>(tick_to_order_sum_ns_.load(std::memory_order_relaxed)) * 1e-9;
    if (md_feed_) {
      out.md_fix = true;
      out.md = md_feed_->stats();
    }
    out.reloads_applied = reloads_applied_.load(std::memory_order_relaxed);
    out.reloads_rejected = reloads_rejected_.load(std::memory_order_relaxed);
    out.reloads_unchanged = reloads_unchanged_.load(std::memory_order_relaxed);
    {
      std::lock_guard lock(admin_mutex_);
      if (admin_) out.admin_http = admin_->stats();
    }
  }

 private:
  EngineConfig make_engine_config() {
    EngineConfig engine = config_.engine;
    // Order ids must not repeat across restarts of a venue session: start from the clock.
    engine.first_order_id = static_cast<OrderId>(runtime::wall_clock_ns() / 1000);
    engine.limits.version = 1;
    return engine;
  }

  // Parses and validates the limits file on the calling (control) thread; a valid file with
  // changes goes to the engine agent through the mailbox, anything else leaves the running
  // limits in force.
  // On an explicit reload (SIGHUP, POST /reload) logging.level is read again from the main
  // configuration file; the rest of that file takes a restart.
  void reload_log_level(const std::string& reason) {
    const std::string& path = config_.source_path;
    if (path.empty() || !std::filesystem::is_regular_file(path)) return;
    const config::LoadResult loaded = config::load_file(path, runtime::wall_clock_ns());
    if (!loaded.config) {
      spdlog::error("log level reload ({}): {} rejected: {}; level {} stays", reason, path,
                    loaded.error, log_level_);
      return;
    }
    const std::string& level = loaded.config->logging.level;
    if (level == log_level_) return;
    if (!set_level(level)) return;
    spdlog::warn("log level reload ({}): {} -> {}", reason, log_level_, level);
    log_level_ = level;
  }

  // The outcome of a limits reload, as POST /reload answers it: 200 applied or unchanged, 422
  // rejected with "file:line:column: message".
  admin::Reply reload_reply(const std::string& result, std::size_t changes,
                            const std::string& error) const {
    std::string body = "{\"reload\":" + admin::json_string(result) +
                       ",\"limits_version\":" + std::to_string(current_limits_.limits.version);
    if (result == "applied") body += ",\"changes\":" + std::to_string(changes);
    if (!error.empty()) body += ",\"error\":" + admin::json_string(error);
    return {result == "rejected" ? 422 : 200, body + "}"};
  }

  admin::Reply reload_limits(const std::string& reason) {
    const std::string& path = config_.risk.limits_file;
    if (path.empty()) {
      spdlog::warn("limits reload ({}): the config names no limits file (risk.limits_file)",
                   reason);
      reloads_rejected_.fetch_add(1, std::memory_order_relaxed);
      return reload_reply("rejected", 0, "the config names no limits file (risk.limits_file)");
    }
    config::LimitsLoadResult loaded = config::load_limits_file(path, &config_.engine);
    if (!loaded.limits) {
      reloads_rejected_.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("limits reload rejected ({}): {}; limits v{} stay in force", reason,
                    loaded.error, current_limits_.limits.version);
      return reload_reply("rejected", 0, loaded.error);
    }
    const std::vector<std::string> changes =
        config::diff(current_limits_, *loaded.limits, underlying_names_);
    if (changes.empty()) {
      reloads_unchanged_.fetch_add(1, std::memory_order_relaxed);
      spdlog::info("limits reload ({}): {} is valid and unchanged", reason, path);
      return reload_reply("unchanged", 0, "");
    }
    loaded.limits->limits.version = current_limits_.limits.version + 1;
    current_limits_ = std::move(*loaded.limits);
    spdlog::info("limits reload ({}): applying v{} from {}, {} change(s):", reason,
                 current_limits_.limits.version, path, changes.size());
    for (const std::string& change : changes) spdlog::info("  {}", change);
    limits_mailbox_.store(current_limits_.limits);
    reloads_applied_.fetch_add(1, std::memory_order_relaxed);
    return reload_reply("applied", changes.size(), "");
  }

  std::string positions_text(const EngineSnapshot& s) const {
    std::string text;
    for (std::uint32_t u = 0; u < s.underlying_count; ++u) {
      if (!text.empty()) text += ", ";
      text += hedge_symbols_[u] + " " + std::to_string(s.underlyings[u].hedge_position);
    }
    return text;
  }

  // --- Agents ----------------------------------------------------------------------------------
  class MdAgent final : public runtime::Agent {
   public:
    explicit MdAgent(Impl& d) : d_(d) {}
    const char* name() const noexcept override { return "market-data"; }
    int do_work(TimeNs now) override {
      if (d_.hooks_.quote_source != nullptr) return d_.hooks_.quote_source->do_work(now, d_);
      if (!d_.replay_) return d_.feed_.do_work(now);
      const int work = d_.replay_->do_work(now);
      if (!finished_logged_ && d_.replay_->finished()) {
        finished_logged_ = true;
        const marketdata::ReplayStats s = d_.replay_->stats();
        spdlog::info(
            "replay finished: {} quotes played, {} rows skipped; quotes stay at their last values",
            s.played, s.skipped);
      }
      return work;
    }

   private:
    Impl& d_;
    bool finished_logged_ = false;
  };

  class EngineAgent final : public runtime::Agent {
   public:
    explicit EngineAgent(Impl& d) : d_(d) {}
    const char* name() const noexcept override { return "engine"; }

    int do_work(TimeNs now) override {
      int work = 0;
      Event event;
      while (work < static_cast<int>(kBatch) && d_.inbound_.try_pop(event)) {
        handle(event, now);
        ++work;
      }
      const auto take = [&](std::uint32_t, const Quote& quote) {
        // Each quote is timed from when it is taken, not from when this loop began: a quote
        // published during the loop must not look older than its source, and the engine's
        // tick-to-decision must not hide the time spent on the quotes before it.
        now = runtime::wall_clock_ns();
        handle(QuoteEvent{quote}, now);
        if (d_.hooks_.probe != nullptr) probe(quote, now);
      };
      // Underlying and hedge-instrument quotes move the Greeks and the hedge: they go first, and
      // the option quotes are taken in slices with another look at them in between, so a spot
      // tick never waits behind a whole book's worth of option quotes.
      work += static_cast<int>(d_.underlying_board_.drain(take, kBatch));
      for (std::size_t taken = 0; taken < kBatch;) {
        const std::size_t n = d_.quote_board_.drain(take, kOptionSlice);
        taken += n;
        work += static_cast<int>(n + d_.underlying_board_.drain(take, kBatch));
        if (n < kOptionSlice) break;
      }
      if (const std::uint64_t version = d_.limits_mailbox_.version();
          version != seen_limits_ && version % 2 == 0) {
        // A validated limit set from the control agent: in force from the next event on.
        seen_limits_ = version;
        *limits_ = d_.limits_mailbox_.load();
        actions_.clear();
        d_.engine_.apply_limits(*limits_, now, actions_);
        if (d_.journal_) journal(TimerEvent{}, now);  // the limit set and what it caused
        route_all(now);
        publish_ = true;
      }
      if (now >= next_timer_ns_) {
        next_timer_ns_ = now + d_.config_.timer_interval_ns;
        take_new_surfaces(now);
        handle(TimerEvent{}, now);
        publish_ = true;
      }
      // The snapshot (12 KB) is published at most once a millisecond under a stream of quotes,
      // not after every batch: readers want it fresh to the millisecond, not to the quote.
      changed_ |= work > 0;
      if (publish_ || (changed_ && now >= next_publish_ns_)) {
        d_.engine_.fill_snapshot(snapshot_);
        d_.snapshot_.store(snapshot_);
        publish_ = false;
        changed_ = false;
        next_publish_ns_ = now + kNanosPerMilli;
      }
      return work;
    }

   private:
    // Benchmark instrumentation (DaemonHooks::probe): the quote just handled and the child
    // orders it produced.
    void probe(const Quote& quote, TimeNs picked_ns) noexcept {
      int orders = 0;
      for (const Action& action : actions_) orders += std::holds_alternative<NewChildOrder>(action);
      d_.hooks_.probe->on_quote_handled(quote, picked_ns, runtime::wall_clock_ns(), orders);
    }

    // A surface the surface agent published since the last look goes to the engine; the timer
    // event that follows applies it.
    void take_new_surfaces(TimeNs now) {
      seen_surface_.resize(d_.surfaces_.size(), 0);
      for (std::uint32_t u = 0; u < d_.surfaces_.size(); ++u) {
        const std::uint64_t version = d_.surfaces_[u]->version();
        if (version == seen_surface_[u] || version % 2 != 0) continue;
        seen_surface_[u] = version;
        *surface_ = d_.surfaces_[u]->load();
        d_.engine_.set_vol_surface(u, *surface_, now);
      }
    }

    void handle(const Event& event, TimeNs now) {
      actions_.clear();
      d_.engine_.on_event(event, now, actions_);
      if (d_.journal_) journal(event, now);
      route_all(now);
    }

    // What the journal records of this event and the actions it produced: order intents,
    // execution reports, option trades, trading-state changes, hedge decisions, limit sets, the
    // day's P&L baselines and repriced fills.
    // The ring never blocks the engine; what does not fit is counted.
    // An order intent's place among those journaled is noted for the gateway (write-ahead).
    void journal(const Event& event, TimeNs now) {
      auto push = [&](const JournalItem& item) {
        if (d_.journal_ring_.try_push(item)) return true;
        d_.journal_dropped_.fetch_add(1, std::memory_order_relaxed);
        return false;
      };
      if (std::holds_alternative<ExecReportEvent>(event) ||
          std::holds_alternative<OptionTradeEvent>(event)) {
        push({now, event});
      }
      for (std::size_t i = 0; i < actions_.size(); ++i) {
        const Action& a = actions_[i];
        intent_tags_[i] = 0;
        if (is_intent(a)) {
          intent_tags_[i] = push({now, a}) ? ++intents_journaled_ : kUnjournaled;
        } else if (std::holds_alternative<StateNotice>(a) ||
                   std::holds_alternative<HedgeDecision>(a) ||
                   std::holds_alternative<LimitsApplied>(a) ||
                   std::holds_alternative<PnlDayOpen>(a) ||
                   std::holds_alternative<FillRepriced>(a)) {
          push({now, a});
        }
      }
    }

    void route_all(TimeNs now) {
      const bool tagged = d_.journal_ && d_.config_.journal.write_ahead;
      bool queued = false;
      for (std::size_t i = 0; i < actions_.size(); ++i) {
        queued |= route(actions_[i], now, tagged ? intent_tags_[i] : 0);
      }
      // The decision is made (and timed); a gateway asleep in its back-off is woken to send it.
      if (queued) d_.gateway_wakeup_.wake();
    }

    // Returns true when it queued something for the gateway.
    bool route(const Action& action, TimeNs now, std::uint64_t journal_intent) {
      if (std::holds_alternative<StatusRequest>(action)) {
        // Only a question: if it cannot go now, the engine asks again later.
        return d_.orders_.try_push({action, 0});
      }
      if (is_intent(action)) {
        if (d_.orders_.try_push({action, journal_intent})) return true;
        // The gateway is not keeping up: tell the engine the order never left.
        d_.inbound_.push(not_sent(action, "not sent: gateway queue full", now));
        return false;
      }
      if (!d_.notices_.try_push(action))
        d_.notices_dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }

    Impl& d_;
    ActionBuffer actions_;
    std::array<std::uint64_t, ActionBuffer::kCapacity> intent_tags_{};
    std::uint64_t intents_journaled_ = 0;
    EngineSnapshot snapshot_;
    std::vector<std::uint64_t> seen_surface_;
    std::unique_ptr<pricing::VolSurface> surface_ = std::make_unique<pricing::VolSurface>();
    std::unique_ptr<risk::RiskLimits> limits_ = std::make_unique<risk::RiskLimits>();
    std::uint64_t seen_limits_ = 0;
    TimeNs next_timer_ns_ = 0;
    TimeNs next_publish_ns_ = 0;
    bool publish_ = false;
    bool changed_ = false;  // events handled since the last snapshot
  };

  class GatewayAgent final : public runtime::Agent {
   public:
    explicit GatewayAgent(Impl& d) : d_(d) {}
    const char* name() const noexcept override { return "gateway"; }

    int do_work(TimeNs now) override {
      int work = 0;
      OutboundOrder item;
      while (work < static_cast<int>(kBatch) && d_.orders_.try_pop(item)) {
        ++work;
        const Action& action = item.action;
        if (const char* why = refusal(item)) {
          d_.journal_orders_not_sent_.fetch_add(1, std::memory_order_relaxed);
          d_.inbound_.push(not_sent(action, why, now));
          continue;
        }
        fix::SendResult result = fix::SendResult::kSent;
        if (const auto* order = std::get_if<NewChildOrder>(&action)) {
          result = d_.gateway_->send(*order);
          if (result == fix::SendResult::kSent && order->quote_source_ns > 0) {
            const TimeNs sent_ns = runtime::wall_clock_ns();
            d_.record_tick_to_order(sent_ns - order->quote_source_ns);
            if (d_.hooks_.probe != nullptr) d_.hooks_.probe->on_order_sent(*order, sent_ns);
          }
        } else if (const auto* cancel = std::get_if<CancelOrder>(&action)) {
          result = d_.gateway_->send(*cancel);
        } else if (const auto* replace = std::get_if<ReplaceOrder>(&action)) {
          result = d_.gateway_->send(*replace);
        } else if (const auto* request = std::get_if<StatusRequest>(&action)) {
          // A question that could not be asked is asked again on a later timer.
          (void)d_.gateway_->send(*request);
          continue;
        }
        if (result != fix::SendResult::kSent) {
          d_.inbound_.push(not_sent(action,
                                    result == fix::SendResult::kSessionDown
                                        ? "not sent: FIX session down"
                                        : "not sent: unknown instrument",
                                    now));
        }
      }
      return work;
    }

   private:
    // Write-ahead: an order or replace leaves only once the journal agent has written its intent
    // (to the kernel; the commit follows within journal.commit_interval), so a restart after the
    // process dies knows every order the venue may have. There is no time limit that sends
    // anyway: the wait ends when the intent is written or the journal is lost, and then the
    // order is not sent (the engine hears a reject). Once the journal is lost no order or
    // replace leaves at all; cancels still do (they only take risk off, and a restart asks the
    // venue about every order the journal holds as working). Returns why not, or nullptr.
    const char* refusal(const OutboundOrder& item) {
      if (!d_.journal_) return nullptr;
      const bool adds_risk = std::holds_alternative<NewChildOrder>(item.action) ||
                             std::holds_alternative<ReplaceOrder>(item.action);
      if (item.journal_intent == kUnjournaled) {
        return adds_risk ? "not sent: its intent could not be handed to the journal" : nullptr;
      }
      const bool written = item.journal_intent == 0 || await_journal(item.journal_intent);
      if (!adds_risk) return nullptr;
      if (!written || d_.journal_lost_.load(std::memory_order_acquire)) {
        return "not sent: the journal is lost (see /health)";
      }
      return nullptr;
    }

    // True once the journal agent has written `intent`; false when the journal is lost first.
    bool await_journal(std::uint64_t intent) {
      // Acquire: pairs with the journal agent's release after the write.
      if (d_.journal_intents_written_.load(std::memory_order_acquire) >= intent) return true;
      d_.journal_wakeup_.wake();
      for (std::uint32_t spins = 0;; ++spins) {
        if (d_.journal_intents_written_.load(std::memory_order_acquire) >= intent) return true;
        if (d_.journal_lost_.load(std::memory_order_acquire)) {
          // Written in the meantime after all (a loss from lack of space still writes)?
          return d_.journal_intents_written_.load(std::memory_order_acquire) >= intent;
        }
        if (spins < 256) {
#if defined(__x86_64__) || defined(__i386__)
          __builtin_ia32_pause();
#endif
        } else if (spins < 1024) {
          std::this_thread::yield();
        } else {
          // A journal agent held up in a slow write or fsync: wait without taking a core.
          std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
      }
    }

    Impl& d_;
  };

  // Writes the engine's records to the journal with group commit (journal.commit_interval), off
  // the engine's thread. A failed write or fsync, or a file system without room for the
  // writer's reserve, loses the journal (Impl::lose_journal): trading halts and the daemon stays
  // up answering. Short of space the writer still writes into its reserve, so the cancels and
  // fills of the halt are journaled; after a failed write or fsync nothing more is written (the
  // records are counted) and the next start recovers up to the last good record.
  class JournalAgent final : public runtime::Agent {
   public:
    explicit JournalAgent(Impl& d) : d_(d) {}
    const char* name() const noexcept override { return "journal"; }

    int do_work(TimeNs now) override {
      if (d_.journal_->failed()) return discard();
      int work = 0;
      try {
        JournalItem item;
        std::uint64_t intents = 0;
        while (work < static_cast<int>(kBatch) && d_.journal_ring_.try_pop(item)) {
          ++work;
          append(item);
          const Action* action = std::get_if<Action>(&item.payload);
          intents += action != nullptr && is_intent(*action) ? 1 : 0;
        }
        if (work > 0) {
          // Handed to the kernel at once: safe from the process dying; the commit (fdatasync)
          // follows within journal.commit_interval. Then the gateway may send these intents.
          d_.journal_->write_pending();
          if (intents > 0) {
            d_.journal_intents_written_.fetch_add(intents, std::memory_order_release);
          }
        }
        // Short of space, the reserve is kept for the records of the halt, not for snapshots.
        if (!d_.journal_->space_low() && maybe_snapshot(now, false)) ++work;
        if (d_.journal_->poll(now)) ++work;
        if (now >= next_space_check_ns_) {
          // Commits look too; this is for a journal with nothing to write.
          next_space_check_ns_ = now + 100 * kNanosPerMilli;
          d_.journal_->check_space();
        }
        if (d_.journal_->space_low()) d_.lose_journal(d_.journal_->space_error());
      } catch (const std::exception& e) {
        d_.lose_journal(e.what());
        ++work;
      }
      if (work > 0 || now >= next_stats_ns_) {
        d_.journal_stats_.store(d_.journal_->stats());
        next_stats_ns_ = now + 100 * kNanosPerMilli;
      }
      return work;
    }

    void on_stop() noexcept {
      try {
        if (d_.journal_->failed()) {
          (void)discard();
        } else {
          JournalItem item;
          while (d_.journal_ring_.try_pop(item)) append(item);
          if (!d_.journal_->space_low()) (void)maybe_snapshot(runtime::wall_clock_ns(), true);
          d_.journal_->close();
        }
      } catch (const std::exception& e) {
        spdlog::error("journal: final commit failed: {}", e.what());
      }
      d_.journal_stats_.store(d_.journal_->stats());
    }

   private:
    // Appends the item and moves the agent's copy of the recovery state with it, so a snapshot
    // written now is exactly what replaying the journal up to here would give.
    void append(const JournalItem& item) {
      journal::JournalWriter& w = *d_.journal_;
      recovery::JournalState& st = *d_.journal_state_;
      if (const Event* event = std::get_if<Event>(&item.payload)) {
        if (const auto* r = std::get_if<ExecReportEvent>(event)) {
          st.note_sequence(w.append(item.time, *r));
          (void)st.on_exec_report(*r);
        }
        if (const auto* t = std::get_if<OptionTradeEvent>(event)) {
          st.note_sequence(w.append(item.time, *t));
          (void)st.on_option_trade(*t);
        }
        return;
      }
      const Action& a = std::get<Action>(item.payload);
      if (const auto* o = std::get_if<NewChildOrder>(&a)) {
        st.note_sequence(w.append(item.time, *o));
        (void)st.on_new_order(*o, item.time);
      }
      if (const auto* c = std::get_if<CancelOrder>(&a)) {
        st.note_sequence(w.append(item.time, *c));
        (void)st.on_cancel(*c, item.time);
      }
      if (const auto* r = std::get_if<ReplaceOrder>(&a)) {
        st.note_sequence(w.append(item.time, *r));
        (void)st.on_replace(*r, item.time);
      }
      if (const auto* s = std::get_if<StateNotice>(&a)) {
        st.note_sequence(w.append(item.time, *s));
        st.on_state(*s);
      }
      if (const auto* h = std::get_if<HedgeDecision>(&a)) st.note_sequence(w.append(item.time, *h));
      if (const auto* p = std::get_if<PnlDayOpen>(&a)) {
        st.note_sequence(w.append(item.time, *p));
        st.on_day_open(*p);
      }
      if (const auto* f = std::get_if<FillRepriced>(&a)) {
        st.note_sequence(w.append(item.time, *f));
        (void)st.on_fill_repriced(*f);
      }
      if (const auto* l = std::get_if<LimitsApplied>(&a)) {
        // The limit set itself comes from the control agent's mailbox; when a newer one has
        // already replaced it there, only the version is journaled (the newer one follows).
        const risk::RiskLimits limits = d_.limits_mailbox_.load();
        if (limits.version == l->version) {
          st.note_sequence(
              w.append_limit_change(item.time, l->version, journal::limits_bytes(limits)));
          st.on_limits(limits);
        } else {
          st.note_sequence(w.append_limit_change(item.time, l->version, {}));
        }
      }
    }

    // A snapshot of the recovery state every journal.snapshot_interval (and at a clean stop):
    // restart then replays only the records after it.
    bool maybe_snapshot(TimeNs now, bool force) {
      if (!force && (d_.config_.journal.snapshot_interval_ns <= 0 || now < next_snapshot_ns_)) {
        return false;
      }
      if (next_snapshot_ns_ == 0 && !force) {  // the first call only schedules
        next_snapshot_ns_ = now + d_.config_.journal.snapshot_interval_ns;
        return false;
      }
      next_snapshot_ns_ = now + d_.config_.journal.snapshot_interval_ns;
      const std::vector<std::byte> bytes = d_.journal_state_->encode();
      d_.journal_->append_snapshot(now, bytes);
      d_.journal_snapshots_.fetch_add(1, std::memory_order_relaxed);
      return true;
    }

    // After the writer failed: what the engine hands over is counted, not written.
    int discard() noexcept {
      int n = 0;
      JournalItem item;
      while (d_.journal_ring_.try_pop(item)) ++n;
      if (n > 0) {
        d_.journal_unwritten_.fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
      }
      return n;
    }

    Impl& d_;
    TimeNs next_stats_ns_ = 0;
    TimeNs next_snapshot_ns_ = 0;
    TimeNs next_space_check_ns_ = 0;
  };

  // Fits each surface-mode underlying's volatility surface from the latest option quotes, off
  // the engine thread, and publishes it through a seqlock for the engine agent to pick up.
  class SurfaceAgent final : public runtime::Agent {
   public:
    explicit SurfaceAgent(Impl& d) : d_(d) {}
    const char* name() const noexcept override { return "surface"; }

    int do_work(TimeNs now) override {
      if (now < next_fit_ns_) return 0;
      next_fit_ns_ = now + d_.config_.surface_refit_interval_ns;
      int fitted = 0;
      for (std::uint32_t u = 0; u < d_.surfaces_.size(); ++u) {
        if (d_.config_.engine.underlyings[u].vol_mode != VolMode::kSurface) continue;
        if (fit(u, now)) ++fitted;
      }
      return fitted;
    }

   private:
    bool fit(std::uint32_t u, TimeNs now) {
      const UnderlyingConfig& cfg = d_.config_.engine.underlyings[u];
      const venue::VenueQuote spot_quote = d_.venue_quotes_[cfg.spot_instrument]->load();
      if (spot_quote.seq == 0 || !(spot_quote.bid > 0.0)) return false;
      const double spot = 0.5 * (spot_quote.bid + spot_quote.ask);
      // Group the underlying's options by expiry: one smile per expiry.
      std::vector<TimeNs> expiries;
      for (const InstrumentSpec& spec : d_.config_.engine.instruments) {
        if (spec.kind == InstrumentKind::kOption && spec.underlying == cfg.spot_instrument &&
            spec.expiry_ns > now &&
            std::find(expiries.begin(), expiries.end(), spec.expiry_ns) == expiries.end()) {
          expiries.push_back(spec.expiry_ns);
        }
      }
      std::sort(expiries.begin(), expiries.end());
      std::vector<pricing::SmileSlice> slices;
      std::vector<pricing::SmilePoint> points;
      for (TimeNs expiry : expiries) {
        const double t = static_cast<double>(expiry - now) / 1e9 / kSecondsPerYear;
        const double forward = spot * std::exp((cfg.rate - cfg.dividend_yield) * t);
        points.clear();
        for (const InstrumentSpec& spec : d_.config_.engine.instruments) {
          if (spec.kind != InstrumentKind::kOption || spec.underlying != cfg.spot_instrument ||
              spec.expiry_ns != expiry) {
            continue;
          }
          const venue::VenueQuote q = d_.venue_quotes_[spec.id]->load();
          if (q.seq == 0 || !(q.bid > 0.0) || !(q.ask >= q.bid)) continue;
          const pricing::IvResult iv = pricing::implied_vol(
              0.5 * (q.bid + q.ask),
              {spot, spec.strike, cfg.rate, cfg.dividend_yield, 0.0, t, spec.right});
          if (iv.error != pricing::IvError::kNone) continue;
          points.push_back({std::log(spec.strike / forward), iv.vol, 1.0});
        }
        if (!points.empty()) slices.push_back(pricing::SmileSlice::from_quotes(points, t, forward));
      }
      if (slices.empty()) return false;
      d_.surfaces_[u]->store(pricing::VolSurface::from_slices(slices, cfg.vol));
      return true;
    }

    Impl& d_;
    TimeNs next_fit_ns_ = 0;
  };

  // Turns engine notices into log lines (formatting happens here, not on the engine thread)
  // and hands them to the observer.
  class ControlAgent final : public runtime::Agent {
   public:
    explicit ControlAgent(Impl& d) : d_(d) {}
    const char* name() const noexcept override { return "control"; }

    int do_work(TimeNs now) override {
      int work = 0;
      Action action;
      while (work < static_cast<int>(kBatch) && d_.notices_.try_pop(action)) {
        ++work;
        log(action);
        if (d_.observer_) d_.observer_(action);
      }
      if (d_.reload_requested_.exchange(false, std::memory_order_acq_rel)) {
        std::string reason;
        {
          std::lock_guard lock(d_.reload_mutex_);
          reason = d_.reload_reason_;
        }
        const admin::Reply outcome = d_.reload_limits(reason);
        limits_stamp_ = stamp_of(d_.config_.risk.limits_file);
        d_.reload_log_level(reason);
        d_.answer_reload_waiters(outcome);
        ++work;
      }
      if (now >= next_watch_ns_) {
        next_watch_ns_ = now + d_.config_.risk.watch_interval_ns;
        work += watch_files();
      }
      return work;
    }

   private:
    // The limits file (reloaded when it changes) and the kill-switch flag file.
    int watch_files() {
      int work = 0;
      const std::string& path = d_.config_.risk.limits_file;
      if (!path.empty()) {
        const FileStamp stamp = stamp_of(path);
        if (!first_watch_ && !(stamp == limits_stamp_)) {
          (void)d_.reload_limits("file changed");
          ++work;
        }
        limits_stamp_ = stamp;
      }
      first_watch_ = false;
      const std::string& flag = d_.current_limits_.kill_switch_file;
      const bool present = !flag.empty() && stamp_of(flag).exists;
      if (present != kill_flag_) {
        kill_flag_ = present;
        d_.command(present ? Command::kKillSwitchEngaged : Command::kKillSwitchReleased,
                   present ? "kill-switch file " + flag + " present"
                           : "kill-switch file " + flag + " removed");
        ++work;
      }
      return work;
    }

    void log(const Action& action) const {
      const auto& names = d_.underlying_names_;
      if (const auto* h = std::get_if<HedgeDecision>(&action)) {
        spdlog::info(
            "hedge {}: {} {} {} @ {:.2f} order={} spot={:.4f} option_delta={:.1f}sh position={} "
            "working={} band=±{:.0f}sh",
            names[h->underlying], to_string(h->side), h->qty, d_.hedge_symbols_[h->underlying],
            h->price, h->cl_ord_id, h->spot, h->portfolio_delta_shares, h->hedge_position,
            h->working_qty, h->band_delta_shares);
      } else if (const auto* f = std::get_if<FillNotice>(&action)) {
        spdlog::info(
            "fill {}: order={} {} {} @ {:.2f}{} position={} working={} net_delta={:.1f}sh",
            names[f->underlying], f->cl_ord_id, f->side == Side::kBuy ? "bought" : "sold",
            f->last_qty, f->last_px, f->order_complete ? " (complete)" : " (partial)",
            f->hedge_position, f->working_qty,
            f->portfolio_delta_shares +
                static_cast<double>(f->hedge_position + f->working_qty) * f->unit_delta_shares);
      } else if (const auto* o = std::get_if<OrderNotice>(&action)) {
        // An answer without Text (58) still says what is known rather than ending in ": ".
        const std::string why =
            !o->text.empty() ? log_safe(o->text.c_str())
            : o->outcome == OrderOutcome::kCanceled
                ? "no Text from the venue (a cancel we sent, or the venue's own)"
                : "no Text from the venue";
        spdlog::log(d_.stopping_.load(std::memory_order_acquire) ? spdlog::level::info
                                                                 : spdlog::level::warn,
                    "order {} {} ({}): {}", o->cl_ord_id, to_string(o->outcome),
                    names[o->underlying], why);
      } else if (const auto* s = std::get_if<StateNotice>(&action)) {
        // The stop's own halt is expected: info; every other change is worth a warning.
        const bool shutdown =
            std::string_view(s->cause.c_str()).rfind(recovery::kShutdownCausePrefix, 0) == 0;
        spdlog::log(shutdown ? spdlog::level::info : spdlog::level::warn,
                    "trading state of {}: {} -> {}: {}", scope_name(s->underlying),
                    to_string(s->from), to_string(s->to), s->cause.c_str());
      } else if (const auto* b = std::get_if<BreakerNotice>(&action)) {
        const char* breaker = risk::key(static_cast<risk::Breaker>(b->breaker));
        switch (b->kind) {
          case BreakerNotice::Kind::kTripped:
            // The stop's own halt and the session it closes trip breakers too: expected, info.
            spdlog::log(d_.stopping_.load(std::memory_order_acquire) ? spdlog::level::info
                                                                     : spdlog::level::err,
                        "breaker {} tripped ({}): {}", breaker, scope_name(b->underlying),
                        b->cause.c_str());
            break;
          case BreakerNotice::Kind::kReset:
            spdlog::info("breaker {} reset ({}): {}", breaker, scope_name(b->underlying),
                         b->cause.c_str());
            break;
          case BreakerNotice::Kind::kStillPresent:
            spdlog::warn("breaker {} stays tripped ({}): its condition is still present: {}",
                         breaker, scope_name(b->underlying), b->cause.c_str());
            break;
        }
      } else if (const auto* l = std::get_if<LimitNotice>(&action)) {
        const char* measure = risk::key(static_cast<risk::Measure>(l->measure));
        if (l->breached) {
          spdlog::warn("soft limit breached ({}): {} {:.6g} beyond {:.6g}",
                       scope_name(l->underlying), measure, l->value, l->limit);
        } else {
          spdlog::info("soft limit clear ({}): {} {:.6g} back within {:.6g}",
                       scope_name(l->underlying), measure, l->value, l->limit);
        }
      } else if (const auto* p = std::get_if<ParentDone>(&action)) {
        spdlog::info(
            "parent {} done: {} {}/{} {} avg {:.4f} vs arrival {:.4f}: slippage {:.2f} bp, "
            "shortfall {:.2f}, {} children",
            names[p->underlying], to_string(p->side), p->filled_qty, p->total_qty,
            d_.hedge_symbols_[p->underlying], p->average_price, p->arrival_price, p->slippage_bps,
            p->shortfall_currency, p->children);
      } else if (const auto* a = std::get_if<LimitsApplied>(&action)) {
        spdlog::info("limits v{} in force", a->version);
      } else if (const auto* rc = std::get_if<ReconcileNotice>(&action)) {
        spdlog::error(
            "reconciliation {}: order {} ({}) filled {} at the venue, {} in the journal; the "
            "venue's quantity is applied ({} units of differences since start{})",
            names[rc->underlying], rc->cl_ord_id, d_.symbols_[rc->instrument], rc->venue_cum_qty,
            rc->engine_cum_qty, rc->total_difference_qty,
            rc->halted ? ", beyond fix.reconcile_tolerance: the book halts" : "");
      } else if (const auto* oh = std::get_if<OptionHedgeDecision>(&action)) {
        spdlog::info(
            "option hedge {}: {} {} {} @ {:.4f} order={}: gamma {:.0f} -> {:.0f} per 1%, vega "
            "{:.0f} -> {:.0f} per vol point",
            names[oh->underlying], oh->contracts > 0 ? "buy" : "sell",
            oh->contracts > 0 ? oh->contracts : -oh->contracts, d_.symbols_[oh->instrument],
            oh->price, oh->cl_ord_id, oh->gamma_before, oh->gamma_after, oh->vega_before,
            oh->vega_after);
      } else if (const auto* fr = std::get_if<FillRepriced>(&action)) {
        spdlog::error(
            "implausible price {}: {} {} {} @ {:.6g} (ExecID {}{}); the quantity is applied, P&L "
            "and average cost use the reference {:.6g}",
            names[fr->underlying], fr->qty > 0 ? "bought" : "sold",
            fr->qty > 0 ? fr->qty : -fr->qty,
            d_.symbols_[fr->instrument < d_.symbols_.size() ? fr->instrument : 0], fr->reported_px,
            fr->exec_id.c_str(),
            fr->drop_copy ? ", drop copy" : fmt::format(", order {}", fr->cl_ord_id), fr->used_px);
      } else if (const auto* po = std::get_if<PnlDayOpen>(&action)) {
        spdlog::info("P&L of {}: day {} opens at a value of {:.2f}", names[po->underlying], po->day,
                     po->open_value);
      } else if (const auto* t = std::get_if<OptionTradeNotice>(&action)) {
        const std::string& symbol =
            d_.symbols_[t->instrument < d_.symbols_.size() ? t->instrument : 0];
        if (t->applied) {
          spdlog::info(
              "option fill {}{}: desk {} {} {} @ {:.4f}, position {}, option delta {:.1f}sh",
              t->from_hedge ? "(gamma/vega hedge) " : "", log_safe(t->exec_id.c_str()),
              t->qty > 0 ? "bought" : "sold", t->qty > 0 ? t->qty : -t->qty, symbol, t->price,
              t->position, t->portfolio_delta_shares);
        } else {
          spdlog::warn("option fill {} ignored ({} {}): {}", log_safe(t->exec_id.c_str()), t->qty,
                       symbol, log_safe(t->reason.c_str()));
        }
      }
    }

    std::string scope_name(std::uint32_t scope) const {
      return scope == kBookScope ? std::string("book")
                                 : "underlying " + d_.underlying_names_[scope];
    }

    Impl& d_;
    TimeNs next_watch_ns_ = 0;
    FileStamp limits_stamp_;
    bool first_watch_ = true;
    bool kill_flag_ = false;
  };

  config::DaemonConfig config_;
  NoticeObserver observer_;
  DaemonHooks hooks_;  // benchmark instrumentation; empty in production
  std::vector<std::string> symbols_;
  std::unordered_map<std::string, InstrumentId> id_by_symbol_;
  std::vector<std::string> underlying_names_;
  std::vector<std::string> hedge_symbols_;
  ConflatingBoard<Quote> quote_board_;          // options' quotes
  ConflatingBoard<Quote> underlying_board_;     // underlyings' and hedge instruments' quotes
  std::vector<std::uint8_t> underlying_quote_;  // InstrumentId -> 1: its quotes go to the above
  std::vector<std::unique_ptr<Seqlock<venue::VenueQuote>>> venue_quotes_;
  // Latest fitted surface per underlying (surface agent writes, engine agent reads).
  std::vector<std::unique_ptr<Seqlock<pricing::VolSurface>>> surfaces_;
  InboundQueue inbound_;
  SpscRing<OutboundOrder> orders_;
  SpscRing<JournalItem> journal_ring_;  // engine agent -> journal agent
  std::atomic<std::uint64_t> journal_dropped_{0};
  std::unique_ptr<journal::JournalWriter> journal_;
  // The journal agent's copy of the recovery state (made by open_journal, then its own).
  std::unique_ptr<recovery::JournalState> journal_state_;
  std::atomic<std::uint64_t> journal_snapshots_{0};
  // Write-ahead between the journal agent (writer) and the gateway agent (reader).
  alignas(64) std::atomic<std::uint64_t> journal_intents_written_{0};
  // Cut the gateway's and the journal agent's back-off sleeps short when there is work for them.
  runtime::Wakeup gateway_wakeup_;
  runtime::Wakeup journal_wakeup_;
  // The journal lost (lose_journal): the flag for the gateway's look before each order, the
  // cause under the mutex; orders refused since, and records the failed writer could not take.
  std::atomic<bool> journal_lost_{false};
  mutable std::mutex journal_cause_mutex_;
  std::string journal_cause_;
  std::atomic<std::uint64_t> journal_orders_not_sent_{0};
  std::atomic<std::uint64_t> journal_unwritten_{0};
  Seqlock<journal::WriterStats> journal_stats_;
  SpscRing<Action> notices_;
  Seqlock<EngineSnapshot> snapshot_;
  // Limits: the control agent validates, the engine agent applies (version change = new set).
  Seqlock<risk::RiskLimits> limits_mailbox_;
  config::LimitsConfig current_limits_;  // control agent only (after construction)
  std::mutex reload_mutex_;
  std::string reload_reason_;
  std::atomic<bool> reload_requested_{false};
  std::vector<std::function<void(admin::Reply)>> reload_waiters_;  // guarded by reload_mutex_
  std::atomic<std::uint64_t> reloads_applied_{0};
  std::atomic<std::uint64_t> reloads_rejected_{0};
  std::atomic<std::uint64_t> reloads_unchanged_{0};
  // Bumped by the engine thread (relaxed: a counter read at scrape time, orders nothing).
  std::atomic<std::uint64_t> notices_dropped_{0};
  Engine engine_;
  marketdata::SimFeed feed_;
  std::unique_ptr<fix::FixGateway> gateway_;
  std::unique_ptr<marketdata::FixMdFeed> md_feed_;  // market_data.source: fix
  std::unique_ptr<venue::VenueSimulator> venue_;
  std::unique_ptr<venue::OptionFlow> option_flow_;
  mutable std::mutex admin_mutex_;  // admin_ is read by scrapes on the metrics thread
  std::unique_ptr<admin::Server> admin_;
  bool admin_has_token_ = false;
  std::string log_level_ = config_.logging.level;  // control agent only
  std::array<std::atomic<std::uint64_t>, kTickLatencyBucketsSeconds.size() + 1>
      tick_to_order_counts_{};
  std::atomic<std::uint64_t> tick_to_order_sum_ns_{0};
  std::unique_ptr<marketdata::ReplayFeed> replay_;  // market_data.source: replay
  std::unique_ptr<fix::DropCopySession> drop_copy_;
  std::unique_ptr<metrics::MetricsServer> metrics_;
  MdAgent md_agent_;
  EngineAgent engine_agent_;
  GatewayAgent gateway_agent_;
  ControlAgent control_agent_;
  SurfaceAgent surface_agent_;
  JournalAgent journal_agent_;
  std::vector<std::unique_ptr<runtime::AgentRunner>> runners_;
  TimeNs start_time_ns_ = 0;
  bool started_ = false;
  bool stopped_ = false;
  std::atomic<bool> stopping_{false};  // set by stop(); read by the session callbacks
};

Daemon::Daemon(config::DaemonConfig config, NoticeObserver observer, DaemonHooks hooks)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(observer), hooks)) {}
Daemon::~Daemon() = default;
void Daemon::start() {
  impl_->start();
}
void Daemon::stop(const std::string& reason, int cancel_timeout_ms) {
  impl_->stop(reason, cancel_timeout_ms);
}
void Daemon::command(Command command, const std::string& reason) {
  impl_->command(command, reason);
}
void Daemon::request_reload(const std::string& reason) {
  impl_->request_reload(reason);
}
DaemonStatus Daemon::status() const {
  return impl_->status();
}
int Daemon::metrics_port() const {
  return impl_->metrics_port();
}
int Daemon::admin_port() const {
  return impl_->admin_port();
}
const config::DaemonConfig& Daemon::config() const noexcept {
  return impl_->config();
}

}  // namespace hedged::app
