// Stress test for Seqlock: one writer stores counters while two readers check every copy they get
// is untorn and never older than the previous one. Meant to run under TSan too.
#include "core/concurrent/seqlock.hpp"

#include <gtest/gtest.h>

#include "tests/support/sanitizers.hpp"

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace hedged::concurrent {
namespace {

using hedged::testing::kThreadSanitizer;

constexpr std::uint64_t kStores = kThreadSanitizer ? 500'000 : 10'000'000;
constexpr int kReaders = 2;

// Every field carries the same counter, so a copy mixing two stores shows unequal fields.
struct Snapshot {
  std::uint64_t fields[8];
};

struct ReaderResult {
  std::uint64_t loads = 0;
  std::uint64_t torn = 0;
  std::uint64_t went_backwards = 0;
  std::uint64_t last_seen = 0;
  std::uint64_t try_load_failures = 0;
};

TEST(SeqlockStress, readers_never_see_torn_or_older_values) {
  Seqlock<Snapshot> cell;
  std::atomic<bool> done{false};
  std::vector<ReaderResult> results(kReaders);

  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&cell, &done, &result = results[static_cast<std::size_t>(r)]] {
      std::uint64_t previous = 0;
      bool finished = false;
      while (!finished) {
        // Read done before loading so the last load is guaranteed to follow the final store.
        finished = done.load(std::memory_order_acquire);
        Snapshot snap;
        if (result.loads % 8 == 7) {
          // Mix in single attempts; a failure simply retries next round.
          if (!cell.try_load(snap)) {
            ++result.try_load_failures;
            std::this_thread::yield();
            continue;
          }
        } else {
          snap = cell.load();
        }
        ++result.loads;
        for (std::uint64_t field : snap.fields) {
          if (field != snap.fields[0]) {
            ++result.torn;
            break;
          }
        }
        if (snap.fields[0] < previous) {
          ++result.went_backwards;
        }
        previous = snap.fields[0];
        if (result.loads % 64 == 0) {
          std::this_thread::yield();
        }
      }
      result.last_seen = previous;
    });
  }

  for (std::uint64_t i = 1; i <= kStores; ++i) {
    Snapshot snap;
    for (std::uint64_t& field : snap.fields) {
      field = i;
    }
    cell.store(snap);
    if (i % 1024 == 0) {
      std::this_thread::yield();
    }
  }
  done.store(true, std::memory_order_release);
  for (std::thread& reader : readers) {
    reader.join();
  }

  EXPECT_EQ(cell.version(), 2 * kStores);
  for (const ReaderResult& result : results) {
    EXPECT_GT(result.loads, 0U);
    EXPECT_EQ(result.torn, 0U);
    EXPECT_EQ(result.went_backwards, 0U);
    EXPECT_EQ(result.last_seen, kStores);
  }
}

}  // namespace
}  // namespace hedged::concurrent
