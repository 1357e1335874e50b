// Unit tests for ConflatingBoard: latest value wins, conflation counting, re-delivery after drain.
#include "core/concurrent/conflating_board.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace hedged::concurrent {
namespace {

struct Quote {
  double bid;
  double ask;
};

using Delivery = std::pair<std::uint32_t, std::int64_t>;

std::vector<Delivery> drain_all(ConflatingBoard<std::int64_t>& board) {
  std::vector<Delivery> got;
  board.drain([&](std::uint32_t key, std::int64_t value) { got.emplace_back(key, value); },
              board.key_count() + 1);
  return got;
}

TEST(ConflatingBoard, reports_key_count_and_starts_empty) {
  ConflatingBoard<std::int64_t> board(10);
  EXPECT_EQ(board.key_count(), 10U);
  EXPECT_EQ(board.published(), 0U);
  EXPECT_EQ(board.conflated(), 0U);
  EXPECT_TRUE(drain_all(board).empty());
}

TEST(ConflatingBoard, delivers_latest_value_of_a_key) {
  ConflatingBoard<Quote> board(4);
  board.publish(2, Quote{99.5, 100.0});
  board.publish(2, Quote{99.75, 100.25});
  std::vector<std::pair<std::uint32_t, Quote>> got;
  const std::size_t n =
      board.drain([&](std::uint32_t key, const Quote& q) { got.emplace_back(key, q); }, 16);
  ASSERT_EQ(n, 1U);
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0].first, 2U);
  EXPECT_EQ(got[0].second.bid, 99.75);
  EXPECT_EQ(got[0].second.ask, 100.25);
}

TEST(ConflatingBoard, key_published_three_times_is_delivered_once_with_last_value) {
  ConflatingBoard<std::int64_t> board(8);
  board.publish(5, 10);
  board.publish(5, 20);
  board.publish(5, 30);
  const std::vector<Delivery> got = drain_all(board);
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0], Delivery(5, 30));
}

TEST(ConflatingBoard, counts_publishes_and_conflations) {
  ConflatingBoard<std::int64_t> board(8);
  board.publish(1, 1);
  board.publish(1, 2);
  board.publish(1, 3);
  board.publish(4, 7);
  EXPECT_EQ(board.published(), 4U);
  EXPECT_EQ(board.conflated(), 2U);  // the 2nd and 3rd publish of key 1

  (void)drain_all(board);
  board.publish(1, 4);  // key 1 no longer queued: not a conflation
  EXPECT_EQ(board.published(), 5U);
  EXPECT_EQ(board.conflated(), 2U);
}

TEST(ConflatingBoard, delivers_every_changed_key_once_in_first_change_order) {
  ConflatingBoard<std::int64_t> board(16);
  board.publish(9, 90);
  board.publish(0, 1);
  board.publish(15, 150);
  board.publish(0, 2);
  board.publish(3, 30);
  const std::vector<Delivery> got = drain_all(board);
  const std::vector<Delivery> expected{{9, 90}, {0, 2}, {15, 150}, {3, 30}};
  EXPECT_EQ(got, expected);
}

TEST(ConflatingBoard, key_is_delivered_again_after_drain_clears_pending_flag) {
  ConflatingBoard<std::int64_t> board(4);
  board.publish(3, 1);
  ASSERT_EQ(drain_all(board), std::vector<Delivery>{Delivery(3, 1)});
  EXPECT_TRUE(drain_all(board).empty());

  board.publish(3, 2);
  EXPECT_EQ(drain_all(board), std::vector<Delivery>{Delivery(3, 2)});
}

TEST(ConflatingBoard, publish_during_delivery_is_delivered_by_next_drain) {
  ConflatingBoard<std::int64_t> board(4);
  board.publish(1, 100);
  std::vector<Delivery> got;
  // A publish landing after the flag was cleared (here: from inside the callback) must re-queue.
  board.drain(
      [&](std::uint32_t key, std::int64_t value) {
        got.emplace_back(key, value);
        board.publish(1, 101);
      },
      1);
  EXPECT_EQ(got, std::vector<Delivery>{Delivery(1, 100)});
  EXPECT_EQ(board.conflated(), 0U);
  EXPECT_EQ(drain_all(board), std::vector<Delivery>{Delivery(1, 101)});
}

TEST(ConflatingBoard, drain_stops_at_max_items_and_keeps_the_rest_queued) {
  ConflatingBoard<std::int64_t> board(8);
  for (std::uint32_t key = 0; key < 5; ++key) {
    board.publish(key, 10 + key);
  }
  std::vector<Delivery> first;
  const std::size_t n = board.drain(
      [&](std::uint32_t key, std::int64_t value) { first.emplace_back(key, value); }, 2);
  EXPECT_EQ(n, 2U);
  EXPECT_EQ(first, (std::vector<Delivery>{{0, 10}, {1, 11}}));

  board.publish(4, 44);  // still queued: conflates, rest keep their order
  EXPECT_EQ(board.conflated(), 1U);
  EXPECT_EQ(drain_all(board), (std::vector<Delivery>{{2, 12}, {3, 13}, {4, 44}}));
}

TEST(ConflatingBoard, every_key_can_be_dirty_at_once_even_with_a_small_ring_hint) {
  constexpr std::uint32_t kKeys = 100;  // not a power of two
  ConflatingBoard<std::int64_t> board(kKeys, 4);
  for (int round = 0; round < 3; ++round) {
    for (std::uint32_t key = 0; key < kKeys; ++key) {
      board.publish(key, round * 1000 + key);
    }
  }
  std::map<std::uint32_t, std::int64_t> latest;
  for (const Delivery& d : drain_all(board)) {
    EXPECT_TRUE(latest.emplace(d.first, d.second).second) << "key delivered twice: " << d.first;
  }
  ASSERT_EQ(latest.size(), kKeys);
  for (std::uint32_t key = 0; key < kKeys; ++key) {
    EXPECT_EQ(latest[key], 2000 + key);
  }
  EXPECT_EQ(board.conflated(), 2U * kKeys);
}

}  // namespace
}  // namespace hedged::concurrent
