// ConflatingBoard<T>: per-key latest-value board; one producer thread calls publish, one consumer
// thread calls drain. published/conflated/key_count may be read from any thread.
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <type_traits>

#include "core/concurrent/seqlock.hpp"
#include "core/concurrent/spsc_ring.hpp"

namespace hedged::concurrent {

// Market data arrives faster than it can be acted on, and only the newest value of each key
// matters. Each key has a Seqlock slot holding its latest value and a pending flag meaning "the
// key is queued in dirty_". publish overwrites the slot and queues the key only if it is not
// queued already; drain pops keys and reads their slots. Bursts therefore collapse to one delivery
// per key and the queue never holds more than key_count entries.
//
// Guarantee: after the producer's last publish for key k, the consumer will deliver that value
// (or a later one) for k. The consumer may occasionally get the same value twice (a publish that
// raced with the read re-queues the key), which is harmless, but never an older value after a
// newer one for the same key: successive reads of one Seqlock by one thread are monotonic.
//
// Why no update is lost: the producer sets the flag, and the consumer clears it, with
// read-modify-write exchanges, so the two are totally ordered on the flag. If the producer's
// exchange comes first (it saw true and skipped the push), the consumer's clearing exchange reads
// the producer's write; release/acquire then make the producer's slot store visible to the
// consumer's slot read that follows the clear. If the clear comes first, the producer sees false
// and queues the key again. A plain load of the flag in publish, or a plain store in drain, would
// break this: it is the store-buffering pattern, where each side can miss the other's write.
template <typename T>
class ConflatingBoard {
  static_assert(std::is_trivially_copyable_v<T>,
                "ConflatingBoard<T> requires a trivially copyable T");

 public:
  static constexpr std::size_t kCacheLine = 64;

  // The ring holds at most one entry per key, so sizing it to at least key_count means publish can
  // never find it full. A larger ring_capacity_hint is honoured; a smaller one is ignored.
  explicit ConflatingBoard(std::size_t key_count, std::size_t ring_capacity_hint = 0)
      : key_count_(checked_key_count(key_count)),
        slots_(std::make_unique<Seqlock<T>[]>(key_count_)),
        pending_(std::make_unique<std::atomic<bool>[]>(key_count_)),
        dirty_(ring_capacity_hint > key_count_ ? ring_capacity_hint : key_count_) {}

  ConflatingBoard(const ConflatingBoard&) = delete;
  ConflatingBoard& operator=(const ConflatingBoard&) = delete;
  ConflatingBoard(ConflatingBoard&&) = delete;
  ConflatingBoard& operator=(ConflatingBoard&&) = delete;
  ~ConflatingBoard() = default;

  // Producer thread only. Requires key < key_count().
  void publish(std::uint32_t key, const T& value) noexcept {
    assert(key < key_count_);
    slots_[key].store(value);
    // acq_rel exchange, never a plain load (see the class comment). Release: if the consumer's
    // clearing exchange reads our true, the slot store above is visible to its following read.
    // Acquire: if we read the consumer's false, its pop (the head_ store in dirty_) happens before
    // our push, so the ring sees the slot that pop freed and the push cannot fail.
    if (pending_[key].exchange(true, std::memory_order_acq_rel)) {
      // Relaxed load+store rather than fetch_add: only this thread writes the counter, and readers
      // only want an approximate tally.
      conflated_.store(conflated_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    } else {
      [[maybe_unused]] const bool pushed = dirty_.try_push(key);
      // Cannot fail: a key is in the ring at most once and the ring holds key_count entries.
      assert(pushed);
    }
    // Relaxed, single writer, as above.
    published_.store(published_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  // Consumer thread only. Calls on_value(std::uint32_t key, const T& value) for up to max_items
  // changed keys, each with the key's latest value, and returns how many were delivered. If
  // on_value throws, the key being delivered is not re-queued until its next publish.
  template <typename F>
  std::size_t drain(F&& on_value, std::size_t max_items) {
    std::size_t delivered = 0;
    std::uint32_t key = 0;
    while (delivered < max_items && dirty_.try_pop(key)) {
      // Clear before reading so a publish racing with the read below re-queues the key rather
      // than being skipped as already pending. acq_rel exchange, never a plain store (see the
      // class comment). Acquire: if this reads the producer's true, its slot store is visible to
      // the read below. Release: our pop completes before a producer that reads this false pushes.
      pending_[key].exchange(false, std::memory_order_acq_rel);
      const T value = slots_[key].load();
      on_value(key, value);
      ++delivered;
    }
    return delivered;
  }

  // Number of publish calls so far (producer's count, readable from any thread).
  [[nodiscard]] std::uint64_t published() const noexcept {
    // Relaxed: a monotonic tally; nothing else is read through it.
    return published_.load(std::memory_order_relaxed);
  }

  // Publishes that found their key already queued and so were merged into the queued delivery.
  [[nodiscard]] std::uint64_t conflated() const noexcept {
    // Relaxed: a monotonic tally; nothing else is read through it.
    return conflated_.load(std::memory_order_relaxed);
  }

  [[nodiscard]] std::size_t key_count() const noexcept { return key_count_; }

 private:
  static std::size_t checked_key_count(std::size_t key_count) {
    // Keys travel through the ring as uint32_t.
    if (key_count > std::size_t{0xFFFF'FFFFu} + 1) {
      throw std::length_error("ConflatingBoard: key_count exceeds the 32-bit key space");
    }
    return key_count;
  }

  const std::size_t key_count_;
  const std::unique_ptr<Seqlock<T>[]> slots_;  // each cell on its own cache line(s)
  // Touched by both threads, but only for the key being worked on; packed to keep the board small.
  const std::unique_ptr<std::atomic<bool>[]> pending_;  // value-initialized to false
  SpscRing<std::uint32_t> dirty_;
  // Written on every publish; kept off the lines the consumer reads.
  alignas(kCacheLine) std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> conflated_{0};
};

}  // namespace hedged::concurrent
