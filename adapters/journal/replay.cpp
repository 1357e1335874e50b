#include "adapters/journal/replay.hpp"

#include <cstring>

namespace hedged::journal {

std::span<const std::byte> limits_bytes(const risk::RiskLimits& limits) noexcept {
  return std::as_bytes(std::span(&limits, 1));
}

std::string apply_record(recovery::JournalState& state, const RecordView& record) {
  state.note_sequence(record.sequence);
  switch (record.type) {
    case RecordType::kNewOrder:
      if (const auto o = decode<NewChildOrder>(record))
        (void)state.on_new_order(*o, record.time_ns);
      break;
    case RecordType::kCancelOrder:
      if (const auto c = decode<CancelOrder>(record)) (void)state.on_cancel(*c, record.time_ns);
      break;
    case RecordType::kReplaceOrder:
      if (const auto r = decode<ReplaceOrder>(record)) (void)state.on_replace(*r, record.time_ns);
      break;
    case RecordType::kExecReport:
      if (const auto r = decode<ExecReportEvent>(record)) (void)state.on_exec_report(*r);
      break;
    case RecordType::kOptionTrade:
      if (const auto t = decode<OptionTradeEvent>(record)) (void)state.on_option_trade(*t);
      break;
    case RecordType::kStateChange:
      if (const auto s = decode<StateNotice>(record)) state.on_state(*s);
      break;
    case RecordType::kLimitChange:
      if (const auto l = decode_limit_change(record);
          l && l->bytes.size() == sizeof(risk::RiskLimits)) {
        risk::RiskLimits limits;
        std::memcpy(&limits, l->bytes.data(), sizeof limits);
        state.on_limits(limits);
      }
      break;
    case RecordType::kPnlDayOpen:
      if (const auto d = decode<PnlDayOpen>(record)) state.on_day_open(*d);
      break;
    case RecordType::kFillRepriced:
      if (const auto f = decode<FillRepriced>(record)) (void)state.on_fill_repriced(*f);
      break;
    case RecordType::kStartBook: (void)state.on_start_book(record.payload); break;
    case RecordType::kSnapshot: {
      std::string error = state.decode(record.payload);
      if (!error.empty()) {
        return "snapshot at sequence " + std::to_string(record.sequence) + ": " + error;
      }
      state.note_sequence(record.sequence);
      break;
    }
    default: break;
  }
  return {};
}

}  // namespace hedged::journal
