#include "adapters/journal/writer.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "adapters/journal/reader.hpp"
#include "adapters/journal/segment_files.hpp"

namespace hedged::journal {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kSegmentHeaderRecordBytes = record_size(sizeof(SegmentHeader));

}  // namespace

JournalWriter::JournalWriter(std::filesystem::path dir, WriterOptions options,
                             std::uint64_t next_sequence)
    : dir_(std::move(dir)), options_(options), next_sequence_(next_sequence) {
  if (next_sequence == 0) throw std::invalid_argument("journal: sequences start at 1");
  if (dir_.empty()) throw std::invalid_argument("journal: empty directory name");

  std::error_code ec;
  const bool existed = std::filesystem::is_directory(dir_, ec);
  if (!existed) {
    std::filesystem::create_directories(dir_, ec);
    if (ec) throw std::system_error(ec, "journal: cannot create directory " + dir_.string());
    // The new directory's own name must survive a power loss too.
    const std::filesystem::path parent =
        dir_.has_parent_path() ? dir_.parent_path() : std::filesystem::path(".");
    fsync_directory(parent);
  }
  dir_fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0) throw_errno(errno, "cannot open directory", dir_);
  if (::flock(dir_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(dir_fd_);
    dir_fd_ = -1;
    throw_errno(error, "directory is locked by another journal writer:", dir_);
  }

  try {
    const std::vector<SegmentFile> segments = list_segments(dir_);
    if (!segments.empty()) {
      const SegmentFile& last = segments.back();
      const std::vector<std::byte> data = read_file_bytes(last.path);
      if (data.empty()) {
        // Created but never written (a crash, or a torn header truncated away): nothing in it.
        if (::unlinkat(dir_fd_, last.path.filename().c_str(), 0) != 0) {
          throw_errno(errno, "cannot remove empty segment", last.path);
        }
        if (::fsync(dir_fd_) != 0) throw_errno(errno, "fsync failed on directory", dir_);
      } else {
        const SegmentScan scan =
            scan_segment(data, last.first_sequence, last.path, std::nullopt, true, nullptr);
        if (scan.status != ReadStatus::kClean) {
          throw std::runtime_error(scan.error +
                                   "; recover first (read_journal, truncate_torn_tail)");
        }
        if (scan.next_sequence != next_sequence) {
          throw std::runtime_error("journal: " + last.path.string() + " ends before sequence " +
                                   std::to_string(scan.next_sequence) +
                                   " but the writer was asked to continue at " +
                                   std::to_string(next_sequence));
        }
        segment_fd_ = ::open(last.path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        if (segment_fd_ < 0) throw_errno(errno, "cannot open segment", last.path);
        segment_path_ = last.path;
        segment_bytes_ = data.size();
        reserved_end_ = data.size();
        segment_has_data_ = scan.records > 0;
        need_segment_ = false;
      }
    }
  } catch (...) {
    close_segment();
    ::close(dir_fd_);  // releases the lock
    dir_fd_ = -1;
    throw;
  }

  stats_.durable_sequence = next_sequence - 1;
  capacity_ = std::max<std::size_t>(options_.buffer_reserve_bytes, 4096);
  buffer_ = std::make_unique_for_overwrite<std::byte[]>(capacity_);
  splits_.reserve(16);
}

JournalWriter::~JournalWriter() {
  if (!closed_ && !failed_) {
    try {
      flush_and_sync();
    } catch (...) {  // NOLINT(bugprone-empty-catch): close() is how a caller sees errors
    }
  }
  close_segment();
  if (dir_fd_ >= 0) ::close(dir_fd_);
}

void JournalWriter::check_usable() const {
  if (failed_) {
    throw std::system_error(
        EIO, std::generic_category(),
        "journal: writer failed earlier (" + std::string(stats_.last_error.c_str()) + ")");
  }
  if (closed_) throw std::logic_error("journal: writer used after close()");
}

void JournalWriter::fail(int error, const char* what, const std::filesystem::path& path) {
  failed_ = true;
  ++stats_.errors;
  const std::string message =
      std::string(what) + ' ' + path.string() + ": " + std::generic_category().message(error);
  stats_.last_error.assign(message.c_str(), message.size());
  throw_errno(error, what, path);
}

std::byte* JournalWriter::reserve(std::size_t bytes) {
  if (size_ + bytes > capacity_) {
    const std::size_t capacity = std::max(capacity_ * 2, size_ + bytes);
    auto bigger = std::make_unique_for_overwrite<std::byte[]>(capacity);
    if (size_ > 0) std::memcpy(bigger.get(), buffer_.get(), size_);
    buffer_ = std::move(bigger);
    capacity_ = capacity;
  }
  std::byte* out = buffer_.get() + size_;
  size_ += bytes;
  return out;
}

void JournalWriter::begin_segment(TimeNs time_ns) {
  splits_.push_back({size_, next_sequence_});
  const SegmentHeader header{kFormatVersion, kLayoutFingerprint, next_sequence_, time_ns};
  encode_record(reserve(kSegmentHeaderRecordBytes), RecordType::kSegmentHeader, 0, next_sequence_,
                time_ns, std::as_bytes(std::span(&header, 1)));
  stats_.bytes += kSegmentHeaderRecordBytes;
  segment_bytes_ = kSegmentHeaderRecordBytes;
  segment_has_data_ = false;
  need_segment_ = false;
}

std::uint64_t JournalWriter::append_parts(RecordType type, TimeNs time_ns,
                                          std::span<const std::byte> part1,
                                          std::span<const std::byte> part2) {
  check_usable();
  if (type == RecordType::kSegmentHeader) {
    throw std::invalid_argument("journal: segment headers are written by the writer itself");
  }
  const std::size_t payload = part1.size() + part2.size();
  if (payload > kMaxPayloadBytes) {
    throw std::length_error("journal: record payload of " + std::to_string(payload) +
                            " bytes exceeds the maximum of " + std::to_string(kMaxPayloadBytes));
  }
  const std::size_t bytes = record_size(payload);
  // Short of space, the current segment grows into its reserve rather than a new file being
  // begun where the file system may have no room for it.
  if (need_segment_ || (segment_has_data_ && !stats_.space_low &&
                        segment_bytes_ + bytes > options_.segment_size_bytes)) {
    begin_segment(time_ns);
  }
  encode_record(reserve(bytes), type, 0, next_sequence_, time_ns, part1, part2);
  segment_bytes_ += bytes;
  segment_has_data_ = true;
  ++stats_.records;
  stats_.bytes += bytes;
  return next_sequence_++;
}

std::uint64_t JournalWriter::append(RecordType type, TimeNs time_ns,
                                    std::span<const std::byte> payload) {
  return append_parts(type, time_ns, payload, {});
}

std::uint64_t JournalWriter::append_limit_change(TimeNs time_ns, std::uint64_t version,
                                                 std::span<const std::byte> limits) {
  return append_parts(RecordType::kLimitChange, time_ns, std::as_bytes(std::span(&version, 1)),
                      limits);
}

void JournalWriter::open_new_segment(std::uint64_t first_sequence) {
  const std::string name = segment_file_name(first_sequence);
  const std::filesystem::path path = dir_ / name;
  const int fd =
      ::openat(dir_fd_, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) fail(errno, "cannot create segment", path);
  segment_fd_ = fd;
  segment_path_ = path;
  ++stats_.segments_created;
  // Room for the new segment's first writes (the commit keeps it from then on).
  reserved_end_ = 0;
  if (options_.reserve_bytes > 0 && reserve_supported_ && !stats_.space_low) {
    if (const int error = extend_reserve(options_.reserve_bytes); error != 0) {
      space_is_low("cannot reserve " + std::to_string(options_.reserve_bytes) + " bytes in " +
                   path.string() + ": " + std::generic_category().message(error));
    }
  }
}

// Allocates the current segment from reserved_end_ up to `to` (both on page boundaries), never
// asking again for what is already allocated: a failed fallocate may give back the unwritten
// pages of its whole range (tmpfs does), and the reserve must not go with it. 0 or the errno.
int JournalWriter::extend_reserve(std::size_t to) noexcept {
  constexpr std::size_t kPage = 4096;
  const std::size_t from = (reserved_end_ + kPage - 1) / kPage * kPage;
  to = (to + kPage - 1) / kPage * kPage;
  if (to <= from) return 0;
  if (::fallocate(segment_fd_, FALLOC_FL_KEEP_SIZE, static_cast<off_t>(from),
                  static_cast<off_t>(to - from)) != 0) {
    const int error = errno;
    if (error == EOPNOTSUPP || error == ENOSYS) {
      reserve_supported_ = false;
      return 0;
    }
    return error;
  }
  reserved_end_ = to;
  return 0;
}

void JournalWriter::write_mark() {
  const std::optional<std::uint64_t> segment =
      parse_segment_file_name(segment_path_.filename().string());
  if (!segment) return;
  try {
    write_high_water_mark(dir_fd_, dir_, {*segment, stats_.durable_sequence});
  } catch (const std::system_error& e) {
    fail(e.code().value(), "cannot write the high-water mark in", dir_);
  }
}

void JournalWriter::space_is_low(std::string why) noexcept {
  if (stats_.space_low) return;
  stats_.space_low = true;
  space_error_ = std::move(why);
}

void JournalWriter::check_space() noexcept {
  if (options_.reserve_bytes == 0 || failed_ || closed_) return;
  struct statvfs fs {};
  if (::fstatvfs(dir_fd_, &fs) == 0) {
    stats_.fs_free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
  }
  if (stats_.space_low) return;
  try {
    if (segment_fd_ >= 0 && reserve_supported_ && size_ == 0) {
      if (const int error = extend_reserve(segment_bytes_ + options_.reserve_bytes); error != 0) {
        space_is_low("cannot keep " + std::to_string(options_.reserve_bytes) +
                     " bytes reserved past the end of " + segment_path_.string() + ": " +
                     std::generic_category().message(error));
        return;
      }
    }
    if (stats_.fs_free_bytes < options_.reserve_bytes) {
      space_is_low("the file system of " + dir_.string() + " has " +
                   std::to_string(stats_.fs_free_bytes) + " bytes free, less than the " +
                   std::to_string(options_.reserve_bytes) + "-byte journal reserve");
    }
  } catch (...) {  // a message that could not be built: still low on space
    stats_.space_low = true;
  }
}

// A segment being left gives its unused reserve back (best effort: a file system without hole
// punching keeps it allocated past the file's end, which no reader sees).
void JournalWriter::release_reserve() noexcept {
  if (segment_fd_ < 0 || options_.reserve_bytes == 0 || !reserve_supported_) return;
  struct stat st {};
  if (::fstat(segment_fd_, &st) != 0) return;
  (void)::fallocate(segment_fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, st.st_size,
                    static_cast<off_t>(options_.reserve_bytes));
}

void JournalWriter::close_segment() noexcept {
  // Only ever called once the segment's data is synced (or on the way out after a failure),
  // so close()'s result carries nothing fdatasync() has not already reported.
  if (segment_fd_ >= 0) ::close(segment_fd_);
  segment_fd_ = -1;
}

void JournalWriter::write_all(std::size_t from, std::size_t to) {
  const std::byte* p = buffer_.get() + from;
  std::size_t left = to - from;
  while (left > 0) {
    const ssize_t n = ::write(segment_fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno, "write failed on", segment_path_);
    }
    if (n == 0) fail(EIO, "write made no progress on", segment_path_);
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  stats_.bytes_written += to - from;
}

std::chrono::nanoseconds JournalWriter::sync_segment() {
  const auto start = Clock::now();
  if (::fdatasync(segment_fd_) != 0) fail(errno, "fdatasync failed on", segment_path_);
  return Clock::now() - start;
}

std::chrono::nanoseconds JournalWriter::write_pending() {
  check_usable();
  std::chrono::nanoseconds synced{0};
  std::size_t from = 0;
  std::size_t split = 0;
  while (from < size_) {
    if (split < splits_.size() && splits_[split].offset == from) {
      // Leaving a segment: what was written to it becomes durable first, so the directory fsync
      // of the commit that follows never makes a later segment visible before an earlier one's
      // data; the new segment begins with its header record.
      if (segment_fd_ >= 0 && unsynced_) synced += sync_segment();
      release_reserve();
      close_segment();
      open_new_segment(splits_[split].first_sequence);
      rotated_ = true;
      ++split;
    }
    const std::size_t to = split < splits_.size() ? splits_[split].offset : size_;
    write_all(from, to);
    unsynced_ = true;
    from = to;
  }
  size_ = 0;
  splits_.clear();
  return synced;
}

std::chrono::nanoseconds JournalWriter::flush_and_sync() {
  check_usable();
  if (size_ == 0 && !unsynced_) return std::chrono::nanoseconds{0};
  std::chrono::nanoseconds synced = write_pending();
  if (unsynced_) synced += sync_segment();
  const bool mark = rotated_ || mark_pending_;
  if (rotated_) {
    const auto start = Clock::now();
    if (::fsync(dir_fd_) != 0) fail(errno, "fsync failed on directory", dir_);
    synced += Clock::now() - start;
  }
  unsynced_ = false;
  rotated_ = false;
  mark_pending_ = false;
  pending_seen_ = false;
  ++stats_.commits;
  stats_.durable_sequence = next_sequence_ - 1;
  if (mark) write_mark();
  stats_.fsync.record(std::chrono::duration<double>(synced).count());
  check_space();
  return synced;
}

bool JournalWriter::poll(TimeNs now) {
  check_usable();
  if (size_ == 0 && !unsynced_) return false;
  if (size_ >= options_.commit_threshold_bytes) {
    flush_and_sync();
    return true;
  }
  if (!pending_seen_) {
    pending_seen_ = true;
    pending_since_ = now;
  }
  if (now - pending_since_ >= options_.commit_interval.count()) {
    flush_and_sync();
    return true;
  }
  return false;
}

void JournalWriter::close() {
  if (closed_) return;
  flush_and_sync();
  // Short of space the mark stays where it was: behind the end, which is safe.
  if (!stats_.space_low && segment_fd_ >= 0) write_mark();
  release_reserve();
  close_segment();
  if (dir_fd_ >= 0) ::close(dir_fd_);
  dir_fd_ = -1;
  closed_ = true;
}

}  // namespace hedged::journal
