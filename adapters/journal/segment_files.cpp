#include "adapters/journal/segment_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <system_error>

namespace hedged::journal {
namespace {

constexpr std::string_view kPrefix = "journal-";
constexpr std::string_view kSuffix = ".log";
constexpr std::size_t kSequenceDigits = 20;

class Fd {
 public:
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_;
};

}  // namespace

void throw_errno(int error, std::string_view what, const std::filesystem::path& path) {
  std::string message = "journal: ";
  message += what;
  message += ' ';
  message += path.string();
  throw std::system_error(error, std::generic_category(), message);
}

std::string segment_file_name(std::uint64_t first_sequence) {
  char digits[kSequenceDigits + 1];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(first_sequence));
  std::string name(kPrefix);
  name += digits;
  name += kSuffix;
  return name;
}

std::optional<std::uint64_t> parse_segment_file_name(std::string_view name) noexcept {
  if (name.size() != kPrefix.size() + kSequenceDigits + kSuffix.size() ||
      !name.starts_with(kPrefix) || !name.ends_with(kSuffix)) {
    return std::nullopt;
  }
  const std::string_view digits = name.substr(kPrefix.size(), kSequenceDigits);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

std::vector<SegmentFile> list_segments(const std::filesystem::path& dir) {
  std::vector<SegmentFile> out;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return out;
    throw std::system_error(ec, "journal: cannot list " + dir.string());
  }
  for (const auto& entry : it) {
    const auto sequence = parse_segment_file_name(entry.path().filename().string());
    if (sequence && entry.is_regular_file()) out.push_back({*sequence, entry.path()});
  }
  std::sort(out.begin(), out.end(), [](const SegmentFile& a, const SegmentFile& b) {
    return a.first_sequence < b.first_sequence;
  });
  return out;
}

std::vector<std::byte> read_file_bytes(const std::filesystem::path& path) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw_errno(errno, "cannot open", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_errno(errno, "cannot stat", path);
  std::vector<std::byte> bytes(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(errno, "cannot read", path);
    }
    if (n == 0) break;  // shrank while we read: keep what is there
    done += static_cast<std::size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

void fsync_directory(const std::filesystem::path& dir) {
  const Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) throw_errno(errno, "cannot open directory", dir);
  if (::fsync(fd.get()) != 0) throw_errno(errno, "fsync failed on directory", dir);
}

namespace {
constexpr std::string_view kHighWaterMarkTitle = "hedged journal high-water mark";
}  // namespace

std::optional<HighWaterMark> read_high_water_mark(const std::filesystem::path& dir) {
  const std::filesystem::path path = dir / kHighWaterMarkFile;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  const std::vector<std::byte> bytes = read_file_bytes(path);
  const std::string text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  HighWaterMark mark;
  unsigned long long segment = 0;
  unsigned long long sequence = 0;
  char title[64] = {};
  if (std::sscanf(text.c_str(), "%63[^\n]\nsegment %llu\nsequence %llu\n", title, &segment,
                  &sequence) != 3 ||
      kHighWaterMarkTitle != title) {
    throw std::runtime_error("journal: " + path.string() +
                             " is not a high-water mark this build can read");
  }
  mark.segment = segment;
  mark.sequence = sequence;
  return mark;
}

void write_high_water_mark(int dir_fd, const std::filesystem::path& dir, HighWaterMark mark) {
  const std::string name(kHighWaterMarkFile);
  const std::string temporary = name + ".tmp";
  const std::string text = std::string(kHighWaterMarkTitle) + "\nsegment " +
                           std::to_string(mark.segment) + "\nsequence " +
                           std::to_string(mark.sequence) + "\n";
  {
    const Fd fd(
        ::openat(dir_fd, temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) throw_errno(errno, "cannot create", dir / temporary);
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw_errno(n < 0 ? errno : EIO, "write failed on", dir / temporary);
      done += static_cast<std::size_t>(n);
    }
    if (::fdatasync(fd.get()) != 0) throw_errno(errno, "fdatasync failed on", dir / temporary);
  }
  if (::renameat(dir_fd, temporary.c_str(), dir_fd, name.c_str()) != 0) {
    throw_errno(errno, "cannot rename to", dir / name);
  }
  if (::fsync(dir_fd) != 0) throw_errno(errno, "fsync failed on directory", dir);
}

}  // namespace hedged::journal
