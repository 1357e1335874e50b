#include "adapters/journal/reader.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "adapters/journal/segment_files.hpp"

namespace hedged::journal {
namespace {

std::string hex32(std::uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08" PRIx32, value);
  return text;
}

// What is wrong with a record parse_record() refused, for a person.
std::string describe_parse(const ParsedRecord& parsed, std::span<const std::byte> rest) {
  std::string out(to_string(parsed.status));
  switch (parsed.status) {
    case ParseStatus::kIncompleteHeader:
      out += " (" + std::to_string(rest.size()) + " of " + std::to_string(kRecordHeaderBytes) +
             " header bytes)";
      break;
    case ParseStatus::kBadMagic: {
      std::uint32_t magic = 0;
      std::memcpy(&magic, rest.data(), sizeof magic);
      out += " (" + hex32(magic) + ", expected " + hex32(kRecordMagic) + ")";
      break;
    }
    case ParseStatus::kBadLength:
    case ParseStatus::kIncomplete: {
      std::uint32_t length = 0;
      std::memcpy(&length, rest.data() + 4, sizeof length);
      out += " (payload length " + std::to_string(length) + ", " + std::to_string(rest.size()) +
             " bytes left in the segment)";
      break;
    }
    case ParseStatus::kCrcMismatch:
      out += " (sequence " + std::to_string(parsed.record.sequence) + ", stored " +
             hex32(parsed.stored_crc) + ", computed " + hex32(parsed.computed_crc) + ")";
      break;
    case ParseStatus::kOk: break;
  }
  return out;
}

// Offset of the first record at or after `from` that parses with a valid CRC, or nullopt.
std::optional<std::size_t> find_valid_record(std::span<const std::byte> data, std::size_t from) {
  constexpr auto kFirstMagicByte = static_cast<unsigned char>(kRecordMagic & 0xFFu);
  const auto* base = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t pos = from;
  while (pos + kRecordOverheadBytes <= data.size()) {
    const void* hit = std::memchr(base + pos, kFirstMagicByte, data.size() - pos);
    if (hit == nullptr) return std::nullopt;
    pos = static_cast<std::size_t>(static_cast<const unsigned char*>(hit) - base);
    if (pos + kRecordOverheadBytes > data.size()) return std::nullopt;
    if (parse_record(data.subspan(pos)).status == ParseStatus::kOk) return pos;
    ++pos;
  }
  return std::nullopt;
}

std::string at(const std::filesystem::path& path, std::uint64_t offset) {
  return path.string() + " at byte offset " + std::to_string(offset);
}

}  // namespace

const char* to_string(ReadStatus status) noexcept {
  switch (status) {
    case ReadStatus::kClean: return "clean";
    case ReadStatus::kTornTail: return "torn_tail";
    case ReadStatus::kCorrupt: return "corrupt";
  }
  return "unknown";
}

SegmentScan scan_segment(std::span<const std::byte> data, std::uint64_t name_sequence,
                         const std::filesystem::path& path,
                         std::optional<std::uint64_t> expected_first, bool is_last,
                         const RecordCallback* on_record) {
  SegmentScan scan;
  std::uint64_t expected = expected_first.value_or(name_sequence);
  scan.next_sequence = expected;

  const auto corrupt = [&](std::uint64_t offset, const std::string& what) {
    scan.status = ReadStatus::kCorrupt;
    scan.offset = offset;
    scan.error = "journal corrupt: " + at(path, offset) + ": " + what;
    return scan;
  };
  // A record that cannot be parsed: a torn tail if it is in the last segment and no valid record
  // follows it (a crash cut the last write short), corruption otherwise.
  const auto bad_record = [&](std::size_t offset, const ParsedRecord& parsed) {
    const std::string what = describe_parse(parsed, data.subspan(offset));
    if (!is_last) return corrupt(offset, what + " in a segment that is not the last");
    if (const auto next = find_valid_record(data, offset + 1)) {
      return corrupt(offset,
                     what + ", and a valid record follows at byte offset " + std::to_string(*next));
    }
    scan.status = ReadStatus::kTornTail;
    scan.offset = offset;
    scan.error = "journal torn tail: " + at(path, offset) + ": " + what + "; " +
                 std::to_string(data.size() - offset) + " bytes after the last complete record";
    return scan;
  };

  if (data.empty()) {
    // A crash between creating a segment and writing its header (or a torn header truncated
    // away) leaves an empty last segment; anywhere else it is a hole.
    if (is_last) return scan;
    return corrupt(0, "empty segment that is not the last");
  }
  if (expected_first && name_sequence != *expected_first) {
    return corrupt(0, "sequence gap: the previous segment ends before sequence " +
                          std::to_string(*expected_first) + " but this segment starts at " +
                          std::to_string(name_sequence));
  }

  const ParsedRecord head = parse_record(data);
  if (head.status != ParseStatus::kOk) return bad_record(0, head);
  if (head.record.type != RecordType::kSegmentHeader) {
    return corrupt(0, "first record is " + std::string(to_string(head.record.type)) +
                          ", not a segment header");
  }
  SegmentHeader header;
  if (head.record.payload.size() != sizeof header) {
    return corrupt(0, "segment header payload is " + std::to_string(head.record.payload.size()) +
                          " bytes, expected " + std::to_string(sizeof header));
  }
  std::memcpy(&header, head.record.payload.data(), sizeof header);
  if (header.format_version != kFormatVersion) {
    return corrupt(0, "format version " + std::to_string(header.format_version) +
                          "; this build reads version " + std::to_string(kFormatVersion));
  }
  if (header.layout_fingerprint != kLayoutFingerprint) {
    return corrupt(0, "written by a build whose record layout differs (fingerprint " +
                          hex32(header.layout_fingerprint) + ", this build " +
                          hex32(kLayoutFingerprint) + "); read it with the build that wrote it");
  }
  if (header.first_sequence != name_sequence || head.record.sequence != name_sequence) {
    return corrupt(0, "segment header says first sequence " +
                          std::to_string(header.first_sequence) + " but the file name says " +
                          std::to_string(name_sequence));
  }

  std::size_t pos = head.size;
  scan.valid_bytes = pos;
  while (pos < data.size()) {
    const ParsedRecord parsed = parse_record(data.subspan(pos));
    if (parsed.status != ParseStatus::kOk) return bad_record(pos, parsed);
    const RecordView& record = parsed.record;
    if (record.type == RecordType::kSegmentHeader) {
      return corrupt(pos, "segment header in the middle of a segment");
    }
    if (record.sequence != expected) {
      return corrupt(pos, "sequence gap: expected " + std::to_string(expected) + ", found " +
                              std::to_string(record.sequence));
    }
    if (on_record != nullptr && *on_record) (*on_record)(record);
    if (scan.records == 0) scan.first_sequence = record.sequence;
    ++scan.records;
    ++expected;
    scan.next_sequence = expected;
    pos += parsed.size;
    scan.valid_bytes = pos;
  }
  return scan;
}

ReadResult read_journal(const std::filesystem::path& dir, const RecordCallback& on_record) {
  ReadResult result;
  std::optional<std::uint64_t> expected;
  const std::vector<SegmentFile> segments = list_segments(dir);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const SegmentFile& file = segments[i];
    const std::vector<std::byte> data = read_file_bytes(file.path);
    const bool is_last = i + 1 == segments.size();
    const SegmentScan scan =
        scan_segment(data, file.first_sequence, file.path, expected, is_last, &on_record);
    ++result.segments;
    result.records += scan.records;
    result.bytes += scan.valid_bytes;
    if (scan.records > 0) {
      if (result.first_sequence == 0) result.first_sequence = scan.first_sequence;
      result.last_sequence = scan.next_sequence - 1;
    }
    expected = scan.next_sequence;
    if (scan.status != ReadStatus::kClean) {
      result.status = scan.status;
      result.segment = file.path;
      result.offset = scan.offset;
      result.error = scan.error;
      break;
    }
  }
  result.next_sequence = expected.value_or(1);
  // The tail the segments no longer show: the journal must reach its high-water mark.
  if (result.status != ReadStatus::kCorrupt) {
    if (const std::optional<HighWaterMark> mark = read_high_water_mark(dir)) {
      const std::uint64_t last_segment = segments.empty() ? 0 : segments.back().first_sequence;
      if (result.next_sequence <= mark->sequence || last_segment < mark->segment) {
        result.status = ReadStatus::kCorrupt;
        result.segment = dir / kHighWaterMarkFile;
        result.offset = 0;
        result.error = "journal " + dir.string() + " ends at sequence " +
                       std::to_string(result.next_sequence - 1) + " in " +
                       (segments.empty() ? std::string("no segment")
                                         : segments.back().path.filename().string()) +
                       ", but its high-water mark (" + std::string(kHighWaterMarkFile) +
                       ") says sequence " + std::to_string(mark->sequence) + " was on disk in " +
                       segment_file_name(mark->segment) +
                       " or later: its last segments are missing (deleted, or restored from an "
                       "older copy); starting would roll positions back. Put the missing "
                       "segments back, or move the directory aside and start from a book that "
                       "says where the position is";
      }
    }
  }
  return result;
}

void truncate_torn_tail(const ReadResult& result) {
  if (result.status != ReadStatus::kTornTail) {
    throw std::logic_error("journal: truncate_torn_tail() needs a torn-tail read result, not " +
                           std::string(to_string(result.status)));
  }
  // The writer holds this lock while it runs: a tail that looks torn may be a write in progress.
  const std::filesystem::path dir = result.segment.parent_path();
  const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) throw_errno(errno, "cannot open directory", dir);
  if (::flock(dir_fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(dir_fd);
    throw_errno(error, "will not truncate while a journal writer holds", dir);
  }
  const int fd = ::open(result.segment.c_str(), O_WRONLY | O_CLOEXEC);
  int error = 0;
  const char* what = nullptr;
  if (fd < 0) {
    error = errno;
    what = "cannot open for truncation";
  } else if (::ftruncate(fd, static_cast<off_t>(result.offset)) != 0) {
    error = errno;
    what = "cannot truncate torn tail of";
  } else if (::fsync(fd) != 0) {
    error = errno;
    what = "fsync failed after truncating";
  }
  if (fd >= 0 && ::close(fd) != 0 && what == nullptr) {
    error = errno;
    what = "close failed after truncating";
  }
  ::close(dir_fd);  // releases the lock
  if (what != nullptr) throw_errno(error, what, result.segment);
}

JournalSummary verify(const std::filesystem::path& dir) {
  JournalSummary summary;
  summary.result = read_journal(dir, [&summary](const RecordView& record) {
    if (is_known(record.type)) {
      ++summary.records_by_type[static_cast<std::size_t>(record.type)];
    } else {
      ++summary.unknown_type_records;
    }
  });
  return summary;
}

std::string describe(const JournalSummary& summary) {
  const ReadResult& r = summary.result;
  std::string out;
  out += "status: " + std::string(to_string(r.status)) + "\n";
  out += "segments: " + std::to_string(r.segments) + "\n";
  out += "records: " + std::to_string(r.records) + "\n";
  out += "sequences: " + std::to_string(r.first_sequence) + " .. " +
         std::to_string(r.last_sequence) + " (next " + std::to_string(r.next_sequence) + ")\n";
  out += "bytes: " + std::to_string(r.bytes) + "\n";
  for (std::size_t t = 1; t < kRecordTypeCount; ++t) {
    const auto type = static_cast<RecordType>(t);
    if (type == RecordType::kSegmentHeader) continue;
    out += "  " + std::string(to_string(type)) + ": " + std::to_string(summary.records_by_type[t]) +
           "\n";
  }
  if (summary.unknown_type_records > 0) {
    out += "  unknown: " + std::to_string(summary.unknown_type_records) + "\n";
  }
  if (!r.error.empty()) out += r.error + "\n";
  return out;
}

}  // namespace hedged::journal
