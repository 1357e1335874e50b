// Replay market-data feed (`market_data.source: replay`): plays a quote tape (a CSV of
// timestamped quotes, format in core/sim/quote_tape.hpp) into a QuoteSink, keeping the file's
// spacing between rows divided by `speed`, measured from the first poll. The whole file is read
// and checked when the feed is opened, so a bad file fails start-up with file:line:column.
// poll()/do_work() run as the market-data agent's work (one owner thread); stats() and
// unknown_symbols() may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/marketdata/fix_md_feed.hpp"
#include "adapters/marketdata/sim_feed.hpp"
#include "core/model/events.hpp"
#include "core/model/types.hpp"
#include "core/sim/quote_tape.hpp"

namespace hedged::marketdata {

struct ReplayConfig {
  std::string path;              // the quote tape; named in error messages
  double speed = 1.0;            // 1: the file's own pace; 10: ten times faster; 0: no waiting
  bool loop = false;             // after the last row, play the tape again (see ReplayFeed)
  TimeNs start_offset_ns = 0;    // skip this much of the tape, counted from its first row's time
  int max_rows_per_poll = 4096;  // bounds one poll's work (a burst after a stall, speed 0)
};

struct ReplayStats {
  std::uint64_t rows = 0;     // rows in one pass (after start_offset)
  std::uint64_t played = 0;   // quotes handed to the sink
  std::uint64_t skipped = 0;  // rows whose symbol is no instrument of ours, every pass
  std::uint64_t loops = 0;    // times the tape started again
  TimeNs lag_ns = 0;  // how late the last quote went out against its schedule (0 at speed 0)
  TimeNs max_lag_ns = 0;
  TimeNs tape_time_ns = 0;  // the tape's own time of the last row played or skipped
  bool finished = false;    // every row played and loop is off
};

// A symbol in the tape that names none of our instruments; its rows are skipped, not an error.
struct UnknownSymbol {
  std::string symbol;
  std::uint64_t rows = 0;  // rows per pass
};

struct TapeFileResult {
  std::optional<sim::QuoteTape> tape;
  std::string error;  // "path:line:column: message", or "path: cannot read: <reason>"
};

// Reads and parses a tape file (also for validating a configuration without starting a feed).
[[nodiscard]] TapeFileResult read_quote_tape_file(const std::string& path);

class ReplayFeed {
 public:
  // Reads config.path and plays it; throws std::runtime_error with "path:line:column: message"
  // for a bad file and std::invalid_argument for a bad config.
  static std::unique_ptr<ReplayFeed> open(ReplayConfig config,
                                          const std::vector<MdInstrument>& instruments,
                                          QuoteSink& sink);

  // Plays an already parsed tape. `instruments` maps the tape's symbols to our ids. Throws
  // std::invalid_argument when the config does not fit the tape: a negative or non-finite
  // speed, no rows left after start_offset, max_rows_per_poll < 1, or loop on a tape whose rows
  // all share one time (at speed > 0 there is nothing to pace the passes by).
  ReplayFeed(const sim::QuoteTape& tape, ReplayConfig config,
             const std::vector<MdInstrument>& instruments, QuoteSink& sink);
  ReplayFeed(const ReplayFeed&) = delete;
  ReplayFeed& operator=(const ReplayFeed&) = delete;

  // Publishes every row due by `now`, at most max_rows_per_poll of them. The first call starts
  // the clock: a row is due at first_poll + (row time - tape start) / speed. A late poll
  // publishes everything overdue (the tape keeps its schedule; stats().lag_ns shows how late).
  // With loop on, each pass starts one average quote interval after the previous pass's last
  // row. Returns the rows consumed (published or skipped); 0 tells the idle strategy nothing
  // was due. Quotes carry source_ns = now and a per-feed seq counting from 1.
  int poll(TimeNs now) noexcept;
  int do_work(TimeNs now) noexcept { return poll(now); }

  [[nodiscard]] ReplayStats stats() const noexcept;
  [[nodiscard]] bool finished() const noexcept { return finished_.load(std::memory_order_relaxed); }
  // Immutable after construction.
  [[nodiscard]] const std::vector<UnknownSymbol>& unknown_symbols() const noexcept {
    return unknown_symbols_;
  }
  [[nodiscard]] const ReplayConfig& config() const noexcept { return config_; }

 private:
  struct Row {
    TimeNs offset_ns;  // from the pass start, already divided by speed
    TimeNs time_ns;    // the tape's time
    InstrumentId instrument;
    double bid;
    double ask;
    std::int64_t bid_size;
    std::int64_t ask_size;
  };

  // Owner-thread counters, read by stats() from any thread: relaxed, single writer.
  static void bump(std::atomic<std::uint64_t>& counter) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  ReplayConfig config_;
  QuoteSink& sink_;
  std::vector<Row> rows_;
  std::vector<UnknownSymbol> unknown_symbols_;
  TimeNs pass_ns_ = 0;  // from one pass's start to the next's, divided by speed
  // Owner thread only.
  TimeNs pass_start_ns_ = 0;
  std::size_t next_ = 0;
  std::uint64_t seq_ = 0;
  bool started_ = false;
  // Owner thread writes, any thread reads.
  std::atomic<std::uint64_t> played_{0};
  std::atomic<std::uint64_t> skipped_{0};
  std::atomic<std::uint64_t> loops_{0};
  std::atomic<TimeNs> lag_ns_{0};
  std::atomic<TimeNs> max_lag_ns_{0};
  std::atomic<TimeNs> tape_time_ns_{0};
  std::atomic<bool> finished_{false};
};

}  // namespace hedged::marketdata
