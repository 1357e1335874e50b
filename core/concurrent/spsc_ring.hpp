// SpscRing<T>: bounded lock-free FIFO for exactly one producer thread and one consumer thread.
// Producer thread: try_push. Consumer thread: try_pop. Any thread: capacity and the *_approx.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

namespace hedged::concurrent {

template <typename T>
class SpscRing {
  // Slots are raw bytes filled and emptied with memcpy, so T needs no default constructor and no
  // destructor ever has to run on a slot.
  static_assert(std::is_trivially_copyable_v<T>, "SpscRing<T> requires a trivially copyable T");

 public:
  static constexpr std::size_t kCacheLine = 64;

  // Rounds capacity up to a power of two (0 becomes 1) so that an index maps to its slot with a
  // mask. This is the only allocation the ring ever makes.
  explicit SpscRing(std::size_t capacity)
      : capacity_(round_up_to_power_of_two(capacity)),
        mask_(capacity_ - 1),
        slots_(std::make_unique<Slot[]>(capacity_)) {}

  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;
  SpscRing(SpscRing&&) = delete;
  SpscRing& operator=(SpscRing&&) = delete;
  ~SpscRing() = default;

  // Producer only. Returns false, leaving the ring untouched, when it is full.
  [[nodiscard]] bool try_push(const T& value) noexcept {
    // Relaxed: tail_ is written only by this thread, so our own last store is always visible.
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_cache_ == capacity_) {
      // Looks full by the stale copy; refresh it. Acquire pairs with the consumer's release store
      // of head_: the consumer's memcpy out of the slot we are about to reuse happens before our
      // overwrite of it.
      head_cache_ = head_.load(std::memory_order_acquire);
      if (tail - head_cache_ == capacity_) {
        return false;
      }
    }
    std::memcpy(slots_[tail & mask_].bytes, &value, sizeof(T));
    // Release: the slot bytes written above become visible to a consumer that acquires this index.
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  // Consumer only. Returns false, leaving out untouched, when the ring is empty.
  [[nodiscard]] bool try_pop(T& out) noexcept {
    // Relaxed: head_ is written only by this thread.
    const std::uint64_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_cache_) {
      // Looks empty by the stale copy; refresh it. Acquire pairs with the producer's release store
      // of tail_ so the slot contents it published are visible before we copy them out.
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (head == tail_cache_) {
        return false;
      }
    }
    std::memcpy(&out, slots_[head & mask_].bytes, sizeof(T));
    // Release: our read of the slot completes before the producer, acquiring head_, reuses it.
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

  // Exact when both sides are quiet; otherwise a value the ring held at some instant during the
  // call, give or take items moved concurrently.
  [[nodiscard]] std::size_t size_approx() const noexcept {
    // Acquire on head_ first: the consumer read a tail_ >= head before publishing head, so this
    // acquire makes the relaxed tail_ load below see at least that value and tail - head cannot
    // go negative.
    const std::uint64_t head = head_.load(std::memory_order_acquire);
    // Relaxed: only a count is wanted, no slot contents are read through it.
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    const std::uint64_t used = tail - head;
    // The producer may have refilled slots freed after our head_ load; never report more than fit.
    return used > capacity_ ? capacity_ : static_cast<std::size_t>(used);
  }

  [[nodiscard]] bool empty_approx() const noexcept { return size_approx() == 0; }

 private:
  struct Slot {
    alignas(T) unsigned char bytes[sizeof(T)];
  };

  static std::size_t round_up_to_power_of_two(std::size_t n) {
    constexpr std::size_t kLargest = (static_cast<std::size_t>(-1) >> 1) + 1;
    if (n > kLargest) {
      // No larger power of two exists in size_t; the allocation could never succeed anyway.
      throw std::bad_array_new_length();
    }
    std::size_t rounded = 1;
    while (rounded < n) {
      rounded <<= 1;
    }
    return rounded;
  }

  // Read-only after construction and read by both threads, so sharing this line is free.
  const std::size_t capacity_;
  const std::size_t mask_;
  const std::unique_ptr<Slot[]> slots_;

  // Each index and each cached copy lives on its own line so a store by one side does not evict
  // the other side's working data; alignas also rounds sizeof up, so the last line is not shared
  // with whatever follows the ring. Indices only grow: 64 bits cannot wrap in a process lifetime.
  alignas(kCacheLine) std::atomic<std::uint64_t> head_{0};  // next slot to pop; consumer writes
  alignas(kCacheLine) std::uint64_t tail_cache_ = 0;        // consumer's last seen tail_
  alignas(kCacheLine) std::atomic<std::uint64_t> tail_{0};  // next slot to fill; producer writes
  alignas(kCacheLine) std::uint64_t head_cache_ = 0;        // producer's last seen head_
};

}  // namespace hedged::concurrent
