// Stress test for SpscRing: one producer and one consumer thread move a long sequence through a
// small ring; every value must arrive exactly once and in order. Meant to run under TSan too.
#include "core/concurrent/spsc_ring.hpp"

#include <gtest/gtest.h>

#include "tests/support/sanitizers.hpp"

#include <cstdint>
#include <thread>

namespace hedged::concurrent {
namespace {

using hedged::testing::kThreadSanitizer;

// TSan slows every atomic access by an order of magnitude; keep that build to a few seconds.
constexpr std::uint64_t kItems = kThreadSanitizer ? 200'000 : 4'000'000;

void run_producer_consumer(std::size_t capacity) {
  SpscRing<std::uint64_t> ring(capacity);

  std::thread producer([&ring] {
    for (std::uint64_t i = 0; i < kItems; ++i) {
      while (!ring.try_push(i)) {
        std::this_thread::yield();
      }
    }
  });

  std::uint64_t expected = 0;
  std::uint64_t sum = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t first_bad_value = 0;
  while (expected < kItems) {
    std::uint64_t value = 0;
    if (!ring.try_pop(value)) {
      std::this_thread::yield();
      continue;
    }
    // Count rather than ASSERT here: a gtest failure per item would swamp the output.
    if (value != expected && out_of_order++ == 0) {
      first_bad_value = value;
    }
    sum += value;
    ++expected;
  }
  producer.join();

  EXPECT_EQ(out_of_order, 0U) << "first out-of-order value " << first_bad_value;
  EXPECT_EQ(sum, kItems * (kItems - 1) / 2);
  std::uint64_t extra = 0;
  EXPECT_FALSE(ring.try_pop(extra)) << "unexpected extra value " << extra;
  EXPECT_TRUE(ring.empty_approx());
}

TEST(SpscRingStress, delivers_every_value_once_in_order_through_small_ring) {
  run_producer_consumer(64);
}

TEST(SpscRingStress, delivers_every_value_once_in_order_through_tiny_ring) {
  // Capacity 2 keeps both sides at the full/empty edges, where the cached indices go stale.
  run_producer_consumer(2);
}

}  // namespace
}  // namespace hedged::concurrent
