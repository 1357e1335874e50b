// Segment file names (`journal-<first sequence, 20 digits>.log`) and the POSIX file helpers the
// journal's writer and reader share. Stateless; any thread may call them. Errors throw
// std::system_error naming the path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hedged::journal {

struct SegmentFile {
  std::uint64_t first_sequence = 0;
  std::filesystem::path path;
};

// "journal-00000000000000000042.log" for 42.
[[nodiscard]] std::string segment_file_name(std::uint64_t first_sequence);
// The first sequence a segment file name carries, or nullopt for any other name.
[[nodiscard]] std::optional<std::uint64_t> parse_segment_file_name(std::string_view name) noexcept;

// The directory's segments in sequence order; other files are ignored. A missing directory has
// none.
[[nodiscard]] std::vector<SegmentFile> list_segments(const std::filesystem::path& dir);

// The whole file.
[[nodiscard]] std::vector<std::byte> read_file_bytes(const std::filesystem::path& path);

// fsync() of a directory, so the names created in it (or it in its parent) survive a power loss.
void fsync_directory(const std::filesystem::path& dir);

// The journal's durable high-water mark, kept apart from the segments in `journal.hwm`: the
// first sequence of the segment being written and the last sequence known on disk, as of the
// writer's last rotation, snapshot or close. A journal that ends before it has lost its tail
// (a segment deleted or restored from an old copy), which the segments alone cannot show.
inline constexpr std::string_view kHighWaterMarkFile = "journal.hwm";
struct HighWaterMark {
  std::uint64_t segment = 0;   // first sequence of the last segment
  std::uint64_t sequence = 0;  // last sequence durable
};
// nullopt when the file does not exist; std::runtime_error when it cannot be read or parsed.
[[nodiscard]] std::optional<HighWaterMark> read_high_water_mark(const std::filesystem::path& dir);
// Replaces it atomically (a temporary file, fdatasync, rename, directory fsync); dir_fd is the
// open directory. Throws std::system_error naming the file.
void write_high_water_mark(int dir_fd, const std::filesystem::path& dir, HighWaterMark mark);

// Throws std::system_error(errno) with "journal: <what> <path>".
[[noreturn]] void throw_errno(int error, std::string_view what, const std::filesystem::path& path);

}  // namespace hedged::journal
