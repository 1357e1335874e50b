// Seqlock<T>: a latest-value cell with one writer thread (store) and any number of reader threads
// (load, try_load, version). Readers never block the writer; they retry if a store overlapped.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

// GCC does not model std::atomic_thread_fence under ThreadSanitizer (it warns with -Wtsan), so a
// TSan build moves the same ordering onto the payload accesses themselves; see Seqlock below.
#if defined(__SANITIZE_THREAD__)
#define HEDGED_SEQLOCK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HEDGED_SEQLOCK_TSAN 1
#endif
#endif
#ifndef HEDGED_SEQLOCK_TSAN
#define HEDGED_SEQLOCK_TSAN 0
#endif

namespace hedged::concurrent {

// The payload is kept as an array of atomic words. Copying it with plain memcpy while the writer
// may be mid-store would be a data race (undefined behaviour, and TSan reports it); relaxed atomic
// word accesses are race-free, and the fences give them the seqlock ordering.
//
// Version protocol: version_ is even while the cell is stable and odd while a store is running.
// Writer: version_ = v+1; release fence; payload words; version_ = v+2 (release).
// Reader: s0 = version_ (acquire); payload words; acquire fence; s1 = version_. The copy is good
// iff s0 == s1 and s0 is even. If any word the reader saw came from a store that started after
// s0, that store's release fence synchronizes with the reader's acquire fence, so the store's odd
// version_ write happens before the reader's s1 load and s1 != s0. A TSan build drops the two
// fences and instead makes the word stores release and the word loads acquire: the same argument
// then runs through the word itself, in a form TSan can check.
template <typename T>
class Seqlock {
  static_assert(std::is_trivially_copyable_v<T>, "Seqlock<T> requires a trivially copyable T");
  static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
                "Seqlock needs lock-free 64-bit atomics for its payload words");

 public:
  static constexpr std::size_t kCacheLine = 64;
  static constexpr std::size_t kWordCount =
      (sizeof(T) + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t);

  // Holds all-zero bytes until the first store.
  Seqlock() noexcept = default;

  // Holds initial at version 0; the constructor is not a store and does not bump the version.
  explicit Seqlock(const T& initial) noexcept {
    const Words words = to_words(initial);
    for (std::size_t i = 0; i < kWordCount; ++i) {
      // Relaxed: the object is not yet shared; whatever publishes it to readers orders this.
      words_[i].store(words[i], std::memory_order_relaxed);
    }
  }

  Seqlock(const Seqlock&) = delete;
  Seqlock& operator=(const Seqlock&) = delete;
  Seqlock(Seqlock&&) = delete;
  Seqlock& operator=(Seqlock&&) = delete;
  ~Seqlock() = default;

  // Writer thread only.
  void store(const T& value) noexcept {
    // Pack before going odd so readers are locked out for as short a time as possible.
    const Words words = to_words(value);
    // Relaxed: only this thread ever writes version_, so it reads its own latest value.
    const std::uint64_t version = version_.load(std::memory_order_relaxed);
    // Relaxed: the fence (or, under TSan, the release word stores) orders it before the payload.
    version_.store(version + 1, std::memory_order_relaxed);
#if HEDGED_SEQLOCK_TSAN
    for (std::size_t i = 0; i < kWordCount; ++i) {
      // Release per word: a reader that acquires any new word also sees the odd version_ above.
      words_[i].store(words[i], std::memory_order_release);
    }
#else
    // Release fence: keeps the odd version_ store ahead of every payload store below for any
    // reader whose acquire fence follows a load that saw one of those payload stores.
    std::atomic_thread_fence(std::memory_order_release);
    for (std::size_t i = 0; i < kWordCount; ++i) {
      // Relaxed: atomicity is all each word needs; the fences supply the ordering.
      words_[i].store(words[i], std::memory_order_relaxed);
    }
#endif
    // Release: a reader that acquires version+2 sees every payload word of this store.
    version_.store(version + 2, std::memory_order_release);
  }

  // Any thread. Spins until it gets a copy no store overlapped; the writer is never held up.
  [[nodiscard]] T load() const noexcept {
    Words words;
    while (!try_read_words(words)) {
    }
    return from_words(words);
  }

  // Any thread. One attempt: false, with out untouched, if a store was in progress or overlapped.
  [[nodiscard]] bool try_load(T& out) const noexcept {
    Words words;
    if (!try_read_words(words)) {
      return false;
    }
    std::memcpy(static_cast<void*>(&out), words.data(), sizeof(T));
    return true;
  }

  // Twice the number of completed stores when even; odd while a store is running.
  [[nodiscard]] std::uint64_t version() const noexcept {
    // Relaxed: the number is informational. A later load() acquires version_ itself, and
    // read-read coherence guarantees it will not see an older version than this one.
    return version_.load(std::memory_order_relaxed);
  }

 private:
  using Words = std::array<std::uint64_t, kWordCount>;
  // Exactly sizeof(T) bytes, so std::bit_cast can turn it back into a T without needing T to be
  // default constructible.
  using Bytes = std::array<unsigned char, sizeof(T)>;

  static Words to_words(const T& value) noexcept {
    Words words{};  // zero the tail padding of the last word so it is never indeterminate
    std::memcpy(words.data(), &value, sizeof(T));
    return words;
  }

  static T from_words(const Words& words) noexcept {
    Bytes bytes;
    std::memcpy(bytes.data(), words.data(), sizeof(T));
    return std::bit_cast<T>(bytes);
  }

  bool try_read_words(Words& words) const noexcept {
    // Acquire: pairs with the release store that ended the store we are about to copy, making its
    // payload words visible, and keeps the word loads below from moving above this load.
    const std::uint64_t before = version_.load(std::memory_order_acquire);
    if ((before & 1U) != 0) {
      return false;
    }
#if HEDGED_SEQLOCK_TSAN
    for (std::size_t i = 0; i < kWordCount; ++i) {
      // Acquire per word: if this word came from a newer store, that store's odd version_ write
      // happens before the version_ load below, which then differs from before.
      words[i] = words_[i].load(std::memory_order_acquire);
    }
#else
    for (std::size_t i = 0; i < kWordCount; ++i) {
      // Relaxed: atomicity is all each word needs; the fences supply the ordering.
      words[i] = words_[i].load(std::memory_order_relaxed);
    }
    // Acquire fence: if any load above saw a newer store's word, that store's release fence
    // synchronizes with this fence, so the version_ load below sees its odd (or a later) value.
    std::atomic_thread_fence(std::memory_order_acquire);
#endif
    // Relaxed: ordered after the payload loads by the fence (or the acquire word loads).
    const std::uint64_t after = version_.load(std::memory_order_relaxed);
    return before == after;
  }

  // Aligned so that neighbouring cells (e.g. an array of them) never share a line, and so that a
  // small payload sits in the same line as its version: one miss per read.
  alignas(kCacheLine) std::atomic<std::uint64_t> version_{0};
  // std::atomic value-initializes (C++20), so a default-constructed cell reads as zero bytes.
  std::atomic<std::uint64_t> words_[kWordCount]{};
};

}  // namespace hedged::concurrent
