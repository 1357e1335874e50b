// End-to-end latency and throughput of the live pipeline, in one process: a synthetic quote
// source in the market-data agent -> conflating board -> engine agent (re-pricing, risk, hedge
// policy, execution) -> gateway agent -> QuickFIX initiator -> FIX 4.4 over 127.0.0.1 -> the
// embedded venue simulator, and the journal agent when enabled. It is the real app::Daemon with
// a generated configuration; only the quote source (app::QuoteSource) and the timing probe
// (app::PipelineProbe) are the benchmark's.
//
// Reported per book size (and journal off/on):
//   tick-to-decision  quote source time -> the engine has handled that spot quote (re-priced the
//                     book, checked risk, decided whether to hedge, routed the orders); every
//                     spot quote the engine takes is one sample, and separately the quotes that
//                     produced an order;
//   tick-to-wire      quote source time -> the child order it caused handed to QuickFIX (send
//                     returned: the message is on the socket);
//   p50/p99/p99.9 from raw samples kept in preallocated buffers; quotes/s published and taken;
//   the conflation ratio (published / taken); stale quotes used (a quote older than one the
//   engine already took for the same instrument, or a final value never delivered: both must be
//   0); heap allocations made on the engine's thread during the measured window; the engine's
//   own time per spot quote (taken -> handled) and the share of its core it got (on a shared
//   machine the spinning engine can be preempted, which no tick-path change can fix); peak RSS
//   (VmHWM) of the whole process (config parse, embedded venue, these buffers) and of the daemon
//   alone (from its construction on, buffers excluded).
//
// Each case runs in a child process of its own, so its peak RSS is its own.
//
//   e2e_bench [--rate QUOTES_PER_S] [--duration S] [--warmup S] [--books 100,1000,10000]
//             [--journal off|on|both] [--idle spin|backoff] [--io-idle spin|backoff]
//             [--pin|--no-pin] [--spot-every N] [--ring-capacity SLOTS] [--json FILE]
//
// Defaults: 2,000,000 quotes/s, 1 in 16 the underlying's, 5 s after 1 s of warm-up, every book
// size, journal off and on, the engine spinning (engine.idle_strategy: spin) and the gateway and
// market-data agents backing off (engine.io_idle_strategy: backoff), pinned, rings of 8,192.
// --pin puts every thread of the process on CPU 0 and the engine agent alone on CPU 1
// (engine.engine_cpu: 1). Run it in Release (make bench).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "daemon/app/daemon.hpp"
#include "daemon/config/config.hpp"
#include "daemon/runtime/agent.hpp"
// Every allocation of this binary is counted, also per thread (t_allocations): the engine
// thread's count over the measured window is exact whatever QuickFIX and the venue do.
#include "tests/support/allocation_counter.hpp"

namespace {

using hedged::InstrumentId;
using hedged::NewChildOrder;
using hedged::Quote;
using hedged::TimeNs;
using Clock = std::chrono::steady_clock;

struct Options {
  double rate = 2'000'000;  // quotes per second offered by the source
  double duration_s = 5.0;  // measured window
  double warmup_s = 1.0;    // after FIX logon, before measuring
  std::vector<int> books = {100, 1000, 10000};
  std::vector<bool> journal = {false, true};
  bool spin = true;      // engine.idle_strategy
  bool io_spin = false;  // engine.io_idle_strategy: the gateway and market-data agents
  bool pin = true;
  int spot_every = 16;  // one quote in this many is the underlying's; the rest are options
  // engine.ring_capacity: slots per inter-agent ring (the daemon's default, 8192).
  int ring_capacity = 8192;
  std::string json_path;
};

// The generated book: one underlying, E2E (hedged in itself), and `count` European options on a
// grid of expiries and log-spaced strikes, calls and puts, mostly short so the hedger trades.
std::string book_config(int count, int fix_port, const std::string& dictionary,
                        const std::string& limits_file, bool spin, bool io_spin, bool pin,
                        int ring_capacity, bool journal, const std::string& journal_dir) {
  const int expiries = count >= 1000 ? 10 : 5;
  const int strikes = std::max(1, count / (2 * expiries));
  std::ostringstream s;
  s << "engine:\n  idle_strategy: " << (spin ? "spin" : "backoff") << "\n";
  s << "  io_idle_strategy: " << (io_spin ? "spin" : "backoff") << "\n";
  if (pin) s << "  engine_cpu: 1\n";
  s << "  ring_capacity: " << ring_capacity << "\n";
  s << "  timer_interval: 50ms\n  max_working_orders: 64\n"
       "market_data:\n  source: simulator\n  seed: 7\n  tick_interval: 1s\n"
       "underlyings:\n"
       "  - symbol: E2E\n    tick_size: 0.01\n    lot_size: 1\n    rate: 0.03\n    vol: 0.25\n"
       "    simulator: {initial_spot: 100.0, vol: 0.2, spread_bps: 2, min_size: 100000, "
       "max_size: 200000}\n"
       "    hedge: {band_delta_shares: 200, order_timeout: 500ms, min_order_interval: 2ms}\n"
       "book:\n";
  int made = 0;
  for (int e = 0; e < expiries && made < count; ++e) {
    const int days = 7 + e * 30;
    for (int k = 0; k < strikes && made < count; ++k) {
      // Log-spaced from 0.6x to 1.6x of the spot, on a 0.05 grid.
      const double x = std::log(0.6) + (std::log(1.6) - std::log(0.6)) * (k + 0.5) / strikes;
      const double strike = std::round(100.0 * std::exp(x) / 0.05) * 0.05;
      for (const char* right : {"call", "put"}) {
        if (made >= count) break;
        const int quantity = -1 - (made * 7919) % 9;  // -1..-9 contracts, deterministic
        char line[160];
        std::snprintf(line, sizeof line,
                      "  - {underlying: E2E, right: %s, strike: %.2f, expiry: %dd, quantity: %d, "
                      "multiplier: 100}\n",
                      right, strike, days, quantity);
        s << line;
        ++made;
      }
    }
  }
  s << "fix:\n  port: " << fix_port << "\n  data_dictionary: " << dictionary
    << "\n"
       "venue:\n  embedded: true\n  match_interval: 5ms\n"
       "metrics:\n  enabled: false\n"
       "admin:\n  enabled: false\n"
       "logging:\n  level: warn\n"
       "risk:\n  limits_file: "
    << limits_file << "\n";
  if (journal) s << "journal:\n  enabled: true\n  dir: " << journal_dir << "\n";
  return s.str();
}

const char* kLimits =
    "underlyings:\n"
    "  default:\n"
    "    delta_shares: {soft: 10000000, hard: 20000000}\n"
    "    hedge_position_units: {soft: 10000000, hard: 20000000}\n"
    "    pre_trade:\n"
    "      max_order_qty_units: 100000\n"
    "      max_order_notional: 100000000\n"
    "      price_band_pct: 5\n"
    "      max_orders_per_second: 5000\n"
    "      max_order_burst: 5000\n"
    "      max_cancels_per_second: 5000\n"
    "      max_cancel_burst: 5000\n"
    "      max_working_orders: 64\n"
    "      max_position_units: 100000000\n"
    "book:\n"
    "  delta_notional: {soft: 100000000000, hard: 200000000000}\n"
    "  gamma_notional_per_pct: {soft: 100000000000, hard: 200000000000}\n"
    "  vega_per_vol_point: {soft: 100000000000, hard: 200000000000}\n"
    "  theta_per_day: {soft: 100000000000, hard: 200000000000}\n"
    "  daily_loss_currency: {soft: 100000000000, hard: 200000000000}\n"
    "breakers:\n"
    "  price_jump: {max_move_pct: 50, window: 10s, action: halt, reset: manual}\n"
    // Cancels racing fills are answered with rejects; at hundreds of orders a second that is
    // not a storm.
    "  reject_storm: {max_rejects: 1024, window: 1s, action: halt, reset: manual}\n";

// Publishes quotes at a fixed rate on the market-data agent's thread: every spot_every-th quote
// is the underlying's (a mean-reverting random walk of one tick), the others cycle through the
// options. seq counts every quote of the feed; the last seq per instrument is kept to check that
// the engine ends up with every instrument's final value.
class SyntheticSource final : public hedged::app::QuoteSource {
 public:
  SyntheticSource(std::size_t instruments, InstrumentId spot, double rate, int spot_every)
      : last_seq_(instruments, 0), spot_(spot), rate_(rate), spot_every_(spot_every) {
    for (std::size_t i = 0; i < instruments; ++i) {
      if (i != spot) options_.push_back(static_cast<InstrumentId>(i));
    }
  }

  int do_work(TimeNs now, hedged::marketdata::QuoteSink& sink) noexcept override {
    if (!running_.load(std::memory_order_acquire)) {
      if (started_ && !stopped_.load(std::memory_order_relaxed)) {
        stopped_.store(true, std::memory_order_release);
      }
      return 0;
    }
    if (!started_) {
      started_ = true;
      start_ns_ = now;
    }
    const double due = static_cast<double>(now - start_ns_) * 1e-9 * rate_;
    int published = 0;
    // Bounded per call so the agent loop stays responsive; a stall is caught up in bursts.
    while (published < 4096 && static_cast<double>(sent_) < due) {
      Quote q;
      q.seq = ++seq_;
      if (sent_ % static_cast<std::uint64_t>(spot_every_) == 0) {
        step_spot();
        q.instrument = spot_;
        q.bid = mid_ticks_ * 0.01 - 0.01;
        q.ask = mid_ticks_ * 0.01 + 0.01;
        q.bid_size = q.ask_size = 100000;
        // The spot's own clock reading: its latency is what is measured.
        q.source_ns = hedged::runtime::wall_clock_ns();
      } else {
        q.instrument = options_[next_option_];
        next_option_ = next_option_ + 1 == options_.size() ? 0 : next_option_ + 1;
        const double wiggle = static_cast<double>(seq_ & 7) * 0.01;
        q.bid = 1.00 + wiggle;
        q.ask = 1.10 + wiggle;
        q.bid_size = q.ask_size = 50;
        q.source_ns = now;
      }
      sink.on_quote(q);
      last_seq_[q.instrument] = q.seq;
      ++sent_;
      ++published;
    }
    published_.store(sent_, std::memory_order_relaxed);
    return published;
  }

  void stop() noexcept { running_.store(false, std::memory_order_release); }
  [[nodiscard]] bool stopped() const noexcept { return stopped_.load(std::memory_order_acquire); }
  [[nodiscard]] std::uint64_t published() const noexcept {
    return published_.load(std::memory_order_relaxed);
  }
  // Valid once stopped().
  [[nodiscard]] const std::vector<std::uint64_t>& last_seq() const noexcept { return last_seq_; }

 private:
  void step_spot() noexcept {
    rng_ = rng_ * 6364136223846793005ULL + 1442695040888963407ULL;
    const bool up = (rng_ >> 33) & 1;
    // Pulled back towards 100.00 beyond +-2.00.
    if (mid_ticks_ > 10200) {
      mid_ticks_ -= 1;
    } else if (mid_ticks_ < 9800) {
      mid_ticks_ += 1;
    } else {
      mid_ticks_ += up ? 1 : -1;
    }
  }

  std::vector<std::uint64_t> last_seq_;
  std::vector<InstrumentId> options_;
  InstrumentId spot_;
  double rate_;
  int spot_every_;
  std::size_t next_option_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t sent_ = 0;
  std::int64_t mid_ticks_ = 10000;
  std::uint64_t rng_ = 0x9E3779B97F4A7C15ULL;
  TimeNs start_ns_ = 0;
  bool started_ = false;
  std::atomic<bool> running_{true};
  std::atomic<bool> stopped_{false};
  std::atomic<std::uint64_t> published_{0};
};

// Raw samples in buffers allocated (and touched) before the run; each buffer has one writer
// thread, and the main thread reads them only after the daemon has stopped (joined) its agents.
class Probe final : public hedged::app::PipelineProbe {
 public:
  static constexpr std::size_t kMaxSamples = 1 << 20;

  Probe(std::size_t instruments, InstrumentId spot)
      : last_seq_(instruments, 0),
        decision_(kMaxSamples, 0),
        decision_orders_(kMaxSamples, 0),
        wire_(kMaxSamples, 0),
        service_(kMaxSamples, 0),
        gateway_(kMaxSamples, 0),
        spot_(spot) {}

  void on_quote_handled(const Quote& quote, TimeNs picked_ns, TimeNs done_ns,
                        int orders) noexcept override {
    if (tid_ == 0) {
      tid_ = static_cast<int>(::gettid());
      engine_tid_.store(tid_, std::memory_order_relaxed);
    }
    // Relaxed, single writer: the main thread only watches it stop moving.
    handled_.store(handled_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    std::uint64_t& last = last_seq_[quote.instrument];
    if (quote.seq < last) ++stale_;
    last = std::max(last, quote.seq);
    if (!measuring_.load(std::memory_order_relaxed)) return;
    if (!window_open_) {
      window_open_ = true;
      allocs_at_open_ = t_allocations;
    }
    allocs_latest_ = t_allocations;
    ++taken_;
    if (quote.instrument != spot_) return;
    const TimeNs latency = done_ns - quote.source_ns;
    if (n_decision_ < kMaxSamples) {
      service_[n_decision_] = done_ns - picked_ns;
      decision_[n_decision_++] = latency;
    }
    if (orders > 0 && n_decision_orders_ < kMaxSamples) {
      decision_orders_[n_decision_orders_++] = latency;
    }
  }

  void on_order_sent(const NewChildOrder& order, TimeNs sent_ns) noexcept override {
    if (!measuring_.load(std::memory_order_relaxed)) return;
    if (n_wire_ < kMaxSamples) {
      // decision_ns is when the engine took the quote: this is the gateway's share (ring, idle
      // wake-up, QuickFIX send) plus the engine's own time on that quote.
      gateway_[n_wire_] = sent_ns - order.decision_ns;
      wire_[n_wire_++] = sent_ns - order.quote_source_ns;
    }
  }

  void set_measuring(bool on) noexcept { measuring_.store(on, std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t handled() const noexcept {
    return handled_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] int engine_tid() const noexcept {
    return engine_tid_.load(std::memory_order_relaxed);
  }

  // Read after the daemon stopped.
  std::vector<std::uint64_t> last_seq_;
  std::vector<TimeNs> decision_;
  std::vector<TimeNs> decision_orders_;
  std::vector<TimeNs> wire_;
  std::vector<TimeNs> service_;  // the engine's own time on each spot quote: taken -> handled
  std::vector<TimeNs> gateway_;  // per order: the engine took its quote -> handed to QuickFIX
  std::size_t n_decision_ = 0;
  std::size_t n_decision_orders_ = 0;
  std::size_t n_wire_ = 0;
  std::uint64_t stale_ = 0;
  std::uint64_t taken_ = 0;
  std::uint64_t allocs_at_open_ = 0;
  std::uint64_t allocs_latest_ = 0;
  bool window_open_ = false;

 private:
  InstrumentId spot_;
  int tid_ = 0;
  std::atomic<bool> measuring_{false};
  std::atomic<std::uint64_t> handled_{0};
  std::atomic<int> engine_tid_{0};
};

struct Percentiles {
  std::size_t n = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
};

Percentiles percentiles(std::vector<TimeNs> v, std::size_t n) {
  Percentiles p;
  v.resize(n);
  p.n = n;
  if (n == 0) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    const std::size_t i = std::min(n - 1, static_cast<std::size_t>(std::ceil(q * n)) - 1);
    return static_cast<double>(v[i]) * 1e-3;
  };
  p.p50_us = at(0.50);
  p.p99_us = at(0.99);
  p.p999_us = at(0.999);
  p.max_us = static_cast<double>(v[n - 1]) * 1e-3;
  return p;
}

struct CaseResult {
  int book = 0;
  bool journal = false;
  Percentiles decision, decision_orders, wire, service, taken_to_wire;
  double engine_cpu_pct = 0;  // the engine thread's CPU time over the window / its length
  double offered_per_s = 0, published_per_s = 0, taken_per_s = 0, conflation = 0;
  std::uint64_t stale = 0, final_missing = 0, engine_allocs = 0;
  double peak_rss_mb = 0, buffers_mb = 0;
  double daemon_peak_rss_mb = 0;  // from the daemon's construction on, sample buffers excluded
  double rss_loaded_mb = 0;       // after the configuration is loaded, before the daemon exists
  double rss_running_mb = 0;      // at the end of the measured window
  std::uint64_t exported_decisions = 0;  // hedged_tick_to_decision_seconds count
  std::string error;
};

// CPU time (user + system) a thread of this process has had so far, seconds; 0 if unknown.
double thread_cpu_seconds(int tid) {
  if (tid <= 0) return 0.0;
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t close = text.rfind(')');  // the name may hold spaces
  if (close == std::string::npos) return 0.0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0.0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::strtod(field.c_str(), nullptr);  // utime, stime
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// "VmHWM" (peak resident set) or "VmRSS" (now) of this process, MB.
double status_mb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(key) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) {
      return std::strtod(line.c_str() + prefix.size(), nullptr) / 1024.0;
    }
  }
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

int free_port() {
  // A port the kernel hands out now; the embedded venue binds it a moment later.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("no free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

CaseResult run_case(const Options& o, int book, bool journal) {
  CaseResult r;
  r.book = book;
  r.journal = journal;
  if (o.pin) {
    // Every thread made from here on starts on CPU 0; the engine agent moves itself to CPU 1.
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) throw std::runtime_error("sched_setaffinity");
  }
  const std::filesystem::path dir =
      std::filesystem::path(HEDGED_BINARY_DIR) / ("e2e-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / "limits.yaml") << kLimits; }
  const std::string text =
      book_config(book, free_port(), std::string(HEDGED_SOURCE_DIR) + "/config/fix/FIX44.xml",
                  (dir / "limits.yaml").string(), o.spin, o.io_spin, o.pin, o.ring_capacity,
                  journal, (dir / "journal").string());
  auto loaded = hedged::config::load_text(text, "e2e-bench.yaml", dir.string(),
                                          hedged::runtime::wall_clock_ns());
  if (!loaded.config) throw std::runtime_error(loaded.error);
  const std::size_t instruments = loaded.config->engine.instruments.size();
  const InstrumentId spot = loaded.config->engine.underlyings.at(0).spot_instrument;

  SyntheticSource source(instruments, spot, o.rate, o.spot_every);
  Probe probe(instruments, spot);
  r.rss_loaded_mb = status_mb("VmRSS");
  // From here the peak is the daemon's (plus the sample buffers): the configuration's parse
  // (yaml-cpp's node tree, ~7 KB per book line) is over, its memory given back, and the kernel's
  // high-water mark reset ("5" > clear_refs, Linux 4.0+).
  r.peak_rss_mb = status_mb("VmHWM");
  malloc_trim(0);
  {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
  }
  r.buffers_mb = 5.0 * Probe::kMaxSamples * sizeof(TimeNs) / (1024.0 * 1024.0);
  {
    hedged::app::Daemon daemon(*loaded.config, {}, {&source, &probe});
    daemon.start();
    const auto logon_deadline = Clock::now() + std::chrono::seconds(15);
    while (!daemon.status().fix_logged_on && Clock::now() < logon_deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!daemon.status().fix_logged_on) r.error = "no FIX logon";
    std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup_s));
    const std::uint64_t exported_before = daemon.status().engine.tick_to_decision.count;
    const std::uint64_t published_before = source.published();
    const double engine_cpu_before = thread_cpu_seconds(probe.engine_tid());
    probe.set_measuring(true);
    const auto t0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(o.duration_s));
    probe.set_measuring(false);
    r.rss_running_mb = status_mb("VmRSS");
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    r.engine_cpu_pct =
        100.0 * (thread_cpu_seconds(probe.engine_tid()) - engine_cpu_before) / seconds;
    const std::uint64_t published = source.published() - published_before;
    source.stop();
    while (!source.stopped()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    // Let the engine take what is left on the boards (until it has taken nothing new for 300 ms,
    // at most 10 s: on a loaded machine it may be off its core for a while), then stop the
    // daemon, which joins the agents.
    {
      const auto give_up = Clock::now() + std::chrono::seconds(10);
      std::uint64_t seen = probe.handled();
      auto quiet_since = Clock::now();
      while (Clock::now() < give_up &&
             Clock::now() - quiet_since < std::chrono::milliseconds(300)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        const std::uint64_t now_handled = probe.handled();
        if (now_handled != seen) {
          seen = now_handled;
          quiet_since = Clock::now();
        }
      }
    }
    const hedged::app::DaemonStatus status = daemon.status();
    r.exported_decisions = status.engine.tick_to_decision.count - exported_before;
    if (!status.failure.empty()) r.error = status.failure;
    if (status.engine.state != hedged::TradingState::kActive) {
      r.error += std::string(r.error.empty() ? "" : "; ") +
                 "trading state left Active: " + status.engine.state_cause.c_str();
    }
    daemon.stop("benchmark finished", 500);
    r.offered_per_s = o.rate;
    r.published_per_s = static_cast<double>(published) / seconds;
    r.taken_per_s = static_cast<double>(probe.taken_) / seconds;
    r.conflation = probe.taken_ > 0 ? static_cast<double>(published) / probe.taken_ : 0.0;
  }
  const double hwm_mb = status_mb("VmHWM");
  r.peak_rss_mb = std::max(r.peak_rss_mb, hwm_mb);
  r.daemon_peak_rss_mb = hwm_mb - r.buffers_mb;
  r.stale = probe.stale_;
  for (std::size_t i = 0; i < instruments; ++i) {
    if (source.last_seq()[i] != probe.last_seq_[i]) ++r.final_missing;
  }
  r.engine_allocs = probe.allocs_latest_ - probe.allocs_at_open_;
  r.decision = percentiles(probe.decision_, probe.n_decision_);
  r.decision_orders = percentiles(probe.decision_orders_, probe.n_decision_orders_);
  r.wire = percentiles(probe.wire_, probe.n_wire_);
  r.service = percentiles(probe.service_, probe.n_decision_);
  r.taken_to_wire = percentiles(probe.gateway_, probe.n_wire_);
  std::filesystem::remove_all(dir);
  return r;
}

std::string to_json(const CaseResult& r) {
  auto pct = [](const Percentiles& p) {
    char b[256];
    std::snprintf(b, sizeof b,
                  "{\"samples\":%zu,\"p50_us\":%.2f,\"p99_us\":%.2f,\"p99_9_us\":%.2f,"
                  "\"max_us\":%.2f}",
                  p.n, p.p50_us, p.p99_us, p.p999_us, p.max_us);
    return std::string(b);
  };
  std::ostringstream s;
  char b[640];
  std::snprintf(b, sizeof b,
                "{\"book_options\":%d,\"journal\":%s,\"offered_quotes_per_s\":%.0f,"
                "\"published_quotes_per_s\":%.0f,\"engine_quotes_per_s\":%.0f,"
                "\"conflation_ratio\":%.2f,\"stale_quotes_used\":%llu,"
                "\"final_values_missed\":%llu,\"engine_thread_allocations\":%llu,"
                "\"peak_rss_mb\":%.1f,\"daemon_peak_rss_mb\":%.1f,\"rss_before_daemon_mb\":%.1f,"
                "\"rss_running_mb\":%.1f,"
                "\"sample_buffers_mb\":%.1f,"
                "\"exported_tick_to_decision_count\":%llu,\"engine_thread_cpu_pct\":%.0f,",
                r.book, r.journal ? "true" : "false", r.offered_per_s, r.published_per_s,
                r.taken_per_s, r.conflation, static_cast<unsigned long long>(r.stale),
                static_cast<unsigned long long>(r.final_missing),
                static_cast<unsigned long long>(r.engine_allocs), r.peak_rss_mb,
                r.daemon_peak_rss_mb, r.rss_loaded_mb, r.rss_running_mb, r.buffers_mb,
                static_cast<unsigned long long>(r.exported_decisions), r.engine_cpu_pct);
  s << b << "\"tick_to_decision\":" << pct(r.decision)
    << ",\"tick_to_decision_with_order\":" << pct(r.decision_orders)
    << ",\"tick_to_wire\":" << pct(r.wire) << ",\"engine_service\":" << pct(r.service)
    << ",\"quote_taken_to_wire\":" << pct(r.taken_to_wire) << ",\"error\":\"";
  for (char c : r.error) s << (c == '"' || c == '\\' ? ' ' : c);
  s << "\"}";
  return s.str();
}

// The child's result travels to the parent as one JSON line; the parent parses the few numbers
// it prints back out of it.
double json_number(const std::string& json, const std::string& path) {
  std::size_t at = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    const std::string key = "\"" + path.substr(start, dot - start) + "\":";
    at = json.find(key, at);
    if (at == std::string::npos) return NAN;
    at += key.size();
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return std::strtod(json.c_str() + at, nullptr);
}

std::vector<int> parse_books(const std::string& text) {
  std::vector<int> out;
  std::stringstream s(text);
  std::string item;
  while (std::getline(s, item, ',')) out.push_back(std::stoi(item));
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--rate") {
      o.rate = std::stod(next());
    } else if (a == "--duration") {
      o.duration_s = std::stod(next());
    } else if (a == "--warmup") {
      o.warmup_s = std::stod(next());
    } else if (a == "--books") {
      o.books = parse_books(next());
    } else if (a == "--journal") {
      const std::string v = next();
      if (v == "off") {
        o.journal = {false};
      } else if (v == "on") {
        o.journal = {true};
      } else if (v == "both") {
        o.journal = {false, true};
      } else {
        throw std::runtime_error("--journal off|on|both");
      }
    } else if (a == "--idle") {
      const std::string v = next();
      if (v != "spin" && v != "backoff") throw std::runtime_error("--idle spin|backoff");
      o.spin = v == "spin";
    } else if (a == "--io-idle") {
      const std::string v = next();
      if (v != "spin" && v != "backoff") throw std::runtime_error("--io-idle spin|backoff");
      o.io_spin = v == "spin";
    } else if (a == "--pin") {
      o.pin = true;
    } else if (a == "--no-pin") {
      o.pin = false;
    } else if (a == "--ring-capacity") {
      o.ring_capacity = std::stoi(next());
    } else if (a == "--spot-every") {
      o.spot_every = std::max(1, std::stoi(next()));
    } else if (a == "--json") {
      o.json_path = next();
    } else {
      throw std::runtime_error("unknown option " + a + " (see the header of e2e_bench.cpp)");
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "e2e_bench: %s\n", e.what());
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  std::printf(
      "e2e_bench: %.0f quotes/s offered (1 in %d the underlying's), %.1f s measured after %.1f s "
      "warm-up, engine %s, gateway and market data %s, rings of %d, %s\n",
      o.rate, o.spot_every, o.duration_s, o.warmup_s, o.spin ? "spins" : "backs off",
      o.io_spin ? "spin" : "back off", o.ring_capacity,
      o.pin ? "engine pinned to CPU 1, all other threads on CPU 0" : "no pinning");
  std::fflush(stdout);
  std::vector<std::string> results;
  for (const int book : o.books) {
    for (const bool journal : o.journal) {
      int fds[2];
      if (::pipe(fds) != 0) return 1;
      const pid_t child = ::fork();
      if (child == 0) {
        ::close(fds[0]);
        std::string line;
        try {
          line = to_json(run_case(o, book, journal));
        } catch (const std::exception& e) {
          CaseResult r;
          r.book = book;
          r.journal = journal;
          r.error = e.what();
          line = to_json(r);
        }
        line += "\n";
        [[maybe_unused]] const ssize_t n = ::write(fds[1], line.data(), line.size());
        ::close(fds[1]);
        std::fflush(nullptr);
        ::_exit(0);
      }
      ::close(fds[1]);
      std::string line;
      char buf[4096];
      ssize_t n = 0;
      while ((n = ::read(fds[0], buf, sizeof buf)) > 0)
        line.append(buf, static_cast<std::size_t>(n));
      ::close(fds[0]);
      int status = 0;
      ::waitpid(child, &status, 0);
      if (!line.empty() && line.back() == '\n') line.pop_back();
      if (line.empty())
        line =
            "{\"book_options\":" + std::to_string(book) + ",\"error\":\"the case's process died\"}";
      results.push_back(line);
    }
  }

  std::printf("\n%7s %7s | %-26s | %-17s | %-26s | %-26s | %9s %9s %6s %4s | %5s %6s %7s %7s\n",
              "options", "journal", "tick-to-decision us", "engine itself us",
              "  ...that made an order us", "tick-to-wire us", "quotes/s", "engine/s", "confl",
              "eng", "stale", "allocs", "RSS MB", "");
  std::printf(
      "%7s %7s | %8s %8s %8s | %8s %8s | %8s %8s %8s | %8s %8s %8s | %9s %9s %6s %4s | %5s %6s %7s "
      "%7s\n",
      "", "", "p50", "p99", "p99.9", "p50", "p99", "p50", "p99", "p99.9", "p50", "p99", "p99.9",
      "in", "taken", "ratio", "CPU%", "", "", "peak", "daemon");
  for (const std::string& j : results) {
    auto v = [&](const char* path) { return json_number(j, path); };
    std::printf(
        "%7.0f %7s | %8.1f %8.1f %8.1f | %8.1f %8.1f | %8.1f %8.1f %8.1f | %8.1f %8.1f %8.1f | "
        "%9.0f %9.0f %6.1f %4.0f | %5.0f %6.0f %7.1f %7.1f\n",
        v("book_options"), j.find("\"journal\":true") != std::string::npos ? "on" : "off",
        v("tick_to_decision.p50_us"), v("tick_to_decision.p99_us"), v("tick_to_decision.p99_9_us"),
        v("engine_service.p50_us"), v("engine_service.p99_us"),
        v("tick_to_decision_with_order.p50_us"), v("tick_to_decision_with_order.p99_us"),
        v("tick_to_decision_with_order.p99_9_us"), v("tick_to_wire.p50_us"),
        v("tick_to_wire.p99_us"), v("tick_to_wire.p99_9_us"), v("published_quotes_per_s"),
        v("engine_quotes_per_s"), v("conflation_ratio"), v("engine_thread_cpu_pct"),
        v("stale_quotes_used") + v("final_values_missed"), v("engine_thread_allocations"),
        v("peak_rss_mb"), v("daemon_peak_rss_mb"));
    const std::size_t e = j.find("\"error\":\"");
    if (e != std::string::npos && j.compare(e + 9, 1, "\"") != 0) {
      std::printf("        error: %s\n", j.substr(e + 9, j.size() - e - 11).c_str());
    }
  }
  std::printf(
      "samples: tick-to-decision = every spot quote the engine took; tick-to-wire = every child "
      "order sent;\nstale = quotes used older than one already used + final values never "
      "delivered; allocs = engine thread, measured window;\nRSS peak: the whole process (config "
      "parse, embedded venue, %.0f MB of sample buffers); daemon: from its construction on, "
      "without the buffers.\n",
      5.0 * Probe::kMaxSamples * sizeof(TimeNs) / (1024.0 * 1024.0));
  if (!o.json_path.empty()) {
    std::ofstream out(o.json_path);
    out << "{\"rate\":" << o.rate << ",\"duration_s\":" << o.duration_s << ",\"idle\":\""
        << (o.spin ? "spin" : "backoff") << "\",\"io_idle\":\"" << (o.io_spin ? "spin" : "backoff")
        << "\",\"pinned\":" << (o.pin ? "true" : "false") << ",\"spot_every\":" << o.spot_every
        << ",\"ring_capacity\":" << o.ring_capacity << ",\"cases\":[";
    for (std::size_t i = 0; i < results.size(); ++i) out << (i ? "," : "") << results[i];
    out << "]}\n";
    std::printf("wrote %s\n", o.json_path.c_str());
  }
  return 0;
}
