#include "adapters/marketdata/replay_feed.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>
#include <unordered_map>

namespace hedged::marketdata {
namespace {

std::string seconds_text(TimeNs ns) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, static_cast<double>(ns) / 1e9);
  return std::string(buffer, result.ptr) + "s";
}

std::string number_text(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string prefix(const std::string& path) {
  return path.empty() ? std::string() : path + ": ";
}

}  // namespace

TapeFileResult read_quote_tape_file(const std::string& path) {
  TapeFileResult result;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    result.error =
        path + ": cannot read: " + std::error_code(errno, std::generic_category()).message();
    return result;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    result.error =
        path + ": cannot read: " + std::error_code(errno, std::generic_category()).message();
    return result;
  }
  sim::QuoteTapeResult parsed = sim::parse_quote_tape(text);
  if (!parsed.tape) {
    result.error = parsed.error.describe(path);
    return result;
  }
  result.tape = std::move(parsed.tape);
  return result;
}

std::unique_ptr<ReplayFeed> ReplayFeed::open(ReplayConfig config,
                                             const std::vector<MdInstrument>& instruments,
                                             QuoteSink& sink) {
  TapeFileResult file = read_quote_tape_file(config.path);
  if (!file.tape) throw std::runtime_error(file.error);
  return std::make_unique<ReplayFeed>(*file.tape, std::move(config), instruments, sink);
}

ReplayFeed::ReplayFeed(const sim::QuoteTape& tape, ReplayConfig config,
                       const std::vector<MdInstrument>& instruments, QuoteSink& sink)
    : config_(std::move(config)), sink_(sink) {
  const std::string where = prefix(config_.path);
  if (!std::isfinite(config_.speed) || config_.speed < 0.0) {
    throw std::invalid_argument(
        where + "replay speed must be a number >= 0 (0: as fast as possible), got " +
        number_text(config_.speed));
  }
  if (config_.max_rows_per_poll < 1) {
    throw std::invalid_argument(where + "replay max_rows_per_poll must be at least 1");
  }
  if (config_.start_offset_ns < 0) {
    throw std::invalid_argument(where + "replay start_offset must not be negative");
  }
  if (tape.records.empty())
    throw std::invalid_argument(where + "the replay tape has no quote rows");

  const TimeNs first_ns = tape.records.front().time_ns;
  const TimeNs last_ns = tape.records.back().time_ns;
  if (config_.start_offset_ns > last_ns - first_ns) {
    throw std::invalid_argument(
        where + "replay start_offset " + seconds_text(config_.start_offset_ns) +
        " is past the tape's last row (the tape spans " + seconds_text(last_ns - first_ns) + ")");
  }
  const TimeNs origin_ns = first_ns + config_.start_offset_ns;

  // Rows are resolved to instruments once, here, so playing one is a copy and a call.
  std::unordered_map<std::string, InstrumentId> by_symbol;
  for (const MdInstrument& instrument : instruments) {
    by_symbol.emplace(instrument.symbol, instrument.instrument);
  }
  std::vector<InstrumentId> resolved(tape.symbols.size(), kNoInstrument);
  std::vector<std::uint64_t> unknown_rows(tape.symbols.size(), 0);
  for (std::size_t s = 0; s < tape.symbols.size(); ++s) {
    const auto it = by_symbol.find(tape.symbols[s]);
    if (it != by_symbol.end()) resolved[s] = it->second;
  }

  // Pacing: offsets from the pass start, divided by speed (0: everything due at once).
  const double speed = config_.speed;
  const auto scaled = [speed](TimeNs tape_ns) -> TimeNs {
    return speed == 0.0 ? 0 : std::llround(static_cast<double>(tape_ns) / speed);
  };
  // Beyond this, offsets divided by a small speed would overflow 64-bit nanoseconds.
  constexpr double kMaxScaledNs = 0x1.0p62;

  std::size_t distinct_times = 0;
  TimeNs previous_ns = 0;
  rows_.reserve(tape.records.size());
  for (const sim::TapeRecord& record : tape.records) {
    if (record.time_ns < origin_ns) continue;
    if (rows_.empty() || record.time_ns != previous_ns) ++distinct_times;
    previous_ns = record.time_ns;
    const InstrumentId id = resolved[record.symbol];
    if (id == kNoInstrument) ++unknown_rows[record.symbol];
    rows_.push_back(
        {0, record.time_ns, id, record.bid, record.ask, record.bid_size, record.ask_size});
  }
  // A pass ends one average interval between distinct quote times after its last row, so a
  // loop does not publish the last and the first row at the same moment.
  const TimeNs span_ns = last_ns - origin_ns;
  const TimeNs gap_ns = distinct_times > 1 ? (last_ns - rows_.front().time_ns) /
                                                 static_cast<TimeNs>(distinct_times - 1)
                                           : 0;
  if (speed > 0.0 && static_cast<double>(span_ns + gap_ns) / speed > kMaxScaledNs) {
    throw std::invalid_argument(where + "replay speed " + number_text(speed) +
                                " is too slow for a tape spanning " + seconds_text(span_ns));
  }
  if (config_.loop && speed > 0.0 && span_ns + gap_ns == 0) {
    throw std::invalid_argument(where +
                                "replay loop needs a tape spanning some time (its rows all have "
                                "one time); use speed 0 to repeat it as fast as possible");
  }
  for (Row& row : rows_) row.offset_ns = scaled(row.time_ns - origin_ns);
  pass_ns_ = scaled(span_ns + gap_ns);

  for (std::size_t s = 0; s < tape.symbols.size(); ++s) {
    if (unknown_rows[s] != 0) unknown_symbols_.push_back({tape.symbols[s], unknown_rows[s]});
  }
}

int ReplayFeed::poll(TimeNs now) noexcept {
  if (finished_.load(std::memory_order_relaxed)) return 0;
  if (!started_) {
    started_ = true;
    pass_start_ns_ = now;
  }
  int consumed = 0;
  while (consumed < config_.max_rows_per_poll) {
    // After the last row (loop on; without it the feed finished below) the next row is the
    // first of the next pass, which starts pass_ns_ after this one.
    const bool new_pass = next_ == rows_.size();
    const std::size_t index = new_pass ? 0 : next_;
    const TimeNs pass_start_ns = new_pass ? pass_start_ns_ + pass_ns_ : pass_start_ns_;
    const Row& row = rows_[index];
    const TimeNs due_ns = pass_start_ns + row.offset_ns;
    if (due_ns > now) break;
    if (new_pass) {
      pass_start_ns_ = pass_start_ns;
      bump(loops_);
    }
    next_ = index + 1;
    ++consumed;
    tape_time_ns_.store(row.time_ns, std::memory_order_relaxed);
    if (row.instrument == kNoInstrument) {
      bump(skipped_);
    } else {
      Quote quote;
      quote.instrument = row.instrument;
      quote.bid = row.bid;
      quote.ask = row.ask;
      quote.bid_size = row.bid_size;
      quote.ask_size = row.ask_size;
      quote.source_ns = now;
      quote.seq = ++seq_;
      sink_.on_quote(quote);
      bump(played_);
      const TimeNs lag_ns = config_.speed == 0.0 ? 0 : now - due_ns;
      lag_ns_.store(lag_ns, std::memory_order_relaxed);
      if (lag_ns > max_lag_ns_.load(std::memory_order_relaxed)) {
        max_lag_ns_.store(lag_ns, std::memory_order_relaxed);
      }
    }
    if (next_ == rows_.size() && !config_.loop) {
      finished_.store(true, std::memory_order_relaxed);
      break;
    }
  }
  return consumed;
}

ReplayStats ReplayFeed::stats() const noexcept {
  ReplayStats s;
  s.rows = rows_.size();
  s.played = played_.load(std::memory_order_relaxed);
  s.skipped = skipped_.load(std::memory_order_relaxed);
  s.loops = loops_.load(std::memory_order_relaxed);
  s.lag_ns = lag_ns_.load(std::memory_order_relaxed);
  s.max_lag_ns = max_lag_ns_.load(std::memory_order_relaxed);
  s.tape_time_ns = tape_time_ns_.load(std::memory_order_relaxed);
  s.finished = finished_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace hedged::marketdata
