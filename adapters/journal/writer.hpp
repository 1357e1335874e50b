// JournalWriter: appends records to the journal's segments with group commit. Owned by one
// thread (the journal agent); not thread-safe. The engine never calls it: the engine's records
// reach the agent over an SPSC ring, and the agent appends and polls.
//
// append() only copies into memory; flush_and_sync() writes the buffer with one write() and
// fdatasync()s it; poll(now) does that when commit_interval has passed since a poll first saw
// an unsynced record, or when the buffer has grown past commit_threshold_bytes. A failed write
// or fsync throws std::system_error naming the file and leaves the writer failed: every later
// call throws too (after a failed fsync the kernel may have dropped the dirty pages, so nothing
// written since the last good commit can be trusted). Restart and recover from the files.
//
// Space reserve: with reserve_bytes, each commit keeps that much allocated past the end of the
// current segment (fallocate FALLOC_FL_KEEP_SIZE: the file's size, and so what a reader sees,
// does not change), and looks at the file system's free space. When the reserve cannot be kept,
// or less than reserve_bytes are free besides it, space_low() turns true (for good): the writer
// goes on writing into its reserve, without starting new segments, so a caller that stops
// producing new work at that point can still journal what is already under way.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "adapters/journal/record.hpp"
#include "core/model/events.hpp"
#include "core/model/types.hpp"

namespace hedged::journal {

struct WriterOptions {
  // Commit at most this long after poll() first sees an unsynced record.
  std::chrono::nanoseconds commit_interval = std::chrono::milliseconds(5);
  // Commit on the next poll() once this many bytes wait, whatever the interval.
  std::size_t commit_threshold_bytes = std::size_t{1} << 20;
  // A segment is closed and the next begun when a record would take it past this size. A
  // record larger than this goes alone into a segment of its own.
  std::size_t segment_size_bytes = std::size_t{64} << 20;
  // Memory reserved for the buffer up front, so appends do not allocate in normal operation.
  std::size_t buffer_reserve_bytes = std::size_t{4} << 20;
  // Space kept allocated ahead of the current segment's end (see the top); 0: none.
  std::size_t reserve_bytes = std::size_t{1} << 20;
};

// fsync latency buckets, seconds (upper bounds; the last bucket is +Inf).
inline constexpr std::array<double, 15> kFsyncLatencyBucketsSeconds = {
    10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3,
    5e-3,  10e-3, 25e-3, 50e-3,  100e-3, 250e-3, 1.0};

// A Prometheus-style histogram (the shape of the engine's BucketHistogram), plus the maximum.
struct FsyncHistogram {
  // Named as in the engine's BucketHistogram, so the same exposition code reads both.
  static constexpr const std::array<double, 15>& bounds =  // NOLINT(readability-identifier-naming)
      kFsyncLatencyBucketsSeconds;
  std::array<std::uint64_t, kFsyncLatencyBucketsSeconds.size() + 1> counts{};  // last: +Inf
  std::uint64_t count = 0;
  double sum_seconds = 0.0;
  double max_seconds = 0.0;
  void record(double seconds) noexcept {
    std::size_t b = 0;
    while (b < bounds.size() && seconds > bounds[b]) ++b;
    ++counts[b];
    ++count;
    sum_seconds += seconds;
    if (seconds > max_seconds) max_seconds = seconds;
  }
};

// Counters of one writer; a plain value the agent can publish through a seqlock.
struct WriterStats {
  std::uint64_t records = 0;           // data records appended
  std::uint64_t bytes = 0;             // bytes appended, framing and segment headers included
  std::uint64_t commits = 0;           // flushes that wrote something
  std::uint64_t bytes_written = 0;     // bytes made durable
  std::uint64_t segments_created = 0;  // segment files this writer created
  std::uint64_t durable_sequence = 0;  // last sequence known on disk
  std::uint64_t errors = 0;            // failed writes or syncs (the first one fails the writer)
  std::uint64_t fs_free_bytes = 0;     // free space of the journal's file system at the last commit
  bool space_low = false;              // the reserve could not be kept (see the top)
  FsyncHistogram fsync;                // per commit: fdatasync (plus directory fsync on rotation)
  FixedText<256> last_error;
};

class JournalWriter {
 public:
  // Opens (creating it and its parents if missing) the journal directory and takes an exclusive
  // lock on it (flock: a second writer, in this process or another, throws). next_sequence is
  // the read result's next_sequence: recovery (read_journal, truncate_torn_tail) comes first.
  // The last segment is checked and continued; std::runtime_error when it is not clean or ends
  // at another sequence than next_sequence - 1.
  JournalWriter(std::filesystem::path dir, WriterOptions options, std::uint64_t next_sequence);
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;
  // Best effort: commits what is pending, swallowing errors (call close() to see them).
  ~JournalWriter();

  // Copies one record into the buffer and returns its sequence. No system call; allocates only
  // when the buffer outgrows buffer_reserve_bytes. Throws std::length_error above
  // kMaxPayloadBytes, and std::system_error once the writer has failed.
  std::uint64_t append(RecordType type, TimeNs time_ns, std::span<const std::byte> payload);
  template <JournalPod T>
  std::uint64_t append(TimeNs time_ns, const T& value) {
    return append(*kRecordTypeOf<T>, time_ns, std::as_bytes(std::span(&value, 1)));
  }
  std::uint64_t append_limit_change(TimeNs time_ns, std::uint64_t version,
                                    std::span<const std::byte> limits);
  // A snapshot also moves the high-water mark (journal.hwm) at its commit.
  std::uint64_t append_snapshot(TimeNs time_ns, std::span<const std::byte> snapshot) {
    const std::uint64_t sequence = append(RecordType::kSnapshot, time_ns, snapshot);
    mark_pending_ = true;
    return sequence;
  }

  // Writes everything pending (one write() per segment touched) and fdatasync()s it; when a new
  // segment was begun, fsyncs the directory too and moves the high-water mark (journal.hwm;
  // likewise after a snapshot, and at close()). Returns the time spent syncing (zero when
  // nothing was pending).
  std::chrono::nanoseconds flush_and_sync();

  // Hands everything pending to the kernel (one write() per segment touched) without waiting
  // for the disk: a record written is safe from the process dying (SIGKILL, OOM), not from a
  // power cut until the next commit. Leaving a segment syncs it first. Returns the time spent
  // syncing (zero unless a segment was left).
  std::chrono::nanoseconds write_pending();

  // Group commit: flush_and_sync() when commit_interval has passed since a poll first saw
  // unsynced records (now on the caller's clock), or when commit_threshold_bytes are pending.
  // Returns true when it committed.
  bool poll(TimeNs now);

  // Keeps the reserve and reads the file system's free space (every commit does); for a caller
  // that wants the check while nothing is written. Turns space_low() true, never throws.
  void check_space() noexcept;

  // flush_and_sync(), then closes the files; the writer cannot be used afterwards.
  void close();

  [[nodiscard]] std::uint64_t next_sequence() const noexcept { return next_sequence_; }
  [[nodiscard]] std::uint64_t durable_sequence() const noexcept { return stats_.durable_sequence; }
  [[nodiscard]] std::size_t pending_bytes() const noexcept { return size_; }
  [[nodiscard]] std::uint64_t pending_records() const noexcept {
    return next_sequence_ - 1 - stats_.durable_sequence;
  }
  [[nodiscard]] bool failed() const noexcept { return failed_; }
  // The reserve could not be kept (sticky); space_error() says why.
  [[nodiscard]] bool space_low() const noexcept { return stats_.space_low; }
  [[nodiscard]] const std::string& space_error() const noexcept { return space_error_; }
  [[nodiscard]] const WriterStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }
  [[nodiscard]] const std::filesystem::path& current_segment() const noexcept {
    return segment_path_;
  }

 private:
  // A new segment begins at this buffer offset (with its header record).
  struct Split {
    std::size_t offset = 0;
    std::uint64_t first_sequence = 0;
  };

  std::uint64_t append_parts(RecordType type, TimeNs time_ns, std::span<const std::byte> part1,
                             std::span<const std::byte> part2);
  std::byte* reserve(std::size_t bytes);
  void begin_segment(TimeNs time_ns);
  void write_all(std::size_t from, std::size_t to);
  std::chrono::nanoseconds sync_segment();
  void open_new_segment(std::uint64_t first_sequence);
  void close_segment() noexcept;
  void check_usable() const;
  void space_is_low(std::string why) noexcept;
  void release_reserve() noexcept;
  int extend_reserve(std::size_t to) noexcept;
  void write_mark();
  [[noreturn]] void fail(int error, const char* what, const std::filesystem::path& path);

  std::filesystem::path dir_;
  WriterOptions options_;
  int dir_fd_ = -1;  // held for flock and directory fsync
  int segment_fd_ = -1;
  std::filesystem::path segment_path_;
  std::size_t segment_bytes_ = 0;  // on disk plus pending, of the segment appends go to
  bool segment_has_data_ = false;  // holds a data record besides its header
  bool need_segment_ = true;       // no segment yet: the next append begins one

  std::unique_ptr<std::byte[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
  std::vector<Split> splits_;
  bool pending_seen_ = false;  // a poll has seen the pending records, at pending_since_
  bool unsynced_ = false;      // written to the current segment since its last fdatasync
  bool rotated_ = false;       // a segment was begun since the last commit (directory fsync)
  bool mark_pending_ = false;  // a snapshot since the last commit: the high-water mark moves
  TimeNs pending_since_ = 0;
  std::uint64_t next_sequence_ = 1;
  bool failed_ = false;
  bool closed_ = false;
  bool reserve_supported_ = true;  // false once fallocate says the file system cannot
  std::size_t reserved_end_ = 0;   // the current segment is allocated up to here (page-rounded)
  std::string space_error_;
  WriterStats stats_;
};

}  // namespace hedged::journal
