// Stress test for ConflatingBoard: a producer publishes rising values to 64 keys while a consumer
// drains concurrently; per-key values must never go backwards and no final value may be lost.
#include "core/concurrent/conflating_board.hpp"

#include <gtest/gtest.h>

#include "tests/support/sanitizers.hpp"

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace hedged::concurrent {
namespace {

using hedged::testing::kThreadSanitizer;

constexpr std::uint32_t kKeys = 64;
constexpr std::uint64_t kPublishes = kThreadSanitizer ? 1'000'000 : 16'000'000;

// Payload larger than a word, so the slot read can tear if the seqlock is wrong.
struct Level {
  std::uint64_t sequence;
  std::uint64_t check;  // always ~sequence
  std::uint32_t key;
};

// The producer works in rounds of varying length and pauses at the end of each until the consumer
// has drained and compared every key against the producer's last publish. A lost update can only
// show when it was the key's last publish, so many pauses give the race many chances to be caught
// rather than only the 64 final publishes.
TEST(ConflatingBoardStress, consumer_sees_monotonic_values_and_never_loses_a_last_publish) {
  ConflatingBoard<Level> board(kKeys);
  // Written by the producer while a round runs; read by the consumer only while the producer waits
  // at a checkpoint (ordered by the release/acquire on rounds_published / rounds_checked).
  std::vector<std::uint64_t> last_published(kKeys, 0);
  std::atomic<std::uint64_t> rounds_published{0};
  std::atomic<std::uint64_t> rounds_checked{0};
  std::atomic<bool> producer_done{false};

  std::thread producer([&] {
    // Sequence numbers rise globally, hence per key; the key order is scrambled so some keys are
    // hot and conflate while others are touched rarely.
    std::uint32_t key = 0;
    std::uint64_t seq = 0;
    std::uint64_t round = 0;
    while (seq < kPublishes) {
      const std::uint64_t round_length = 16 + (round * 97) % 700;
      for (std::uint64_t i = 0; i < round_length && seq < kPublishes; ++i) {
        ++seq;
        key = (key * 37 + 11 + static_cast<std::uint32_t>(seq % 3 == 0 ? 0 : seq)) % kKeys;
        board.publish(key, Level{seq, ~seq, key});
        last_published[key] = seq;
      }
      ++round;
      rounds_published.store(round, std::memory_order_release);
      while (rounds_checked.load(std::memory_order_acquire) != round) {
        std::this_thread::yield();
      }
    }
    producer_done.store(true, std::memory_order_release);
  });

  std::vector<std::uint64_t> last_delivered(kKeys, 0);
  std::uint64_t deliveries = 0;
  std::uint64_t backwards = 0;
  std::uint64_t repeats = 0;
  std::uint64_t corrupt = 0;
  std::uint64_t lost_at_checkpoint = 0;
  std::uint64_t checkpoints = 0;
  auto on_value = [&](std::uint32_t key, const Level& level) {
    ++deliveries;
    if (level.key != key || level.check != ~level.sequence) {
      ++corrupt;
      return;
    }
    if (level.sequence < last_delivered[key]) {
      ++backwards;
    } else if (level.sequence == last_delivered[key]) {
      ++repeats;  // allowed: a publish raced with the read and re-queued the key
    }
    last_delivered[key] = level.sequence;
  };

  while (!producer_done.load(std::memory_order_acquire)) {
    const std::uint64_t published_round = rounds_published.load(std::memory_order_acquire);
    if (published_round == rounds_checked.load(std::memory_order_relaxed)) {
      if (board.drain(on_value, 16) == 0) {
        std::this_thread::yield();
      }
      continue;
    }
    // The producer is paused: one complete drain must bring every key up to date.
    while (board.drain(on_value, kKeys) != 0) {
    }
    for (std::uint32_t key = 0; key < kKeys; ++key) {
      if (last_delivered[key] != last_published[key]) {
        ++lost_at_checkpoint;
      }
    }
    ++checkpoints;
    rounds_checked.store(published_round, std::memory_order_release);
  }
  producer.join();

  EXPECT_EQ(corrupt, 0U);
  EXPECT_EQ(backwards, 0U);
  EXPECT_EQ(lost_at_checkpoint, 0U);
  EXPECT_GT(checkpoints, 1U);
  EXPECT_EQ(board.published(), kPublishes);
  EXPECT_LE(deliveries, kPublishes + repeats);
  EXPECT_TRUE(board.drain(on_value, kKeys) == 0) << "nothing may remain after the last checkpoint";
  for (std::uint32_t key = 0; key < kKeys; ++key) {
    EXPECT_NE(last_published[key], 0U) << "key " << key << " never published";
    EXPECT_EQ(last_delivered[key], last_published[key]) << "key " << key;
  }
  RecordProperty("checkpoints", static_cast<int>(checkpoints));
  RecordProperty("deliveries", static_cast<int>(deliveries));
  RecordProperty("conflated", static_cast<int>(board.conflated()));
  RecordProperty("repeats", static_cast<int>(repeats));
}

}  // namespace
}  // namespace hedged::concurrent
