// Unit tests for Seqlock: value round trips for odd-sized payloads and the version protocol.
#include "core/concurrent/seqlock.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace hedged::concurrent {
namespace {

// 40 bytes: five 8-byte words exactly.
struct Quote {
  double bid;
  double ask;
  std::int64_t bid_size;
  std::int64_t ask_size;
  std::uint32_t instrument;
  std::uint32_t flags;
};
static_assert(sizeof(Quote) == 40);

// 37 bytes: the last payload word is only partly used.
struct Odd {
  unsigned char bytes[37];
};
static_assert(sizeof(Odd) == 37);
static_assert(Seqlock<Odd>::kWordCount == 5);

// Over-aligned and not default constructible: load() must still build one.
struct alignas(16) Pair {
  Pair(std::int32_t a_in, std::int32_t b_in) : a(a_in), b(b_in) {}
  std::int32_t a;
  std::int32_t b;
};
static_assert(!std::is_default_constructible_v<Pair>);

TEST(Seqlock, load_returns_last_stored_40_byte_struct) {
  Seqlock<Quote> cell;
  cell.store(Quote{100.25, 100.5, 7, 9, 42, 3});
  cell.store(Quote{101.25, 101.75, 11, 13, 43, 5});
  const Quote got = cell.load();
  EXPECT_EQ(got.bid, 101.25);
  EXPECT_EQ(got.ask, 101.75);
  EXPECT_EQ(got.bid_size, 11);
  EXPECT_EQ(got.ask_size, 13);
  EXPECT_EQ(got.instrument, 43U);
  EXPECT_EQ(got.flags, 5U);
}

TEST(Seqlock, round_trips_payload_that_is_not_a_whole_number_of_words) {
  Seqlock<Odd> cell;
  Odd in{};
  for (std::size_t i = 0; i < sizeof(in.bytes); ++i) {
    in.bytes[i] = static_cast<unsigned char>(0xA0 + i);
  }
  cell.store(in);
  const Odd got = cell.load();
  EXPECT_EQ(std::memcmp(got.bytes, in.bytes, sizeof(in.bytes)), 0);
  EXPECT_EQ(got.bytes[36], static_cast<unsigned char>(0xA0 + 36));
}

TEST(Seqlock, default_constructed_cell_reads_zero_at_version_zero) {
  Seqlock<Quote> cell;
  EXPECT_EQ(cell.version(), 0U);
  const Quote got = cell.load();
  EXPECT_EQ(got.bid, 0.0);
  EXPECT_EQ(got.ask_size, 0);
  EXPECT_EQ(got.flags, 0U);
}

TEST(Seqlock, constructor_value_is_readable_without_bumping_version) {
  const Seqlock<Pair> cell(Pair(-3, 8));
  EXPECT_EQ(cell.version(), 0U);
  const Pair got = cell.load();
  EXPECT_EQ(got.a, -3);
  EXPECT_EQ(got.b, 8);
}

TEST(Seqlock, version_advances_by_two_per_store) {
  Seqlock<Pair> cell(Pair(0, 0));
  for (std::int32_t i = 1; i <= 5; ++i) {
    cell.store(Pair(i, -i));
    EXPECT_EQ(cell.version(), static_cast<std::uint64_t>(2 * i));
  }
  const Pair got = cell.load();
  EXPECT_EQ(got.a, 5);
  EXPECT_EQ(got.b, -5);
}

TEST(Seqlock, try_load_succeeds_and_copies_when_no_store_is_running) {
  Seqlock<Quote> cell;
  cell.store(Quote{1.5, 2.5, 3, 4, 5, 6});
  Quote out{};
  ASSERT_TRUE(cell.try_load(out));
  EXPECT_EQ(out.bid, 1.5);
  EXPECT_EQ(out.ask, 2.5);
  EXPECT_EQ(out.instrument, 5U);
  EXPECT_EQ(cell.version() % 2, 0U);
}

// Not covered here: try_load failing while a store is half done. The class exposes no hook to
// pause a store, so that path is exercised only by the concurrent stress test.

}  // namespace
}  // namespace hedged::concurrent
