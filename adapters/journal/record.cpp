#include "adapters/journal/record.hpp"

#include <cstring>

#include "adapters/journal/crc32c.hpp"

namespace hedged::journal {
namespace {

template <class T>
void store(std::byte* out, T value) noexcept {
  std::memcpy(out, &value, sizeof value);
}

template <class T>
T load(const std::byte* in) noexcept {
  T value;
  std::memcpy(&value, in, sizeof value);
  return value;
}

}  // namespace

std::string_view to_string(RecordType type) noexcept {
  switch (type) {
    case RecordType::kSegmentHeader: return "segment_header";
    case RecordType::kNewOrder: return "new_order";
    case RecordType::kCancelOrder: return "cancel_order";
    case RecordType::kReplaceOrder: return "replace_order";
    case RecordType::kExecReport: return "exec_report";
    case RecordType::kOptionTrade: return "option_trade";
    case RecordType::kLimitChange: return "limit_change";
    case RecordType::kStateChange: return "state_change";
    case RecordType::kHedgeDecision: return "hedge_decision";
    case RecordType::kSnapshot: return "snapshot";
    case RecordType::kSessionSequences: return "session_sequences";
    case RecordType::kPnlDayOpen: return "pnl_day_open";
    case RecordType::kFillRepriced: return "fill_repriced";
    case RecordType::kStartBook: return "start_book";
  }
  return "unknown";
}

std::string_view to_string(ParseStatus status) noexcept {
  switch (status) {
    case ParseStatus::kOk: return "ok";
    case ParseStatus::kIncompleteHeader: return "incomplete header";
    case ParseStatus::kBadMagic: return "bad magic";
    case ParseStatus::kBadLength: return "implausible payload length";
    case ParseStatus::kIncomplete: return "record runs past the end of the segment";
    case ParseStatus::kCrcMismatch: return "CRC mismatch";
  }
  return "unknown";
}

std::optional<LimitChangeView> decode_limit_change(const RecordView& record) noexcept {
  if (record.type != RecordType::kLimitChange || record.payload.size() < sizeof(std::uint64_t)) {
    return std::nullopt;
  }
  return LimitChangeView{load<std::uint64_t>(record.payload.data()),
                         record.payload.subspan(sizeof(std::uint64_t))};
}

void encode_record(std::byte* out, RecordType type, std::uint16_t flags, std::uint64_t sequence,
                   TimeNs time_ns, std::span<const std::byte> part1,
                   std::span<const std::byte> part2) noexcept {
  const std::size_t payload = part1.size() + part2.size();
  store(out + 0, kRecordMagic);
  store(out + 4, static_cast<std::uint32_t>(payload));
  store(out + 8, sequence);
  store(out + 16, static_cast<std::uint16_t>(type));
  store(out + 18, flags);
  store(out + 20, time_ns);
  std::byte* p = out + kRecordHeaderBytes;
  if (!part1.empty()) std::memcpy(p, part1.data(), part1.size());
  if (!part2.empty()) std::memcpy(p + part1.size(), part2.data(), part2.size());
  store(p + payload, crc32c(out, kRecordHeaderBytes + payload));
}

ParsedRecord parse_record(std::span<const std::byte> data) noexcept {
  ParsedRecord out;
  if (data.size() < kRecordHeaderBytes) {
    out.status = ParseStatus::kIncompleteHeader;
    return out;
  }
  const std::byte* p = data.data();
  const auto magic = load<std::uint32_t>(p);
  const auto length = load<std::uint32_t>(p + 4);
  out.record.sequence = load<std::uint64_t>(p + 8);
  out.record.type = static_cast<RecordType>(load<std::uint16_t>(p + 16));
  out.record.flags = load<std::uint16_t>(p + 18);
  out.record.time_ns = load<TimeNs>(p + 20);
  if (magic != kRecordMagic) {
    out.status = ParseStatus::kBadMagic;
    return out;
  }
  if (length > kMaxPayloadBytes) {
    out.status = ParseStatus::kBadLength;
    return out;
  }
  if (data.size() - kRecordHeaderBytes < std::size_t{length} + kRecordTrailerBytes) {
    out.status = ParseStatus::kIncomplete;
    return out;
  }
  out.stored_crc = load<std::uint32_t>(p + kRecordHeaderBytes + length);
  out.computed_crc = crc32c(p, kRecordHeaderBytes + length);
  if (out.stored_crc != out.computed_crc) {
    out.status = ParseStatus::kCrcMismatch;
    return out;
  }
  out.record.payload = data.subspan(kRecordHeaderBytes, length);
  out.size = record_size(length);
  return out;
}

}  // namespace hedged::journal
