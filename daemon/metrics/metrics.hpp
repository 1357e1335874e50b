// Prometheus exposition. Values are read at scrape time from the engine's published snapshot
// and from adapter counters (prometheus-cpp Collectable); nothing on the tick path touches
// prometheus-cpp. Collect() runs on the HTTP server's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <prometheus/collectable.h>

#include "daemon/admin/http_server.hpp"

#include "adapters/fix/drop_copy.hpp"
#include "adapters/journal/writer.hpp"
#include "adapters/marketdata/fix_md_feed.hpp"
#include "adapters/marketdata/replay_feed.hpp"
#include "core/engine/engine.hpp"

namespace hedged::metrics {

// Everything one scrape reports, gathered by the daemon.
struct ScrapeInputs {
  EngineSnapshot engine;
  std::vector<std::string> underlyings;        // names, by underlying index
  std::vector<std::string> hedge_instruments;  // symbols, by underlying index
  std::string fix_session;
  bool fix_logged_on = false;
  std::uint64_t fix_messages_rejected = 0;
  std::uint64_t fix_resends_suppressed = 0;
  std::uint64_t fix_session_rejects = 0;
  std::uint64_t fix_reports_refused = 0;
  std::uint64_t quotes_published = 0;
  std::uint64_t quotes_conflated = 0;
  std::uint64_t notices_dropped = 0;
  double start_time_seconds = 0.0;
  std::uint64_t reloads_applied = 0;      // limit sets handed to the engine
  std::uint64_t reloads_rejected = 0;     // files with an error: the running limits stayed
  std::uint64_t reloads_unchanged = 0;    // valid files with nothing new
  std::optional<http::Stats> admin_http;  // the admin API's connections, when it is enabled
  bool md_fix = false;                    // market data from a FIX session
  marketdata::FixMdStats md;
  TimeNs now_ns = 0;                   // wall clock at the scrape (quote ages)
  TickLatencyHistogram tick_to_order;  // quote source -> the order handed to QuickFIX
  bool journal = false;                // the journal is enabled
  journal::WriterStats journal_stats;
  std::uint64_t journal_dropped = 0;    // records the engine could not hand to the journal agent
  std::uint64_t journal_snapshots = 0;  // recovery-state snapshots written
  bool journal_lost = false;            // trading halted: the journal cannot be written
  std::uint64_t journal_orders_not_sent = 0;  // orders and replaces refused: intent not written
  std::uint64_t journal_unwritten = 0;        // records dropped after the writer failed
  bool md_replay = false;                     // market data from a replayed quote tape
  marketdata::ReplayStats replay;
  bool drop_copy = false;  // the drop-copy session is enabled
  fix::DropCopyStats dc;
};

// Appends the connection outcomes of one HTTP listener to hedged_http_requests_total.
void add_http(std::vector<prometheus::MetricFamily>& out, const char* listener,
              const http::Stats& stats);

class ScrapeSource {
 public:
  virtual ~ScrapeSource() = default;
  virtual void read(ScrapeInputs& out) const = 0;  // must be thread-safe
};

class EngineCollector final : public prometheus::Collectable {
 public:
  EngineCollector(const ScrapeSource& source, std::string version)
      : source_(source), version_(std::move(version)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const ScrapeSource& source_;
  std::string version_;
};

// Owns the HTTP endpoint (GET /metrics; http::Server, the admin API's server: many connections,
// each with its own deadlines). Throws std::runtime_error when the address cannot be bound.
class MetricsServer {
 public:
  MetricsServer(const std::string& listen, const ScrapeSource& source, std::string version);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  [[nodiscard]] std::vector<int> ports() const;
  [[nodiscard]] http::Stats stats() const noexcept;

 private:
  std::shared_ptr<EngineCollector> collector_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace hedged::metrics
