// The journal's on-disk record format: record types, the fixed header, the payload PODs and the
// encode/parse functions the writer and reader share. Pure functions; any thread may call them.
//
// A segment is a file `journal-<first sequence, 20 digits>.log`; its records follow each other
// with no padding. Each record, little-endian:
//
//   offset  size  field
//        0     4  magic           kRecordMagic ("HJRN")
//        4     4  payload_length  bytes of payload that follow the header
//        8     8  sequence        +1 per data record, continuous across segments (first is >= 1)
//       16     2  type            RecordType
//       18     2  flags           0 (reserved)
//       20     8  time_ns         the writer's time for the record, ns since the Unix epoch
//       28     n  payload
//     28+n     4  crc32c          CRC32C of the 28 header bytes and the payload
//
// The first record of every segment is a kSegmentHeader (SegmentHeader payload) whose sequence
// is the segment's first sequence; it does not consume a sequence number.
//
// Payloads of the engine's PODs (orders, execution reports, ...) are their object bytes: the
// format is tied to the build that wrote it (struct layout, padding, endianness). The segment
// header carries kFormatVersion and a fingerprint of the PODs' sizes; the reader refuses a
// segment written with another version or layout. Bump kFormatVersion whenever a journaled
// struct changes, and keep the old binary to read an old journal (`hedged journal`).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>

#include "core/model/actions.hpp"
#include "core/model/events.hpp"
#include "core/model/types.hpp"

namespace hedged::journal {

static_assert(std::endian::native == std::endian::little,
              "the journal stores PODs as their bytes and its header little-endian");

inline constexpr std::uint32_t kRecordMagic = 0x4E52'4A48u;  // bytes "HJRN"
// 2: StateNotice::manual_resume; 3: the day's P&L baseline, repriced fills, the starting book
inline constexpr std::uint32_t kFormatVersion = 3;
inline constexpr std::size_t kRecordHeaderBytes = 28;
inline constexpr std::size_t kRecordTrailerBytes = 4;  // the CRC32C
inline constexpr std::size_t kRecordOverheadBytes = kRecordHeaderBytes + kRecordTrailerBytes;
// Largest payload the writer accepts and the reader believes (a corrupt length is not trusted).
inline constexpr std::size_t kMaxPayloadBytes = std::size_t{1} << 30;

enum class RecordType : std::uint16_t {
  kSegmentHeader = 1,      // SegmentHeader; first record of every segment
  kNewOrder = 2,           // NewChildOrder: an order intent, journaled before it is sent
  kCancelOrder = 3,        // CancelOrder
  kReplaceOrder = 4,       // ReplaceOrder
  kExecReport = 5,         // ExecReportEvent: acknowledgements, fills, rejects, cancels
  kOptionTrade = 6,        // OptionTradeEvent from the drop copy
  kLimitChange = 7,        // u64 limits version, then the caller's serialised limits
  kStateChange = 8,        // StateNotice: a trading-state change with its cause
  kHedgeDecision = 9,      // HedgeDecision
  kSnapshot = 10,          // opaque: the caller's serialised positions
  kSessionSequences = 11,  // SessionSequences: FIX sequence numbers (QuickFIX never fsyncs)
  kPnlDayOpen = 12,        // PnlDayOpen: an underlying's P&L baseline for a UTC day
  kFillRepriced = 13,      // FillRepriced: a fill whose implausible price P&L does not use
  kStartBook = 14          // opaque: the configured book the journal began with
};
inline constexpr std::size_t kRecordTypeCount = 15;  // index by the numeric value; 0 unused

[[nodiscard]] std::string_view to_string(RecordType type) noexcept;
[[nodiscard]] constexpr bool is_known(RecordType type) noexcept {
  const auto v = static_cast<std::uint16_t>(type);
  return v >= 1 && v < kRecordTypeCount;
}

// Payload of kSegmentHeader.
struct SegmentHeader {
  std::uint32_t format_version = kFormatVersion;
  std::uint32_t layout_fingerprint = 0;  // kLayoutFingerprint of the writing build
  std::uint64_t first_sequence = 0;
  TimeNs created_ns = 0;
};

// Payload of kSessionSequences: the FIX session's next sequence numbers, so a restart after a
// power loss never reuses an outgoing number that QuickFIX's FileStore had not made durable.
struct SessionSequences {
  std::uint64_t next_sender_seq = 0;
  std::uint64_t next_target_seq = 0;
};

// Which record type a POD payload is journaled as.
template <class T>
inline constexpr std::optional<RecordType> kRecordTypeOf = std::nullopt;
template <>
inline constexpr std::optional<RecordType> kRecordTypeOf<NewChildOrder> = RecordType::kNewOrder;
template <>
inline constexpr std::optional<RecordType> kRecordTypeOf<CancelOrder> = RecordType::kCancelOrder;
template <>
inline constexpr std::optional<RecordType> kRecordTypeOf<ReplaceOrder> = RecordType::kReplaceOrder;
template <>
inline constexpr std::optional<RecordType> kRecordTypeOf<ExecReportEvent> = RecordType::kExecReport;
template <>
inline constexpr std::optional<RecordType> kRecordTypeOf<OptionTradeEvent> =
    RecordType::kOptionTrade;
template <>
inline constexpr std::optional<RecordType> kRecordTypeOf<StateNotice> = RecordType::kStateChange;
template <>
inline constexpr std::optional<RecordType> kRecordTypeOf<HedgeDecision> =
    RecordType::kHedgeDecision;
template <>
inline constexpr std::optional<RecordType> kRecordTypeOf<SessionSequences> =
    RecordType::kSessionSequences;
template <>
inline constexpr std::optional<RecordType> kRecordTypeOf<PnlDayOpen> = RecordType::kPnlDayOpen;
template <>
inline constexpr std::optional<RecordType> kRecordTypeOf<FillRepriced> = RecordType::kFillRepriced;

template <class T>
concept JournalPod = kRecordTypeOf<T>
.has_value() && std::is_trivially_copyable_v<T>;

static_assert(JournalPod<NewChildOrder> && JournalPod<CancelOrder> && JournalPod<ReplaceOrder> &&
                  JournalPod<ExecReportEvent> && JournalPod<OptionTradeEvent> &&
                  JournalPod<StateNotice> && JournalPod<HedgeDecision> &&
                  JournalPod<SessionSequences> && JournalPod<PnlDayOpen> &&
                  JournalPod<FillRepriced>,
              "journaled payloads are stored as their bytes: they must be trivially copyable");
static_assert(std::is_trivially_copyable_v<SegmentHeader> && sizeof(SegmentHeader) == 24);

// FNV-1a over the sizes and alignments of every journaled POD and the format version: a build
// whose structs changed size cannot silently misread an older journal. (It does not see fields
// reordered within the same size: that is what kFormatVersion is for.)
[[nodiscard]] consteval std::uint32_t layout_fingerprint() {
  const std::array<std::size_t, 23> facts = {
      kFormatVersion,           sizeof(NewChildOrder),     alignof(NewChildOrder),
      sizeof(CancelOrder),      alignof(CancelOrder),      sizeof(ReplaceOrder),
      alignof(ReplaceOrder),    sizeof(ExecReportEvent),   alignof(ExecReportEvent),
      sizeof(OptionTradeEvent), alignof(OptionTradeEvent), sizeof(StateNotice),
      alignof(StateNotice),     sizeof(HedgeDecision),     alignof(HedgeDecision),
      sizeof(SessionSequences), alignof(SessionSequences), sizeof(SegmentHeader),
      kRecordHeaderBytes,       sizeof(PnlDayOpen),        alignof(PnlDayOpen),
      sizeof(FillRepriced),     alignof(FillRepriced)};
  std::uint32_t h = 2166136261u;
  for (const std::size_t fact : facts) {
    for (int byte = 0; byte < 8; ++byte) {
      h ^= static_cast<std::uint32_t>((fact >> (8 * byte)) & 0xFFu);
      h *= 16777619u;
    }
  }
  return h;
}
inline constexpr std::uint32_t kLayoutFingerprint = layout_fingerprint();

// One record as read back. `payload` points into the reader's buffer: valid only during the
// callback that received it.
struct RecordView {
  RecordType type = RecordType::kSegmentHeader;
  std::uint16_t flags = 0;
  std::uint64_t sequence = 0;
  TimeNs time_ns = 0;
  std::span<const std::byte> payload;
};

// The payload as T when the record is T's type and exactly sizeof(T) long.
template <JournalPod T>
[[nodiscard]] std::optional<T> decode(const RecordView& record) noexcept {
  if (record.type != *kRecordTypeOf<T> || record.payload.size() != sizeof(T)) return std::nullopt;
  T value;
  std::memcpy(&value, record.payload.data(), sizeof(T));
  return value;
}

// kLimitChange payload: the limits version, then the caller's bytes.
struct LimitChangeView {
  std::uint64_t version = 0;
  std::span<const std::byte> bytes;
};
[[nodiscard]] std::optional<LimitChangeView> decode_limit_change(const RecordView& record) noexcept;

// Bytes a record with `payload_bytes` of payload takes on disk.
[[nodiscard]] constexpr std::size_t record_size(std::size_t payload_bytes) noexcept {
  return kRecordOverheadBytes + payload_bytes;
}

// Writes one complete record (header, payload parts in order, CRC) to `out`, which must have
// record_size(sum of part sizes) bytes. The payload may come in two parts so a limit change's
// version and bytes need no intermediate copy.
void encode_record(std::byte* out, RecordType type, std::uint16_t flags, std::uint64_t sequence,
                   TimeNs time_ns, std::span<const std::byte> part1,
                   std::span<const std::byte> part2 = {}) noexcept;

// What parse_record found at an offset.
enum class ParseStatus : std::uint8_t {
  kOk,
  kIncompleteHeader,  // fewer than kRecordHeaderBytes left
  kBadMagic,
  kBadLength,    // payload length above kMaxPayloadBytes
  kIncomplete,   // the header's length runs past the end of the data
  kCrcMismatch,  // complete, but its checksum does not match
};
[[nodiscard]] std::string_view to_string(ParseStatus status) noexcept;

struct ParsedRecord {
  ParseStatus status = ParseStatus::kOk;
  RecordView record;     // valid fields when kOk; header fields as read otherwise
  std::size_t size = 0;  // bytes the record takes when kOk
  std::uint32_t stored_crc = 0;
  std::uint32_t computed_crc = 0;
};

// Parses the record that starts at data[0].
[[nodiscard]] ParsedRecord parse_record(std::span<const std::byte> data) noexcept;

}  // namespace hedged::journal
