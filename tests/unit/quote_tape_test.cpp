// The quote tape format: good files in both time forms with comments, blank lines, CRLF and a
// byte-order mark; every kind of error at its exact line and column; the streaming reader; and
// a seeded round trip of awkward doubles that must read back bit for bit.
#include "core/sim/quote_tape.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/sim/rng.hpp"

namespace hedged::sim {
namespace {

constexpr TimeNs kOpen = 1'772'461'800 * kNanosPerSecond;  // 2026-03-02T14:30:00Z
constexpr std::string_view kHeader = "time,symbol,bid,ask,bid_size,ask_size\n";

QuoteTape parse_ok(std::string_view text) {
  QuoteTapeResult result = parse_quote_tape(text);
  EXPECT_TRUE(result.tape.has_value()) << result.error.describe("tape.csv");
  return result.tape ? *result.tape : QuoteTape{};
}

TapeError parse_error(std::string_view text) {
  QuoteTapeResult result = parse_quote_tape(text);
  EXPECT_FALSE(result.tape.has_value()) << "parsed: " << text;
  return result.error;
}

// A file with the header and `rows` after it: rows start on line 2.
TapeError row_error(const std::string& rows) {
  return parse_error(std::string(kHeader) + rows);
}

TEST(QuoteTape, parses_iso_and_nanosecond_times_with_comments_and_blank_lines) {
  const std::string text =
      "\xEF\xBB\xBF# recorded on the SIM desk\r\n"
      "time,symbol,bid,ask,bid_size,ask_size\r\n"
      "\r\n"
      "2026-03-02T14:30:00Z,SIM,99.99,100.01,500,700\r\n"
      "   # an indented comment\n"
      "1772461800000000001,IDX-F,5012.25,5012.5,8,11\n"
      "\t \n"
      "2026-03-02T14:30:00.1Z, SIM ,99.98,100,300,900\n"
      "2026-03-02T14:30:00.100000000Z,IDX,0,5000.5,0,1";  // no final newline
  const QuoteTape tape = parse_ok(text);
  ASSERT_EQ(tape.symbols, (std::vector<std::string>{"SIM", "IDX-F", "IDX"}));
  ASSERT_EQ(tape.records.size(), 4u);
  EXPECT_EQ(tape.records[0], (TapeRecord{kOpen, 0, 99.99, 100.01, 500, 700}));
  EXPECT_EQ(tape.records[1], (TapeRecord{kOpen + 1, 1, 5012.25, 5012.5, 8, 11}));
  EXPECT_EQ(tape.records[2], (TapeRecord{kOpen + 100'000'000, 0, 99.98, 100.0, 300, 900}));
  // Equal times are allowed; a zero bid (no bid) with a positive ask is a valid quote.
  EXPECT_EQ(tape.records[3], (TapeRecord{kOpen + 100'000'000, 2, 0.0, 5000.5, 0, 1}));
}

TEST(QuoteTape, header_only_file_is_an_empty_tape) {
  const QuoteTape tape = parse_ok("# nothing traded\ntime,symbol,bid,ask,bid_size,ask_size\n");
  EXPECT_TRUE(tape.records.empty());
  EXPECT_TRUE(tape.symbols.empty());
  // Blanks around the header's names are allowed, as around any field.
  EXPECT_TRUE(parse_quote_tape(" time , symbol,bid,ask,bid_size,ask_size\t\n").tape.has_value());
}

TEST(QuoteTape, reads_every_fraction_length_down_to_nanoseconds) {
  EXPECT_EQ(parse_tape_time("2026-03-02T14:30:00Z"), kOpen);
  EXPECT_EQ(parse_tape_time("2026-03-02T14:30:00.5Z"), kOpen + 500'000'000);
  EXPECT_EQ(parse_tape_time("2026-03-02T14:30:00.123Z"), kOpen + 123'000'000);
  EXPECT_EQ(parse_tape_time("2026-03-02T14:30:00.123456Z"), kOpen + 123'456'000);
  EXPECT_EQ(parse_tape_time("2026-03-02T14:30:00.123456789Z"), kOpen + 123'456'789);
  EXPECT_EQ(parse_tape_time("2026-03-02T14:30:00.000000001Z"), kOpen + 1);
  EXPECT_EQ(parse_tape_time("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_tape_time("2000-03-01T00:00:00Z"), 951'868'800 * kNanosPerSecond);
  EXPECT_EQ(parse_tape_time("2024-02-29T23:59:59.999999999Z"),
            1'709'251'199 * kNanosPerSecond + 999'999'999);
  EXPECT_EQ(parse_tape_time("2262-04-11T23:47:16.854775807Z"), std::numeric_limits<TimeNs>::max());
  EXPECT_EQ(parse_tape_time("1772461800123456789"), kOpen + 123'456'789);
  EXPECT_EQ(parse_tape_time("0"), 0);
  EXPECT_EQ(parse_tape_time("2262-04-11T23:47:16.854775808Z"), std::nullopt);
  EXPECT_EQ(parse_tape_time("9223372036854775808"), std::nullopt);
  EXPECT_EQ(parse_tape_time("2026-03-02t14:30:00Z"), std::nullopt);
  EXPECT_EQ(parse_tape_time(""), std::nullopt);
}

TEST(QuoteTape, formats_iso_times_with_nine_fraction_digits) {
  const auto iso = [](TimeNs t) {
    std::string s;
    append_iso_time(s, t);
    return s;
  };
  EXPECT_EQ(iso(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(iso(kOpen + 123'456'789), "2026-03-02T14:30:00.123456789Z");
  EXPECT_EQ(iso(1'709'251'199 * kNanosPerSecond + 999'999'999), "2024-02-29T23:59:59.999999999Z");
  EXPECT_EQ(iso(std::numeric_limits<TimeNs>::max()), "2262-04-11T23:47:16.854775807Z");
  EXPECT_EQ(iso(-1), "1969-12-31T23:59:59.999999999Z");
}

// --- Errors: line and column of the offending field. ------------------------------------------

struct ErrorCase {
  std::string rows;  // after the header line
  std::size_t line;
  std::size_t column;
  std::string message;
};

TEST(QuoteTape, reports_each_row_error_at_its_line_and_field_column) {
  // Columns of "2026-03-02T14:30:00Z,SIM,99.5,100.5,10,20":
  // time 1, symbol 22, bid 26, ask 31, bid_size 37, ask_size 40.
  const std::vector<ErrorCase> cases = {
      {"2026-03-02T14:30:00Z,SIM,abc,100.5,10,20\n", 2, 26, "bad bid 'abc': expected a number"},
      {"2026-03-02T14:30:00Z,SIM,99.5,1.2.3,10,20\n", 2, 31, "bad ask '1.2.3': expected a number"},
      {"2026-03-02T14:30:00Z,SIM,,100.5,10,20\n", 2, 26, "empty bid"},
      {"2026-03-02T14:30:00Z,SIM,99.5,inf,10,20\n", 2, 31, "bad ask 'inf': prices must be finite"},
      {"2026-03-02T14:30:00Z,SIM,99.5,nan,10,20\n", 2, 31, "bad ask 'nan': prices must be finite"},
      {"2026-03-02T14:30:00Z,SIM,99.5,1e999,10,20\n", 2, 31, "bad ask '1e999': out of range"},
      {"2026-03-02T14:30:00Z,SIM,-1,100.5,10,20\n", 2, 26, "negative bid -1"},
      {"2026-03-02T14:30:00Z,SIM,0,0,10,20\n", 2, 28, "ask must be positive, got 0"},
      {"2026-03-02T14:30:00Z,SIM,100.5,99.5,10,20\n", 2, 32,
       "ask 99.5 is below bid 100.5 (a crossed quote)"},
      {"2026-03-02T14:30:00Z,SIM,99.5,100.5,-10,20\n", 2, 37, "negative bid_size -10"},
      {"2026-03-02T14:30:00Z,SIM,99.5,100.5,10,2.5\n", 2, 40,
       "bad ask_size '2.5': expected a whole number"},
      {"2026-03-02T14:30:00Z,SIM,99.5,100.5,10,x\n", 2, 40, "bad ask_size 'x': expected a number"},
      {"2026-03-02T14:30:00Z,SIM,99.5,100.5,99999999999999999999,20\n", 2, 37,
       "bad bid_size '99999999999999999999': out of range"},
      {"2026-03-02T14:30:00Z,SIM,99.5,100.5,,20\n", 2, 37, "empty bid_size"},
      {"2026-03-02T14:30:00Z,SIM,99.5,100.5,10\n", 2, 39,
       "missing field 'ask_size': a row has 6 fields (time,symbol,bid,ask,bid_size,ask_size), "
       "this one has 5"},
      {"2026-03-02T14:30:00Z\n", 2, 21,
       "missing field 'symbol': a row has 6 fields (time,symbol,bid,ask,bid_size,ask_size), "
       "this one has 1"},
      {"2026-03-02T14:30:00Z,SIM,99.5,100.5,10,20,7\n", 2, 43,
       "unexpected field 7: a row has 6 fields (time,symbol,bid,ask,bid_size,ask_size)"},
      {"2026-03-02T14:30:00Z,,99.5,100.5,10,20\n", 2, 22, "empty symbol"},
      {"2026-03-02T14:30:00Z,\"SIM\",99.5,100.5,10,20\n", 2, 22,
       "symbol contains a double quote: quoted fields are not supported"},
      {",SIM,99.5,100.5,10,20\n", 2, 1, "empty time"},
      // Blanks around a field: the column is where its text starts.
      {"2026-03-02T14:30:00Z, SIM,  abc,100.5,10,20\n", 2, 29, "bad bid 'abc': expected a number"},
      // Later lines: comments and blank lines count.
      {"# c\n\n2026-03-02T14:30:00Z,SIM,99.5,100.5,10,20\n2026-03-02T14:30:00Z,SIM,99.5,x,1,2\n", 5,
       31, "bad ask 'x': expected a number"},
  };
  for (const ErrorCase& c : cases) {
    const TapeError error = row_error(c.rows);
    EXPECT_EQ(error.line, c.line) << c.rows;
    EXPECT_EQ(error.column, c.column) << c.rows;
    EXPECT_EQ(error.message, c.message) << c.rows;
  }
}

TEST(QuoteTape, reports_each_malformed_time_with_its_reason) {
  const std::string shape =
      "expected ISO-8601 UTC such as 2026-03-02T14:30:00.123456789Z, or integer nanoseconds "
      "since the Unix epoch";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"2026-03-02 14:30:00Z", shape},
      {"14:30:00", shape},
      {"2026-3-2T14:30:00Z", shape},
      {"2026-03-02T14:30:00.Z", "expected digits after the decimal point"},
      {"2026-13-02T14:30:00Z", "month out of range (01-12)"},
      {"2026-00-02T14:30:00Z", "month out of range (01-12)"},
      {"2026-02-29T14:30:00Z", "day out of range for the month"},  // 2026 is no leap year
      {"2026-04-31T14:30:00Z", "day out of range for the month"},
      {"2026-03-02T24:00:00Z", "hour out of range (00-23)"},
      {"2026-03-02T14:60:00Z", "minute out of range (00-59)"},
      {"2026-03-02T14:30:60Z", "second out of range (00-59)"},
      {"2026-03-02T14:30:00", "missing the 'Z' suffix: times are UTC"},
      {"2026-03-02T14:30:00+01:00", "expected 'Z': times are UTC, not offsets"},
      {"2026-03-02T14:30:00.1234567890Z",
       "more than 9 fraction digits (nanoseconds are the finest)"},
      {"1969-12-31T23:59:59Z", "before 1970-01-01"},
      {"-5", "before 1970-01-01"},
      {"9223372036854775808", "out of range for 64-bit nanoseconds"},
      {"2262-04-11T23:47:16.854775808Z",
       "out of range for 64-bit nanoseconds (after 2262-04-11T23:47:16.854775807Z)"},
      {"1.5e18", shape},
  };
  for (const auto& [time, why] : cases) {
    const TapeError error = row_error(time + ",SIM,99.5,100.5,10,20\n");
    EXPECT_EQ(error.line, 2u) << time;
    EXPECT_EQ(error.column, 1u) << time;
    EXPECT_EQ(error.message, "bad time '" + time + "': " + why);
  }
}

TEST(QuoteTape, rejects_time_going_backwards_naming_the_earlier_line) {
  const TapeError error = row_error(
      "2026-03-02T14:30:01Z,SIM,99.5,100.5,10,20\n"
      "# a comment\n"
      "2026-03-02T14:30:01Z,IDX,5000,5001,1,1\n"  // equal time: fine
      "2026-03-02T14:30:00.5Z,SIM,99.5,100.5,10,20\n");
  EXPECT_EQ(error.line, 5u);
  EXPECT_EQ(error.column, 1u);
  EXPECT_EQ(error.message,
            "time goes backwards: 2026-03-02T14:30:00.500000000Z is before "
            "2026-03-02T14:30:01.000000000Z on line 4 (rows must be in time order)");
  // Mixed forms compare by value.
  const TapeError mixed =
      row_error("1772461800000000002,SIM,1,2,3,4\n2026-03-02T14:30:00.000000001Z,SIM,1,2,3,4\n");
  EXPECT_EQ(mixed.line, 3u);
  EXPECT_EQ(mixed.column, 1u);
}

TEST(QuoteTape, reports_header_errors) {
  const std::string header = " (the header is 'time,symbol,bid,ask,bid_size,ask_size')";
  const std::vector<ErrorCase> cases = {
      {"time,symbol,px,ask,bid_size,ask_size\n", 1, 13,
       "unknown column 'px' in the header, expected 'bid'" + header},
      {"Time,symbol,bid,ask,bid_size,ask_size\n", 1, 1,
       "unknown column 'Time' in the header, expected 'time'" + header},
      {"time,symbol,bid,ask,bid_size\n", 1, 29, "header is missing column 'ask_size'" + header},
      {"time,symbol,bid,ask,bid_size,ask_size,venue\n", 1, 39,
       "unknown column 'venue' in the header" + header},
      {"# c\n\n  2026-03-02T14:30:00Z,SIM,1,2,3,4\n", 3, 3,
       "missing header line: the first line that is not a comment must be "
       "'time,symbol,bid,ask,bid_size,ask_size'"},
      {"", 1, 1,
       "no header line: a quote tape starts with 'time,symbol,bid,ask,bid_size,ask_size' (the "
       "file is empty)"},
      {"# only\n# comments\n", 3, 1,
       "no header line: a quote tape starts with 'time,symbol,bid,ask,bid_size,ask_size'"},
  };
  for (const ErrorCase& c : cases) {
    const TapeError error = parse_error(c.rows);
    EXPECT_EQ(error.line, c.line) << c.rows;
    EXPECT_EQ(error.column, c.column) << c.rows;
    EXPECT_EQ(error.message, c.message) << c.rows;
  }
}

TEST(QuoteTape, describes_errors_as_file_line_column) {
  const TapeError error = row_error("2026-03-02T14:30:00Z,SIM,abc,100.5,10,20\n");
  EXPECT_EQ(error.describe("config/replay/day.csv"),
            "config/replay/day.csv:2:26: bad bid 'abc': expected a number");
}

// --- Streaming -------------------------------------------------------------------------------

TEST(QuoteTape, streaming_reader_returns_rows_viewing_their_line_and_stays_failed) {
  QuoteTapeReader reader;
  QuoteTapeRow row;
  using Kind = QuoteTapeReader::LineKind;
  EXPECT_EQ(reader.read_line("# comment", row), Kind::kSkipped);
  EXPECT_FALSE(reader.header_seen());
  EXPECT_EQ(reader.read_line("time,symbol,bid,ask,bid_size,ask_size\r", row), Kind::kSkipped);
  EXPECT_TRUE(reader.header_seen());
  const std::string line = "2026-03-02T14:30:00.25Z,IDX-F,5012.25,5012.5,8,11\r";
  ASSERT_EQ(reader.read_line(line, row), Kind::kRow);
  EXPECT_EQ(row.time_ns, kOpen + 250'000'000);
  EXPECT_EQ(row.symbol, "IDX-F");
  EXPECT_EQ(row.symbol.data(), line.data() + 24);  // a view into the caller's line, no copy
  EXPECT_EQ(row.bid, 5012.25);
  EXPECT_EQ(row.ask, 5012.5);
  EXPECT_EQ(row.bid_size, 8);
  EXPECT_EQ(row.ask_size, 11);
  EXPECT_EQ(reader.read_line("", row), Kind::kSkipped);
  EXPECT_EQ(reader.read_line("2026-03-02T14:30:00Z,SIM,1,2,3,4", row), Kind::kError);
  EXPECT_EQ(reader.error().line, 5u);
  EXPECT_EQ(reader.error().column, 1u);
  EXPECT_TRUE(reader.failed());
  // Once failed, always failed: the first error is the one reported.
  EXPECT_EQ(reader.read_line("2026-03-02T14:31:00Z,SIM,1,2,3,4", row), Kind::kError);
  EXPECT_FALSE(reader.finish());
  EXPECT_EQ(reader.error().line, 5u);
  EXPECT_EQ(reader.lines_read(), 5u);
}

TEST(QuoteTape, streaming_reader_finish_requires_a_header) {
  QuoteTapeReader reader;
  QuoteTapeRow row;
  EXPECT_EQ(reader.read_line("# just a comment", row), QuoteTapeReader::LineKind::kSkipped);
  EXPECT_FALSE(reader.finish());
  EXPECT_EQ(reader.error().line, 2u);
  QuoteTapeReader ok;
  EXPECT_EQ(ok.read_line("time,symbol,bid,ask,bid_size,ask_size", row),
            QuoteTapeReader::LineKind::kSkipped);
  EXPECT_TRUE(ok.finish());
}

// --- Writing ---------------------------------------------------------------------------------

TEST(QuoteTape, writes_prices_in_their_shortest_exact_form) {
  std::string out;
  ASSERT_TRUE(append_tape_row(out, {kOpen + 5, "SIM", 0.1 + 0.2, 0.30000000000000004 * 2, 7, 9}));
  EXPECT_EQ(out, "2026-03-02T14:30:00.000000005Z,SIM,0.30000000000000004,0.6000000000000001,7,9\n");
  out.clear();
  ASSERT_TRUE(
      append_tape_row(out, {kOpen, "IDX-F", 5012.25, 5012.5, 8, 11}, TapeTimeFormat::kNanos));
  EXPECT_EQ(out, "1772461800000000000,IDX-F,5012.25,5012.5,8,11\n");
}

TEST(QuoteTape, writer_refuses_rows_the_reader_would_refuse) {
  const QuoteTapeRow good{kOpen, "SIM", 99.5, 100.5, 10, 20};
  const auto refused = [](QuoteTapeRow row) {
    std::string out = "kept";
    const bool written = append_tape_row(out, row);
    EXPECT_EQ(out, "kept");  // nothing appended
    return !written;
  };
  QuoteTapeRow r = good;
  r.symbol = "A,B";
  EXPECT_TRUE(refused(r));
  r.symbol = "";
  EXPECT_TRUE(refused(r));
  r.symbol = " SIM";
  EXPECT_TRUE(refused(r));
  r.symbol = "S\"M";
  EXPECT_TRUE(refused(r));
  r = good;
  r.ask = 99.0;  // crossed
  EXPECT_TRUE(refused(r));
  r = good;
  r.bid = std::nan("");
  EXPECT_TRUE(refused(r));
  r = good;
  r.ask = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(refused(r));
  r = good;
  r.bid_size = -1;
  EXPECT_TRUE(refused(r));
  r = good;
  r.time_ns = -1;
  EXPECT_TRUE(refused(r));

  QuoteTape backwards;
  backwards.add({kOpen + 1, "SIM", 1, 2, 3, 4});
  backwards.add({kOpen, "SIM", 1, 2, 3, 4});
  EXPECT_EQ(format_quote_tape(backwards), std::nullopt);
}

// Awkward doubles: sums that are not what they look like, prices on a 1e-9 tick grid, tiny and
// huge magnitudes, neighbours of round numbers.
double awkward_price(Rng& rng) {
  switch (rng.uniform_int(0, 9)) {
    case 0: return 0.1 + 0.2;
    case 1: return static_cast<double>(rng.uniform_int(1, 1'000'000'000'000)) * 1e-9;
    case 2: return rng.uniform() * std::pow(10.0, static_cast<double>(rng.uniform_int(-9, 9)));
    case 3: return 100.0 + static_cast<double>(rng.uniform_int(-500, 500)) * 0.01;
    case 4: return std::nextafter(100.0, rng.uniform() < 0.5 ? 0.0 : 200.0);
    case 5: return 5000.0 + static_cast<double>(rng.uniform_int(-40, 40)) * 0.25;
    case 6: return DBL_MIN * (1.0 + rng.uniform());
    case 7:
      return std::numeric_limits<double>::denorm_min() * static_cast<double>(rng.uniform_int(1, 9));
    case 8: return 1e300 * (1.0 + rng.uniform());
    default:  // any positive finite double, drawn by its bits
      return std::bit_cast<double>(1 + rng.next() % 0x7FEF'FFFF'FFFF'FFFFull);
  }
}

std::uint64_t bits(double x) {
  return std::bit_cast<std::uint64_t>(x);
}

TEST(QuoteTape, round_trips_random_rows_bit_for_bit_in_both_time_forms) {
  const std::vector<std::string> symbols = {
      "SIM", "IDX", "IDX-F", "SIM-20260401-C-102.5", "SIM-20260401-P-97.5-A", "BRK B"};
  Rng rng(20260302);
  QuoteTape tape;
  TimeNs time = kOpen;
  for (int i = 0; i < 5000; ++i) {
    // A fifth of the rows share the previous row's time.
    if (rng.uniform() >= 0.2) time += rng.uniform_int(1, 2 * kNanosPerSecond);
    double a = awkward_price(rng);
    double b = awkward_price(rng);
    if (rng.uniform() < 0.05) a = 0.0;  // no bid
    if (a > b) std::swap(a, b);
    const std::int64_t size_cap =
        rng.uniform() < 0.1 ? std::numeric_limits<std::int64_t>::max() : 10'000;
    tape.add({time, symbols[static_cast<std::size_t>(rng.uniform_int(0, 5))], a, b,
              rng.uniform_int(0, size_cap), rng.uniform_int(0, size_cap)});
  }
  for (TapeTimeFormat format : {TapeTimeFormat::kIso, TapeTimeFormat::kNanos}) {
    const std::optional<std::string> text = format_quote_tape(tape, format);
    ASSERT_TRUE(text.has_value());
    const QuoteTape back = parse_ok(*text);
    ASSERT_EQ(back.symbols, tape.symbols);
    ASSERT_EQ(back.records.size(), tape.records.size());
    for (std::size_t i = 0; i < tape.records.size(); ++i) {
      const TapeRecord& want = tape.records[i];
      const TapeRecord& got = back.records[i];
      ASSERT_EQ(got.time_ns, want.time_ns) << "row " << i;
      ASSERT_EQ(got.symbol, want.symbol) << "row " << i;
      ASSERT_EQ(bits(got.bid), bits(want.bid)) << "row " << i << " bid " << want.bid;
      ASSERT_EQ(bits(got.ask), bits(want.ask)) << "row " << i << " ask " << want.ask;
      ASSERT_EQ(got.bid_size, want.bid_size) << "row " << i;
      ASSERT_EQ(got.ask_size, want.ask_size) << "row " << i;
    }
    // And the text is a fixed point: writing what was read gives the same bytes.
    EXPECT_EQ(format_quote_tape(back, format), text);
  }
}

}  // namespace
}  // namespace hedged::sim
