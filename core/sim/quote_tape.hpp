// The quote tape: a CSV file of timestamped top-of-book quotes, played by the replay market-data
// feed and read by backtests. Text in, text out: parsing and formatting only, no file I/O (the
// caller reads the file). Free functions are pure and any thread may call them; a
// QuoteTapeReader has one owner.
//
// Format (ASCII/UTF-8 text, "\n" or "\r\n" line ends):
//
//   # lines whose first non-blank character is '#' are comments; blank lines are ignored
//   time,symbol,bid,ask,bid_size,ask_size
//   2026-03-02T14:30:00Z,SIM,99.99,100.01,500,700
//   2026-03-02T14:30:00.123456789Z,IDX-F,5012.25,5012.5,8,11
//   1772461800250000000,SIM,99.98,100.0,300,900
//
// - The first line that is neither a comment nor blank is the header: exactly these six column
//   names, in this order.
// - time: ISO-8601 UTC, `YYYY-MM-DDTHH:MM:SS[.f]Z` with 0 to 9 fraction digits (nanoseconds), or
//   an integer count of nanoseconds since the Unix epoch; 1970 onwards. Both forms may be mixed.
//   Rows are in non-decreasing time order; rows with equal times are played in file order.
// - symbol: the venue symbol (FIX tag 55), non-empty, without commas or double quotes.
// - bid, ask: decimal prices (`100.01`, `5e-9`): finite, bid >= 0, ask > 0, bid <= ask.
// - bid_size, ask_size: whole numbers >= 0, in the instrument's units (shares, contracts).
// - Spaces and tabs around a field are ignored. There is no quoting. A UTF-8 byte-order mark
//   before the first line is ignored.
//
// Errors say where: TapeError::describe gives "file:line:column: message", with the 1-based
// line and the 1-based (byte) column of the offending field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/types.hpp"

namespace hedged::sim {

inline constexpr std::string_view kQuoteTapeHeader = "time,symbol,bid,ask,bid_size,ask_size";

// Where and why a tape is malformed.
struct TapeError {
  std::size_t line = 0;    // 1-based
  std::size_t column = 0;  // 1-based, in bytes
  std::string message;

  // "name:line:column: message"
  [[nodiscard]] std::string describe(std::string_view name) const;
};

// One row as the streaming reader returns it: `symbol` views the line it was read from.
struct QuoteTapeRow {
  TimeNs time_ns = 0;
  std::string_view symbol;
  double bid = 0.0;
  double ask = 0.0;
  std::int64_t bid_size = 0;
  std::int64_t ask_size = 0;
};

// Reads a tape line by line without allocating (except to describe an error), so a caller can
// stream a file of any size. Feed it every line of the file, in order, then call finish().
class QuoteTapeReader {
 public:
  enum class LineKind : std::uint8_t {
    kRow,      // `row` holds the line's quote
    kSkipped,  // comment, blank line or the header
    kError,    // error() says why; the reader stays failed and returns kError from now on
  };

  // `line` is one line's text without its '\n' (a trailing '\r' is ignored).
  [[nodiscard]] LineKind read_line(std::string_view line, QuoteTapeRow& row);
  // At the end of the input: false (and error()) when the header never came.
  [[nodiscard]] bool finish();

  [[nodiscard]] const TapeError& error() const noexcept { return error_; }
  [[nodiscard]] bool failed() const noexcept { return failed_; }
  [[nodiscard]] bool header_seen() const noexcept { return header_seen_; }
  [[nodiscard]] std::size_t lines_read() const noexcept { return line_; }

 private:
  LineKind fail(std::size_t column, std::string message);
  LineKind read_header(std::string_view line, std::size_t first_column);

  std::size_t line_ = 0;
  bool header_seen_ = false;
  bool failed_ = false;
  TimeNs last_time_ns_ = 0;
  std::size_t last_time_line_ = 0;  // 0: no row yet
  TapeError error_;
};

// One row of a parsed tape; `symbol` indexes QuoteTape::symbols.
struct TapeRecord {
  TimeNs time_ns = 0;
  std::uint32_t symbol = 0;
  double bid = 0.0;
  double ask = 0.0;
  std::int64_t bid_size = 0;
  std::int64_t ask_size = 0;
  bool operator==(const TapeRecord&) const = default;
};

// A whole tape in memory, symbols interned.
struct QuoteTape {
  std::vector<std::string> symbols;  // distinct, in order of first appearance
  std::vector<TapeRecord> records;   // in file order (non-decreasing time)

  // The index of `symbol` in `symbols`, added if new (a linear scan: for building small tapes;
  // parse_quote_tape interns through a hash map).
  std::uint32_t intern(std::string_view symbol);
  // Appends a row (interning its symbol).
  void add(const QuoteTapeRow& row);
  [[nodiscard]] QuoteTapeRow row(std::size_t i) const noexcept;
  bool operator==(const QuoteTape&) const = default;
};

struct QuoteTapeResult {
  std::optional<QuoteTape> tape;  // empty on error
  TapeError error;
};

// Parses a whole file's text. A file with a header and no rows is a valid, empty tape.
[[nodiscard]] QuoteTapeResult parse_quote_tape(std::string_view text);

// A `time` field in either form; nullopt when it is neither or before 1970.
[[nodiscard]] std::optional<TimeNs> parse_tape_time(std::string_view text) noexcept;

// --- Writing: the same format, read back exactly (prices in the shortest form that parses to
// the same double). ---

enum class TapeTimeFormat : std::uint8_t {
  kIso,    // 2026-03-02T14:30:00.123456789Z (always nine fraction digits)
  kNanos,  // 1772461800123456789
};

// Appends "YYYY-MM-DDTHH:MM:SS.fffffffffZ".
void append_iso_time(std::string& out, TimeNs time_ns);
// Appends the header line, with its '\n'.
void append_tape_header(std::string& out);
// Appends one row with its '\n'. Returns false, appending nothing, when the parser would refuse
// the row (bad symbol, non-finite or crossed prices, negative sizes, time before 1970).
[[nodiscard]] bool append_tape_row(std::string& out, const QuoteTapeRow& row,
                                   TapeTimeFormat format = TapeTimeFormat::kIso);
// The whole tape, header first; nullopt when a row cannot be written or rows go back in time.
[[nodiscard]] std::optional<std::string> format_quote_tape(
    const QuoteTape& tape, TapeTimeFormat format = TapeTimeFormat::kIso);

}  // namespace hedged::sim
