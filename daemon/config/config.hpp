// The daemon's validated configuration, loaded from YAML (see config/default.yaml and the
// README's configuration reference). Built once off the hot path; immutable afterwards.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "adapters/fix/drop_copy.hpp"
#include "adapters/fix/fix_gateway.hpp"
#include "adapters/marketdata/fix_md_feed.hpp"
#include "adapters/marketdata/replay_feed.hpp"
#include "adapters/venue/option_flow.hpp"
#include "adapters/venue/venue_simulator.hpp"
#include "core/engine/engine.hpp"
#include "core/sim/market_simulator.hpp"
#include "daemon/config/limits.hpp"

namespace hedged::config {

enum class IdleStrategyName : std::uint8_t { kSpin, kBackoff };

struct MarketDataConfig {
  // "simulator" (built in), "fix" (a venue's FIX market data) or "replay" (a CSV quote tape).
  std::string source = "simulator";
  marketdata::FixMdConfig fix;      // source: fix; host, port and CompIDs from the `fix` section
  marketdata::ReplayConfig replay;  // source: replay; a CSV quote tape
  std::uint64_t seed = 1;
  TimeNs tick_interval_ns = 100 * kNanosPerMilli;
  std::vector<sim::UnderlyingModel> models;  // one per underlying
};

struct VenueSection {
  bool embedded = true;  // run the venue simulator inside the daemon, spoken to over FIX
  venue::VenueConfig venue;
};

// The drop-copy session the desk's option fills arrive on (section `drop_copy`).
struct DropCopySection {
  bool enabled = false;
  fix::DropCopyConfig session;  // host and data dictionary default to the `fix` section's
};

// Option flow made by the venue simulator (embedded or `hedged venue`), section `option_flow`:
// random trades in the book's options, sent on the drop copy.
struct OptionFlowSection {
  bool enabled = false;
  venue::OptionFlowConfig flow;  // symbols: every option of the book unless listed
};

struct MetricsConfig {
  bool enabled = true;
  std::string listen = "127.0.0.1:9464";
};

// The journal (section `journal`): every order intent, execution report, option trade, limit
// and trading-state change and hedge decision, appended by the journal agent with group commit.
struct JournalConfig {
  bool enabled = false;
  std::string dir;  // absolute after loading
  TimeNs commit_interval_ns = 5 * kNanosPerMilli;
  std::uint64_t segment_size_bytes = 64ULL * 1024 * 1024;
  // A snapshot of the recovery state (positions, working orders, states, limits, ExecIDs) this
  // often, and at a clean stop; restart replays only the records after the latest. 0: only at
  // a clean stop.
  TimeNs snapshot_interval_ns = 60 * kNanosPerSecond;
  // An order leaves only once the journal agent has written its intent (to the kernel, not yet
  // synced), so a restart knows every order the venue may hold. Costs the journal agent's
  // wake-up on tick-to-order; false sends at once and leaves a window in which a killed daemon
  // forgets an order it sent.
  bool write_ahead = true;
};

// The admin HTTP API (section `admin`).
struct AdminConfig {
  bool enabled = true;
  std::string listen = "127.0.0.1:8080";
  // File holding the bearer token for POST endpoints (absolute after loading); empty: the
  // HEDGED_ADMIN_TOKEN environment variable; neither: POST endpoints are disabled.
  std::string token_file;
  TimeNs ready_max_quote_age_ns = 5 * kNanosPerSecond;  // /ready: market data fresher than this
};

struct LoggingConfig {
  std::string level = "info";   // trace | debug | info | warn | error
  std::string file;             // empty: standard error
  std::string format = "text";  // text | json (one JSON object per line)
  // `file` only: rotate when the file would grow beyond this, keeping at most `max_files` files
  // (the one written and max_files - 1 older ones). 0: no rotation, append forever.
  std::uint64_t max_size_bytes = 100ULL * 1024 * 1024;
  int max_files = 5;
};

struct RiskConfig {
  std::string limits_file;  // absolute path after loading; empty: built-in limits
  TimeNs watch_interval_ns = 500 * kNanosPerMilli;  // how often the limits file is checked
};

struct DaemonConfig {
  std::string source_path;  // the file it was loaded from
  IdleStrategyName idle_strategy = IdleStrategyName::kBackoff;
  // The gateway and market-data agents' (default: idle_strategy). On a machine with fewer cores
  // than spinning agents, spin the engine alone.
  IdleStrategyName io_idle_strategy = IdleStrategyName::kBackoff;
  int engine_cpu = -1;  // CPU the engine agent's thread is pinned to; -1: not pinned
  TimeNs timer_interval_ns = 50 * kNanosPerMilli;
  TimeNs surface_refit_interval_ns = kNanosPerSecond;  // vol_mode: surface
  // Slots of each inter-agent ring (market data goes through conflating boards, not rings: the
  // rings carry orders, reports, notices and journal records). Allocated and touched at start.
  std::size_t ring_capacity = 8192;
  EngineConfig engine;
  MarketDataConfig market_data;
  fix::GatewayConfig fix;
  VenueSection venue;
  DropCopySection drop_copy;
  OptionFlowSection option_flow;
  MetricsConfig metrics;
  AdminConfig admin;
  JournalConfig journal;
  LoggingConfig logging;
  RiskConfig risk;
  LimitsConfig limits;  // loaded from risk.limits_file (also in engine.limits)
};

struct LoadResult {
  std::optional<DaemonConfig> config;
  std::string error;  // "file:line:column: message" when config is empty
};

// `now` resolves relative expiries ("30d"); `name` is used in messages for text loads.
[[nodiscard]] LoadResult load_file(const std::string& path, TimeNs now);
[[nodiscard]] LoadResult load_text(const std::string& text, const std::string& name,
                                   const std::string& base_dir, TimeNs now);

// "250ms", "5s", "1m", "2h", "100us", "3d" -> nanoseconds; nullopt when malformed.
[[nodiscard]] std::optional<TimeNs> parse_duration(const std::string& text);

// What a YAML file of this project is, told from its top-level keys.
enum class FileKind : std::uint8_t { kMainConfig, kLimits, kUnknown };
struct FileKindResult {
  FileKind kind = FileKind::kUnknown;
  std::string error;  // why it is unknown (unreadable, not YAML, no telling keys)
};
[[nodiscard]] FileKindResult detect_file_kind(const std::string& path);

}  // namespace hedged::config
