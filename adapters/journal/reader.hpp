// Reading a journal back: recovery at start-up and `hedged journal verify`. Runs on whichever
// thread calls it, before the journal's writer is opened (or on a copy of the files); it never
// writes except in truncate_torn_tail().
//
// Recovery order: read_journal() -> kCorrupt: stop start-up with result.error (an operator must
// look; the callback saw the records before the problem, so build recovery state aside and drop
// it); kTornTail: truncate_torn_tail(result) (every record before the tear was delivered) ->
// apply the delivered records -> JournalWriter(dir, options, result.next_sequence).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "adapters/journal/record.hpp"

namespace hedged::journal {

enum class ReadStatus : std::uint8_t {
  kClean,     // every segment read to its end
  kTornTail,  // the last segment ends in an incomplete or unreadable record with nothing valid
              // after it: a write cut short by a crash. Safe to truncate_torn_tail().
  kCorrupt,   // a bad record with data after it, anything wrong in an earlier segment, a
              // sequence gap, or a segment from another format: do not start.
};
[[nodiscard]] const char* to_string(ReadStatus status) noexcept;

struct ReadResult {
  ReadStatus status = ReadStatus::kClean;
  std::size_t segments = 0;          // segment files read (up to the problem, if any)
  std::uint64_t records = 0;         // data records delivered (segment headers are not)
  std::uint64_t bytes = 0;           // bytes of the valid records read, segment headers included
  std::uint64_t first_sequence = 0;  // of the first record delivered; 0 when none
  std::uint64_t last_sequence = 0;   // of the last record delivered; 0 when none
  std::uint64_t next_sequence = 1;   // give this to the JournalWriter
  std::filesystem::path segment;     // the segment with the torn tail or the bad record
  std::uint64_t offset = 0;          // byte offset in it of the torn tail or the bad record
  std::string error;                 // names the segment, offset and what is wrong; empty if clean

  [[nodiscard]] bool ok() const noexcept { return status != ReadStatus::kCorrupt; }
};

// Called once per data record, in sequence order. record.payload is valid only during the call.
using RecordCallback = std::function<void(const RecordView& record)>;

// Reads every segment of `dir` in sequence order, checking magic, lengths, CRCs, segment headers
// and sequence continuity (across segments too), and hands each valid record to on_record until
// the end or the first problem. A missing or empty directory is clean with no records. Throws
// std::system_error only when a file cannot be read.
[[nodiscard]] ReadResult read_journal(const std::filesystem::path& dir,
                                      const RecordCallback& on_record);

// Cuts the torn segment at result.offset and fsyncs it. Requires result.status == kTornTail
// (throws std::logic_error otherwise); throws std::system_error naming the file when it fails,
// or when a JournalWriter holds the directory's lock (its tail may be a write in progress).
void truncate_torn_tail(const ReadResult& result);

// read_journal() and truncate_torn_tail() on one directory, keeping the last result.
class JournalReader {
 public:
  explicit JournalReader(std::filesystem::path dir) : dir_(std::move(dir)) {}
  const ReadResult& read(const RecordCallback& on_record) {
    result_ = read_journal(dir_, on_record);
    return result_;
  }
  [[nodiscard]] const ReadResult& result() const noexcept { return result_; }
  void truncate_torn_tail() const { journal::truncate_torn_tail(result_); }
  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }

 private:
  std::filesystem::path dir_;
  ReadResult result_;
};

struct JournalSummary {
  ReadResult result;
  std::array<std::uint64_t, kRecordTypeCount> records_by_type{};  // index: RecordType value
  std::uint64_t unknown_type_records = 0;  // valid records of a type this build does not know
};

// Reads the whole journal without keeping anything but counts.
[[nodiscard]] JournalSummary verify(const std::filesystem::path& dir);

// A few lines for a person: status, segments, sequences, bytes, counts by type, the problem.
[[nodiscard]] std::string describe(const JournalSummary& summary);

// One segment's bytes checked on their own (the reader's building block; the writer uses it to
// check the segment it continues). expected_first: the sequence the previous segment leads to,
// or nullopt to take the file name's. is_last decides whether a bad end is a torn tail.
struct SegmentScan {
  ReadStatus status = ReadStatus::kClean;
  std::uint64_t offset = 0;  // of the problem
  std::string error;
  std::uint64_t records = 0;
  std::uint64_t valid_bytes = 0;     // up to the end of the last valid record
  std::uint64_t first_sequence = 0;  // of the first data record; 0 when none
  std::uint64_t next_sequence = 0;   // after the last valid record
};
[[nodiscard]] SegmentScan scan_segment(std::span<const std::byte> data, std::uint64_t name_sequence,
                                       const std::filesystem::path& path,
                                       std::optional<std::uint64_t> expected_first, bool is_last,
                                       const RecordCallback* on_record);

}  // namespace hedged::journal
