// The replay feed driven by a fake clock: rows come out at their offsets at speed 1, ten times
// sooner at speed 10 and all at once at speed 0; late polls catch up and report lag; unknown
// symbols are skipped and counted; loops restart with sequence numbers still rising; a bad
// file or config fails at start-up with a message naming the file, line and column.
#include "adapters/marketdata/replay_feed.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/test_support.hpp"

namespace hedged::marketdata {
namespace {

constexpr TimeNs kMs = kNanosPerMilli;
constexpr TimeNs kSecond = kNanosPerSecond;
constexpr TimeNs kT0 = 1'800'000'000 * kSecond;        // the wall clock at the first poll
constexpr TimeNs kTapeOpen = 1'772'461'800 * kSecond;  // 2026-03-02T14:30:00Z

class RecordingSink final : public QuoteSink {
 public:
  void on_quote(const Quote& quote) noexcept override { quotes.push_back(quote); }
  std::vector<Quote> quotes;
};

// config/default.yaml's spot and hedge instruments.
std::vector<MdInstrument> instruments() {
  return {{"SIM", 0}, {"IDX", 1}, {"IDX-F", 2}};
}

// Rows at +0, +0, +250 ms, +1 s and +2 s.
constexpr const char* kTape =
    "time,symbol,bid,ask,bid_size,ask_size\n"
    "2026-03-02T14:30:00Z,SIM,99.99,100.01,500,700\n"
    "2026-03-02T14:30:00Z,IDX-F,5012.25,5012.5,8,11\n"
    "2026-03-02T14:30:00.250Z,SIM,100,100.02,400,600\n"
    "2026-03-02T14:30:01Z,IDX,5000,5000.5,100,200\n"
    "1772461802000000000,SIM,100.01,100.03,300,500\n";

sim::QuoteTape tape(const std::string& text = kTape) {
  sim::QuoteTapeResult parsed = sim::parse_quote_tape(text);
  if (!parsed.tape) throw std::runtime_error(parsed.error.describe("test tape"));
  return *parsed.tape;
}

ReplayConfig config(double speed, bool loop = false) {
  ReplayConfig c;
  c.speed = speed;
  c.loop = loop;
  return c;
}

TEST(ReplayFeed, plays_rows_at_their_offsets_at_speed_one) {
  RecordingSink sink;
  ReplayFeed feed(tape(), config(1.0), instruments(), sink);
  EXPECT_EQ(feed.poll(kT0), 2);  // the first poll starts the clock; both +0 rows are due
  ASSERT_EQ(sink.quotes.size(), 2u);
  EXPECT_EQ(feed.poll(kT0 + 249 * kMs), 0);
  EXPECT_EQ(feed.poll(kT0 + 250 * kMs), 1);
  EXPECT_EQ(feed.poll(kT0 + 999 * kMs), 0);
  EXPECT_EQ(feed.poll(kT0 + kSecond), 1);
  EXPECT_FALSE(feed.finished());
  EXPECT_EQ(feed.poll(kT0 + 2 * kSecond - 1), 0);
  EXPECT_EQ(feed.poll(kT0 + 2 * kSecond), 1);
  EXPECT_TRUE(feed.finished());
  EXPECT_EQ(feed.poll(kT0 + 10 * kSecond), 0);

  ASSERT_EQ(sink.quotes.size(), 5u);
  const Quote& first = sink.quotes[0];
  EXPECT_EQ(first.instrument, 0u);
  EXPECT_EQ(first.bid, 99.99);
  EXPECT_EQ(first.ask, 100.01);
  EXPECT_EQ(first.bid_size, 500);
  EXPECT_EQ(first.ask_size, 700);
  EXPECT_EQ(first.source_ns, kT0);
  EXPECT_EQ(sink.quotes[1].instrument, 2u);
  EXPECT_EQ(sink.quotes[1].bid, 5012.25);
  EXPECT_EQ(sink.quotes[3].instrument, 1u);
  EXPECT_EQ(sink.quotes[3].source_ns, kT0 + kSecond);  // stamped with the publication time
  for (std::size_t i = 0; i < sink.quotes.size(); ++i) {
    EXPECT_EQ(sink.quotes[i].seq, i + 1);  // from 1: 0 means "no quote yet" downstream
    EXPECT_TRUE(sink.quotes[i].valid());
  }

  const ReplayStats s = feed.stats();
  EXPECT_EQ(s.rows, 5u);
  EXPECT_EQ(s.played, 5u);
  EXPECT_EQ(s.skipped, 0u);
  EXPECT_EQ(s.loops, 0u);
  EXPECT_EQ(s.lag_ns, 0);
  EXPECT_EQ(s.max_lag_ns, 0);
  EXPECT_EQ(s.tape_time_ns, kTapeOpen + 2 * kSecond);
  EXPECT_TRUE(s.finished);
}

TEST(ReplayFeed, plays_ten_times_faster_at_speed_ten) {
  RecordingSink sink;
  ReplayFeed feed(tape(), config(10.0), instruments(), sink);
  EXPECT_EQ(feed.poll(kT0), 2);
  EXPECT_EQ(feed.poll(kT0 + 25 * kMs - 1), 0);
  EXPECT_EQ(feed.poll(kT0 + 25 * kMs), 1);
  EXPECT_EQ(feed.poll(kT0 + 100 * kMs - 1), 0);
  EXPECT_EQ(feed.poll(kT0 + 100 * kMs), 1);
  EXPECT_EQ(feed.poll(kT0 + 200 * kMs - 1), 0);
  EXPECT_EQ(feed.poll(kT0 + 200 * kMs), 1);
  EXPECT_TRUE(feed.finished());
  EXPECT_EQ(sink.quotes.size(), 5u);
}

TEST(ReplayFeed, slows_down_below_speed_one) {
  RecordingSink sink;
  ReplayFeed feed(tape(), config(0.5), instruments(), sink);
  EXPECT_EQ(feed.poll(kT0), 2);
  EXPECT_EQ(feed.poll(kT0 + 499 * kMs), 0);
  EXPECT_EQ(feed.poll(kT0 + 500 * kMs), 1);
  EXPECT_EQ(feed.poll(kT0 + 4 * kSecond - 1), 1);  // the +1 s row, due at +2 s
  EXPECT_EQ(feed.poll(kT0 + 4 * kSecond), 1);
  EXPECT_TRUE(feed.finished());
}

TEST(ReplayFeed, plays_everything_at_once_at_speed_zero) {
  RecordingSink sink;
  ReplayFeed feed(tape(), config(0.0), instruments(), sink);
  EXPECT_EQ(feed.poll(kT0), 5);
  EXPECT_TRUE(feed.finished());
  ASSERT_EQ(sink.quotes.size(), 5u);
  EXPECT_EQ(sink.quotes[4].bid, 100.01);
  EXPECT_EQ(sink.quotes[4].seq, 5u);
  EXPECT_EQ(feed.stats().lag_ns, 0);
}

TEST(ReplayFeed, bounds_each_poll_and_continues_on_the_next) {
  RecordingSink sink;
  ReplayConfig c = config(0.0);
  c.max_rows_per_poll = 2;
  ReplayFeed feed(tape(), c, instruments(), sink);
  EXPECT_EQ(feed.poll(kT0), 2);
  EXPECT_EQ(feed.poll(kT0), 2);
  EXPECT_FALSE(feed.finished());
  EXPECT_EQ(feed.poll(kT0), 1);
  EXPECT_TRUE(feed.finished());
  EXPECT_EQ(sink.quotes.size(), 5u);
}

TEST(ReplayFeed, a_late_poll_catches_up_and_reports_the_lag) {
  RecordingSink sink;
  ReplayFeed feed(tape(), config(1.0), instruments(), sink);
  EXPECT_EQ(feed.poll(kT0), 2);
  EXPECT_EQ(feed.poll(kT0 + 5 * kSecond), 3);  // the feed keeps the tape's schedule
  const ReplayStats s = feed.stats();
  EXPECT_EQ(s.lag_ns, 3 * kSecond);     // the +2 s row went out at +5 s
  EXPECT_EQ(s.max_lag_ns, 4750 * kMs);  // the +250 ms row
  EXPECT_EQ(sink.quotes[2].source_ns, kT0 + 5 * kSecond);
  EXPECT_TRUE(s.finished);
}

TEST(ReplayFeed, skips_and_counts_rows_of_unknown_symbols) {
  RecordingSink sink;
  const std::string text =
      "time,symbol,bid,ask,bid_size,ask_size\n"
      "2026-03-02T14:30:00Z,XYZ,1,2,3,4\n"
      "2026-03-02T14:30:00Z,SIM,99.99,100.01,500,700\n"
      "2026-03-02T14:30:00.1Z,ABC,1,2,3,4\n"
      "2026-03-02T14:30:00.2Z,XYZ,1,2,3,4\n"
      "2026-03-02T14:30:00.3Z,IDX,5000,5000.5,100,200\n";
  ReplayFeed feed(tape(text), config(1.0), instruments(), sink);
  ASSERT_EQ(feed.unknown_symbols().size(), 2u);  // one entry per symbol, in order of appearance
  EXPECT_EQ(feed.unknown_symbols()[0].symbol, "XYZ");
  EXPECT_EQ(feed.unknown_symbols()[0].rows, 2u);
  EXPECT_EQ(feed.unknown_symbols()[1].symbol, "ABC");
  EXPECT_EQ(feed.unknown_symbols()[1].rows, 1u);

  EXPECT_EQ(feed.poll(kT0), 2);  // XYZ skipped, SIM played: both consumed
  EXPECT_EQ(feed.poll(kT0 + 300 * kMs), 3);
  ASSERT_EQ(sink.quotes.size(), 2u);
  EXPECT_EQ(sink.quotes[0].instrument, 0u);
  EXPECT_EQ(sink.quotes[1].instrument, 1u);
  EXPECT_EQ(sink.quotes[1].seq, 2u);  // skipped rows take no sequence number
  const ReplayStats s = feed.stats();
  EXPECT_EQ(s.played, 2u);
  EXPECT_EQ(s.skipped, 3u);
  EXPECT_TRUE(s.finished);
}

TEST(ReplayFeed, loops_one_average_interval_after_the_last_row) {
  RecordingSink sink;
  ReplayFeed feed(tape(), config(1.0, true), instruments(), sink);
  // Distinct times +0, +0.25, +1, +2: the average interval is 2 s / 3, so a pass lasts 8/3 s.
  const TimeNs pass = 2 * kSecond + 2 * kSecond / 3;
  EXPECT_EQ(feed.poll(kT0), 2);
  EXPECT_EQ(feed.poll(kT0 + 2 * kSecond), 3);
  EXPECT_FALSE(feed.finished());  // looping never finishes
  EXPECT_EQ(feed.poll(kT0 + pass - 1), 0);
  EXPECT_EQ(feed.stats().loops, 0u);
  EXPECT_EQ(feed.poll(kT0 + pass), 2);
  EXPECT_EQ(feed.stats().loops, 1u);
  EXPECT_EQ(feed.poll(kT0 + pass + 250 * kMs), 1);
  // Ten passes in: eight more whole passes plus the start of the tenth pass after the first.
  EXPECT_EQ(feed.poll(kT0 + 10 * pass), 2 + 5 * 8 + 2);
  const ReplayStats s = feed.stats();
  EXPECT_EQ(s.loops, 10u);
  EXPECT_EQ(s.played, 5u * 10 + 2);
  EXPECT_FALSE(s.finished);
  ASSERT_EQ(sink.quotes.size(), 52u);
  for (std::size_t i = 0; i < sink.quotes.size(); ++i) EXPECT_EQ(sink.quotes[i].seq, i + 1);
  // The second pass plays the same prices as the first.
  EXPECT_EQ(sink.quotes[5].bid, sink.quotes[0].bid);
  EXPECT_EQ(sink.quotes[5].source_ns, kT0 + pass);
}

TEST(ReplayFeed, loops_at_speed_zero_within_the_per_poll_bound) {
  RecordingSink sink;
  ReplayConfig c = config(0.0, true);
  c.max_rows_per_poll = 7;
  ReplayFeed feed(tape(), c, instruments(), sink);
  EXPECT_EQ(feed.poll(kT0), 7);
  EXPECT_EQ(feed.stats().loops, 1u);
  EXPECT_EQ(feed.poll(kT0), 7);
  EXPECT_EQ(feed.stats().loops, 2u);
  EXPECT_EQ(sink.quotes.size(), 14u);
  EXPECT_EQ(sink.quotes.back().seq, 14u);
}

TEST(ReplayFeed, start_offset_skips_the_beginning_of_the_tape) {
  RecordingSink sink;
  ReplayConfig c = config(1.0);
  c.start_offset_ns = 500 * kMs;
  ReplayFeed feed(tape(), c, instruments(), sink);
  EXPECT_EQ(feed.stats().rows, 2u);  // the +1 s and +2 s rows
  EXPECT_EQ(feed.poll(kT0), 0);      // the clock starts at tape time +500 ms
  EXPECT_EQ(feed.poll(kT0 + 500 * kMs - 1), 0);
  EXPECT_EQ(feed.poll(kT0 + 500 * kMs), 1);
  EXPECT_EQ(sink.quotes[0].instrument, 1u);
  EXPECT_EQ(feed.poll(kT0 + 1500 * kMs), 1);
  EXPECT_TRUE(feed.finished());
}

TEST(ReplayFeed, refuses_configs_that_do_not_fit_the_tape) {
  RecordingSink sink;
  const auto message = [&](const ReplayConfig& c, const std::string& text = kTape) {
    try {
      ReplayFeed feed(tape(text), c, instruments(), sink);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message(config(-1.0)),
            "replay speed must be a number >= 0 (0: as fast as possible), got -1");
  EXPECT_NE(message(config(std::nan(""))), "accepted");
  ReplayConfig late = config(1.0);
  late.path = "day.csv";
  late.start_offset_ns = 3 * kSecond;
  EXPECT_EQ(message(late),
            "day.csv: replay start_offset 3s is past the tape's last row (the tape spans 2s)");
  ReplayConfig zero = config(1.0);
  zero.max_rows_per_poll = 0;
  EXPECT_EQ(message(zero), "replay max_rows_per_poll must be at least 1");
  EXPECT_EQ(message(config(1.0), "time,symbol,bid,ask,bid_size,ask_size\n"),
            "the replay tape has no quote rows");
  const std::string one_time =
      "time,symbol,bid,ask,bid_size,ask_size\n"
      "2026-03-02T14:30:00Z,SIM,1,2,3,4\n"
      "2026-03-02T14:30:00Z,IDX,1,2,3,4\n";
  EXPECT_NE(message(config(1.0, true), one_time), "accepted");
  EXPECT_EQ(message(config(0.0, true), one_time), "accepted");
  EXPECT_EQ(message(config(1.0, false), one_time), "accepted");
}

TEST(ReplayFeed, opening_a_bad_file_fails_with_file_line_column) {
  testing::TempDir dir("replay-feed-test");
  RecordingSink sink;
  ReplayConfig c = config(1.0);
  c.path = dir.write("bad.csv",
                     "time,symbol,bid,ask,bid_size,ask_size\n"
                     "2026-03-02T14:30:00Z,SIM,99.99,100.01,500,700\n"
                     "2026-03-02T14:30:01Z,SIM,abc,100.01,500,700\n")
               .string();
  try {
    (void)ReplayFeed::open(c, instruments(), sink);
    FAIL() << "opened a bad file";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), c.path + ":3:26: bad bid 'abc': expected a number");
  }
  c.path = (dir.path() / "missing.csv").string();
  const TapeFileResult missing = read_quote_tape_file(c.path);
  EXPECT_FALSE(missing.tape.has_value());
  EXPECT_EQ(missing.error, c.path + ": cannot read: No such file or directory");
  EXPECT_THROW((void)ReplayFeed::open(c, instruments(), sink), std::runtime_error);
}

TEST(ReplayFeed, plays_the_sample_tape_for_the_default_config) {
  RecordingSink sink;
  ReplayConfig c = config(0.0);
  c.path = std::string(HEDGED_SOURCE_DIR) + "/config/replay/sample_quotes.csv";
  const auto feed = ReplayFeed::open(c, instruments(), sink);
  EXPECT_TRUE(feed->unknown_symbols().empty());
  const std::size_t rows = feed->stats().rows;
  EXPECT_GT(rows, 600u);  // about four quotes a second for three instruments, for a minute
  while (!feed->finished()) feed->poll(kT0);
  EXPECT_EQ(sink.quotes.size(), rows);
  int per_instrument[3] = {0, 0, 0};
  for (const Quote& q : sink.quotes) {
    ASSERT_LT(q.instrument, 3u);
    ++per_instrument[q.instrument];
    EXPECT_TRUE(q.valid());
    EXPECT_GT(q.bid, 0.0);
    // Near config/default.yaml's initial spots: SIM 100, IDX 5000, IDX-F at carry.
    const double mid = q.mid();
    const double around = q.instrument == 0 ? 100.0 : 5000.0 * (q.instrument == 2 ? 1.006 : 1.0);
    EXPECT_NEAR(mid / around, 1.0, 0.02) << q.instrument;
  }
  EXPECT_EQ(per_instrument[0], per_instrument[1]);
  EXPECT_EQ(per_instrument[1], per_instrument[2]);
  // The sample spans a minute.
  sim::QuoteTape t = *read_quote_tape_file(c.path).tape;
  const TimeNs span = t.records.back().time_ns - t.records.front().time_ns;
  EXPECT_GT(span, 55 * kSecond);
  EXPECT_LT(span, 60 * kSecond);
}

}  // namespace
}  // namespace hedged::marketdata
