#include "core/sim/quote_tape.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>
#include <unordered_map>

namespace hedged::sim {
namespace {

constexpr std::size_t kFields = 6;
constexpr std::array<std::string_view, kFields> kColumns = {"time", "symbol",   "bid",
                                                            "ask",  "bid_size", "ask_size"};
constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::string_view kBlanks = " \t";
constexpr std::int64_t kSecondsPerDay = 86400;

// One comma-separated field: its text without surrounding blanks and the 1-based column where
// that text starts (where it would start, for an empty field).
struct Field {
  std::string_view text;
  std::size_t column = 0;
};

Field make_field(std::string_view line, std::size_t begin, std::size_t end) {
  std::size_t first = begin;
  while (first < end && (line[first] == ' ' || line[first] == '\t')) ++first;
  std::size_t last = end;
  while (last > first && (line[last - 1] == ' ' || line[last - 1] == '\t')) --last;
  return {line.substr(first, last - first), (first < end ? first : begin) + 1};
}

// Splits `line` at commas into `out`; returns how many fields there are (may exceed kFields,
// in which case only the first kFields + 1 are stored).
std::size_t split(std::string_view line, std::array<Field, kFields + 1>& out) {
  std::size_t count = 0;
  std::size_t begin = 0;
  for (;;) {
    const std::size_t comma = line.find(',', begin);
    const std::size_t end = comma == std::string_view::npos ? line.size() : comma;
    if (count < out.size()) out[count] = make_field(line, begin, end);
    ++count;
    if (comma == std::string_view::npos) return count;
    begin = comma + 1;
  }
}

std::string quoted(std::string_view text) {
  std::string s;
  s.reserve(text.size() + 2);
  s += '\'';
  s += text;
  s += '\'';
  return s;
}

std::string number_text(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

// The inverse (civil_from_days).
constexpr Civil civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);

constexpr bool is_leap(std::int64_t y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// Reads exactly `width` digits at `pos`.
bool digits(std::string_view text, std::size_t pos, std::size_t width, unsigned& out) noexcept {
  if (pos + width > text.size()) return false;
  unsigned value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (!is_digit(text[i])) return false;
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
  }
  out = value;
  return true;
}

constexpr const char* kTimeShape =
    "expected ISO-8601 UTC such as 2026-03-02T14:30:00.123456789Z, or integer nanoseconds since "
    "the Unix epoch";

// Parses a time field; returns nullptr on success, else why it is not a time.
const char* parse_time(std::string_view text, TimeNs& out) noexcept {
  if (text.empty()) return kTimeShape;
  bool all_digits = true;
  for (std::size_t i = text[0] == '-' ? 1 : 0; i < text.size(); ++i)
    all_digits &= is_digit(text[i]);
  if (all_digits && text != "-") {
    std::int64_t ns = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), ns);
    if (ec == std::errc::result_out_of_range) return "out of range for 64-bit nanoseconds";
    if (ec != std::errc{} || ptr != text.data() + text.size()) return kTimeShape;
    if (ns < 0) return "before 1970-01-01";
    out = ns;
    return nullptr;
  }
  // YYYY-MM-DDTHH:MM:SS[.fffffffff]Z
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 19 || !digits(text, 0, 4, year) || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) || text[10] != 'T' ||
      !digits(text, 11, 2, hour) || text[13] != ':' || !digits(text, 14, 2, minute) ||
      text[16] != ':' || !digits(text, 17, 2, second)) {
    return kTimeShape;
  }
  std::size_t pos = 19;
  std::int64_t fraction_ns = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t count = 0;
    while (pos < text.size() && is_digit(text[pos])) {
      if (++count > 9) return "more than 9 fraction digits (nanoseconds are the finest)";
      fraction_ns = fraction_ns * 10 + (text[pos] - '0');
      ++pos;
    }
    if (count == 0) return "expected digits after the decimal point";
    for (std::size_t i = count; i < 9; ++i) fraction_ns *= 10;
  }
  if (pos == text.size()) return "missing the 'Z' suffix: times are UTC";
  if (text[pos] != 'Z' || pos + 1 != text.size()) {
    return text[pos] == '+' || text[pos] == '-' ? "expected 'Z': times are UTC, not offsets"
                                                : kTimeShape;
  }
  if (month < 1 || month > 12) return "month out of range (01-12)";
  if (day < 1 || day > days_in_month(year, month)) return "day out of range for the month";
  if (hour > 23) return "hour out of range (00-23)";
  if (minute > 59) return "minute out of range (00-59)";
  if (second > 59) return "second out of range (00-59)";
  if (year < 1970) return "before 1970-01-01";
  const std::int64_t seconds = days_from_civil(year, month, day) * kSecondsPerDay +
                               std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 + second;
  constexpr std::int64_t kMaxSeconds = std::numeric_limits<TimeNs>::max() / kNanosPerSecond;
  if (seconds > kMaxSeconds ||
      (seconds == kMaxSeconds &&
       fraction_ns > std::numeric_limits<TimeNs>::max() % kNanosPerSecond)) {
    return "out of range for 64-bit nanoseconds (after 2262-04-11T23:47:16.854775807Z)";
  }
  out = seconds * kNanosPerSecond + fraction_ns;
  return nullptr;
}

enum class NumberError : std::uint8_t { kNone, kShape, kRange, kNotFinite, kNotWhole };

NumberError parse_price(std::string_view text, double& out) noexcept {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  if (ec == std::errc::result_out_of_range) return NumberError::kRange;
  if (ec != std::errc{} || ptr != end) return NumberError::kShape;
  if (!std::isfinite(out)) return NumberError::kNotFinite;
  return NumberError::kNone;
}

NumberError parse_size(std::string_view text, std::int64_t& out) noexcept {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  if (ec == std::errc::result_out_of_range) return NumberError::kRange;
  if (ec == std::errc{} && ptr == end) return NumberError::kNone;
  double number = 0.0;
  const auto as_double = std::from_chars(text.data(), end, number);
  if (as_double.ec == std::errc{} && as_double.ptr == end) return NumberError::kNotWhole;
  return NumberError::kShape;
}

// Why a symbol cannot go in a tape, or nullptr.
const char* symbol_problem(std::string_view symbol) noexcept {
  if (symbol.empty()) return "empty symbol";
  for (char c : symbol) {
    if (c == '"') return "symbol contains a double quote: quoted fields are not supported";
    if (c == ',' || c == '\n' || c == '\r') return "symbol contains a comma or a line break";
  }
  return nullptr;
}

void append_digits(std::string& out, std::int64_t value, int width) {
  char buffer[24];
  for (int i = width - 1; i >= 0; --i) {
    buffer[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(buffer, static_cast<std::size_t>(width));
}

template <typename T>
void append_number(std::string& out, T value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

}  // namespace

std::string TapeError::describe(std::string_view name) const {
  std::string s(name);
  s += ':';
  s += std::to_string(line);
  s += ':';
  s += std::to_string(column);
  s += ": ";
  s += message;
  return s;
}

QuoteTapeReader::LineKind QuoteTapeReader::fail(std::size_t column, std::string message) {
  failed_ = true;
  error_.line = line_;
  error_.column = column;
  error_.message = std::move(message);
  return LineKind::kError;
}

QuoteTapeReader::LineKind QuoteTapeReader::read_header(std::string_view line,
                                                       std::size_t first_column) {
  std::array<Field, kFields + 1> fields;
  const std::size_t count = split(line, fields);
  const std::string expected = " (the header is '" + std::string(kQuoteTapeHeader) + "')";
  TimeNs ignored = 0;
  if (fields[0].text != kColumns[0] && parse_time(fields[0].text, ignored) == nullptr) {
    return fail(first_column,
                "missing header line: the first line that is not a comment must be '" +
                    std::string(kQuoteTapeHeader) + "'");
  }
  for (std::size_t i = 0; i < kFields && i < count; ++i) {
    if (fields[i].text != kColumns[i]) {
      return fail(fields[i].column, "unknown column " + quoted(fields[i].text) +
                                        " in the header, expected " + quoted(kColumns[i]) +
                                        expected);
    }
  }
  if (count < kFields) {
    return fail(line.size() + 1, "header is missing column " + quoted(kColumns[count]) + expected);
  }
  if (count > kFields) {
    return fail(fields[kFields].column,
                "unknown column " + quoted(fields[kFields].text) + " in the header" + expected);
  }
  header_seen_ = true;
  return LineKind::kSkipped;
}

QuoteTapeReader::LineKind QuoteTapeReader::read_line(std::string_view line, QuoteTapeRow& row) {
  if (failed_) return LineKind::kError;
  ++line_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line_ == 1 && line.substr(0, kBom.size()) == kBom) line.remove_prefix(kBom.size());
  const std::size_t first = line.find_first_not_of(kBlanks);
  if (first == std::string_view::npos || line[first] == '#') return LineKind::kSkipped;
  if (!header_seen_) return read_header(line, first + 1);

  std::array<Field, kFields + 1> fields;
  const std::size_t count = split(line, fields);
  if (count < kFields) {
    return fail(line.size() + 1, "missing field " + quoted(kColumns[count]) + ": a row has " +
                                     std::to_string(kFields) + " fields (" +
                                     std::string(kQuoteTapeHeader) + "), this one has " +
                                     std::to_string(count));
  }
  if (count > kFields) {
    return fail(fields[kFields].column, "unexpected field " + std::to_string(kFields + 1) +
                                            ": a row has " + std::to_string(kFields) + " fields (" +
                                            std::string(kQuoteTapeHeader) + ")");
  }

  // time
  const Field& time_field = fields[0];
  if (time_field.text.empty()) return fail(time_field.column, "empty time");
  TimeNs time_ns = 0;
  if (const char* why = parse_time(time_field.text, time_ns)) {
    return fail(time_field.column, "bad time " + quoted(time_field.text) + ": " + why);
  }
  if (last_time_line_ != 0 && time_ns < last_time_ns_) {
    std::string now_text;
    std::string before_text;
    append_iso_time(now_text, time_ns);
    append_iso_time(before_text, last_time_ns_);
    return fail(time_field.column, "time goes backwards: " + now_text + " is before " +
                                       before_text + " on line " + std::to_string(last_time_line_) +
                                       " (rows must be in time order)");
  }

  // symbol
  const Field& symbol = fields[1];
  if (const char* why = symbol_problem(symbol.text)) return fail(symbol.column, why);

  // bid, ask
  double prices[2] = {0.0, 0.0};
  for (std::size_t i = 0; i < 2; ++i) {
    const Field& f = fields[2 + i];
    const std::string name(kColumns[2 + i]);
    if (f.text.empty()) return fail(f.column, "empty " + name);
    switch (parse_price(f.text, prices[i])) {
      case NumberError::kNone: break;
      case NumberError::kRange:
        return fail(f.column, "bad " + name + " " + quoted(f.text) + ": out of range");
      case NumberError::kNotFinite:
        return fail(f.column, "bad " + name + " " + quoted(f.text) + ": prices must be finite");
      default: return fail(f.column, "bad " + name + " " + quoted(f.text) + ": expected a number");
    }
  }
  const double bid = prices[0];
  const double ask = prices[1];
  if (bid < 0.0) return fail(fields[2].column, "negative bid " + number_text(bid));
  if (!(ask > 0.0)) {
    return fail(fields[3].column, "ask must be positive, got " + number_text(ask));
  }

  // bid_size, ask_size
  std::int64_t sizes[2] = {0, 0};
  for (std::size_t i = 0; i < 2; ++i) {
    const Field& f = fields[4 + i];
    const std::string name(kColumns[4 + i]);
    if (f.text.empty()) return fail(f.column, "empty " + name);
    switch (parse_size(f.text, sizes[i])) {
      case NumberError::kNone: break;
      case NumberError::kRange:
        return fail(f.column, "bad " + name + " " + quoted(f.text) + ": out of range");
      case NumberError::kNotWhole:
        return fail(f.column, "bad " + name + " " + quoted(f.text) + ": expected a whole number");
      default: return fail(f.column, "bad " + name + " " + quoted(f.text) + ": expected a number");
    }
    if (sizes[i] < 0) return fail(f.column, "negative " + name + " " + std::to_string(sizes[i]));
  }

  // Checked after every field reads, so a typo in a later field is reported as itself.
  if (ask < bid) {
    return fail(fields[3].column, "ask " + number_text(ask) + " is below bid " + number_text(bid) +
                                      " (a crossed quote)");
  }

  last_time_ns_ = time_ns;
  last_time_line_ = line_;
  row.time_ns = time_ns;
  row.symbol = symbol.text;
  row.bid = bid;
  row.ask = ask;
  row.bid_size = sizes[0];
  row.ask_size = sizes[1];
  return LineKind::kRow;
}

bool QuoteTapeReader::finish() {
  if (failed_) return false;
  if (header_seen_) return true;
  failed_ = true;
  error_.line = line_ + 1;
  error_.column = 1;
  error_.message = "no header line: a quote tape starts with '" + std::string(kQuoteTapeHeader) +
                   "'" + (line_ == 0 ? " (the file is empty)" : "");
  return false;
}

std::uint32_t QuoteTape::intern(std::string_view symbol) {
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (symbols[i] == symbol) return static_cast<std::uint32_t>(i);
  }
  symbols.emplace_back(symbol);
  return static_cast<std::uint32_t>(symbols.size() - 1);
}

void QuoteTape::add(const QuoteTapeRow& row) {
  records.push_back(
      {row.time_ns, intern(row.symbol), row.bid, row.ask, row.bid_size, row.ask_size});
}

QuoteTapeRow QuoteTape::row(std::size_t i) const noexcept {
  const TapeRecord& r = records[i];
  return {r.time_ns, symbols[r.symbol], r.bid, r.ask, r.bid_size, r.ask_size};
}

QuoteTapeResult parse_quote_tape(std::string_view text) {
  QuoteTapeResult result;
  QuoteTape tape;
  std::size_t newlines = 0;
  for (char c : text) newlines += c == '\n' ? 1 : 0;
  tape.records.reserve(newlines + 1);
  // Symbols are few and rows many: look each up in a map, not QuoteTape::intern's linear scan.
  std::unordered_map<std::string, std::uint32_t> index;
  std::string key;
  QuoteTapeReader reader;
  QuoteTapeRow row;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const auto kind = reader.read_line(text.substr(pos, end - pos), row);
    pos = end + 1;
    if (kind == QuoteTapeReader::LineKind::kError) break;
    if (kind != QuoteTapeReader::LineKind::kRow) continue;
    key.assign(row.symbol);
    auto [it, inserted] = index.try_emplace(key, static_cast<std::uint32_t>(tape.symbols.size()));
    if (inserted) tape.symbols.push_back(key);
    tape.records.push_back({row.time_ns, it->second, row.bid, row.ask, row.bid_size, row.ask_size});
  }
  if (!reader.finish()) {
    result.error = reader.error();
    return result;
  }
  result.tape = std::move(tape);
  return result;
}

std::optional<TimeNs> parse_tape_time(std::string_view text) noexcept {
  TimeNs out = 0;
  if (parse_time(text, out) != nullptr) return std::nullopt;
  return out;
}

void append_iso_time(std::string& out, TimeNs time_ns) {
  // Floor division, so times before 1970 (which the parser refuses) still print correctly.
  std::int64_t seconds = time_ns / kNanosPerSecond;
  std::int64_t nanos = time_ns % kNanosPerSecond;
  if (nanos < 0) {
    nanos += kNanosPerSecond;
    seconds -= 1;
  }
  std::int64_t days = seconds / kSecondsPerDay;
  std::int64_t second_of_day = seconds % kSecondsPerDay;
  if (second_of_day < 0) {
    second_of_day += kSecondsPerDay;
    days -= 1;
  }
  const Civil date = civil_from_days(days);
  append_digits(out, date.year, 4);
  out += '-';
  append_digits(out, date.month, 2);
  out += '-';
  append_digits(out, date.day, 2);
  out += 'T';
  append_digits(out, second_of_day / 3600, 2);
  out += ':';
  append_digits(out, second_of_day / 60 % 60, 2);
  out += ':';
  append_digits(out, second_of_day % 60, 2);
  out += '.';
  append_digits(out, nanos, 9);
  out += 'Z';
}

void append_tape_header(std::string& out) {
  out += kQuoteTapeHeader;
  out += '\n';
}

bool append_tape_row(std::string& out, const QuoteTapeRow& row, TapeTimeFormat format) {
  // Exactly what the reader accepts: a symbol it would read back unchanged (no blanks at the
  // ends, which it trims), finite prices with 0 <= bid <= ask and ask > 0, sizes >= 0.
  if (symbol_problem(row.symbol) != nullptr || row.symbol.find_first_not_of(kBlanks) != 0 ||
      row.symbol.find_last_not_of(kBlanks) != row.symbol.size() - 1) {
    return false;
  }
  if (row.time_ns < 0 || !std::isfinite(row.bid) || !std::isfinite(row.ask) || row.bid < 0.0 ||
      !(row.ask > 0.0) || row.ask < row.bid || row.bid_size < 0 || row.ask_size < 0) {
    return false;
  }
  if (format == TapeTimeFormat::kIso) {
    append_iso_time(out, row.time_ns);
  } else {
    append_number(out, row.time_ns);
  }
  out += ',';
  out += row.symbol;
  out += ',';
  append_number(out, row.bid);
  out += ',';
  append_number(out, row.ask);
  out += ',';
  append_number(out, row.bid_size);
  out += ',';
  append_number(out, row.ask_size);
  out += '\n';
  return true;
}

std::optional<std::string> format_quote_tape(const QuoteTape& tape, TapeTimeFormat format) {
  std::string out;
  out.reserve(kQuoteTapeHeader.size() + 1 + tape.records.size() * 72);
  append_tape_header(out);
  for (std::size_t i = 0; i < tape.records.size(); ++i) {
    if (i > 0 && tape.records[i].time_ns < tape.records[i - 1].time_ns) return std::nullopt;
    if (tape.records[i].symbol >= tape.symbols.size()) return std::nullopt;
    if (!append_tape_row(out, tape.row(i), format)) return std::nullopt;
  }
  return out;
}

}  // namespace hedged::sim
