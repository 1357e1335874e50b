#include "core/engine/recovery.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

namespace hedged::recovery {

std::uint64_t exec_id_hash(const FixedText<40>& exec_id) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (const char* c = exec_id.c_str(); *c != '\0'; ++c) {
    h ^= static_cast<unsigned char>(*c);
    h *= 1099511628211ull;
  }
  return h == 0 ? 1 : h;
}

JournalState::JournalState(std::size_t instrument_count, std::size_t order_capacity)
    : totals_(instrument_count), orders_(order_capacity), recent_exec_ids_(kRecentExecIds, 0) {}

bool JournalState::on_new_order(const NewChildOrder& order, TimeNs time) noexcept {
  ++records_;
  if (order.instrument >= totals_.size() || order.cl_ord_id == 0 ||
      orders_.find(order.cl_ord_id) != nullptr) {
    ++refused_;
    return false;
  }
  max_order_id_ = std::max(max_order_id_, order.cl_ord_id);
  execution::ChildOrder child;
  child.id = order.cl_ord_id;
  child.instrument = order.instrument;
  child.side = order.side;
  child.qty = order.qty;
  child.price_ticks = order.price_ticks;
  child.sent_ns = time;
  if (orders_.add(child) == nullptr) {
    ++refused_;
    return false;
  }
  return true;
}

bool JournalState::on_cancel(const CancelOrder& cancel, TimeNs time) noexcept {
  ++records_;
  max_order_id_ = std::max(max_order_id_, cancel.cl_ord_id);
  if (!orders_.mark_cancel_requested(cancel.orig_cl_ord_id, time)) {
    ++refused_;
    return false;
  }
  return true;
}

bool JournalState::on_replace(const ReplaceOrder& replace, TimeNs time) noexcept {
  ++records_;
  max_order_id_ = std::max(max_order_id_, replace.cl_ord_id);
  if (!orders_.mark_replace_requested(replace.orig_cl_ord_id, replace.cl_ord_id, replace.qty,
                                      replace.price_ticks, time)) {
    ++refused_;
    return false;
  }
  return true;
}

void JournalState::apply_fill(InstrumentId instrument, Side side, std::int64_t qty,
                              double px) noexcept {
  InstrumentTotals& t = totals_[instrument];
  const std::int64_t q = signed_qty(side, qty);
  t.filled_qty += q;
  // A price that is no number adds no cash (the engine reprices such a fill; FillRepriced).
  if (std::isfinite(px)) t.filled_cash -= static_cast<double>(q) * px;
  ++t.fills;
}

bool JournalState::on_exec_report(const ExecReportEvent& report) noexcept {
  ++records_;
  execution::ChildOrder* order = orders_.find(report.cl_ord_id);
  if (order == nullptr) {
    ++refused_;
    return false;
  }
  const InstrumentId instrument = order->instrument;
  const Side side = order->side;
  const execution::ApplyOutcome outcome = orders_.apply(report);
  if (outcome.fill_qty > 0) apply_fill(instrument, side, outcome.fill_qty, outcome.fill_px);
  if (outcome.result != execution::ApplyResult::kApplied) {
    ++refused_;
    return false;
  }
  return true;
}

bool JournalState::on_option_trade(const OptionTradeEvent& trade) noexcept {
  ++records_;
  const std::uint64_t h = exec_id_hash(trade.exec_id);
  if (trade.instrument >= totals_.size() || trade.exec_id.empty() ||
      std::find(recent_exec_ids_.begin(), recent_exec_ids_.end(), h) != recent_exec_ids_.end()) {
    ++refused_;
    return false;
  }
  recent_exec_ids_[next_exec_id_slot_] = h;
  next_exec_id_slot_ = (next_exec_id_slot_ + 1) % recent_exec_ids_.size();
  InstrumentTotals& t = totals_[trade.instrument];
  t.option_trade_qty += trade.qty;
  if (std::isfinite(trade.price))
    t.option_trade_cash -= static_cast<double>(trade.qty) * trade.price;
  ++t.option_trades;
  return true;
}

void JournalState::on_day_open(const PnlDayOpen& open) noexcept {
  ++records_;
  for (PnlDayOpen& d : day_opens_) {
    if (d.underlying == open.underlying) {
      d = open;
      return;
    }
  }
  day_opens_.push_back(open);
}

bool JournalState::on_fill_repriced(const FillRepriced& repriced) noexcept {
  ++records_;
  if (repriced.instrument >= totals_.size()) {
    ++refused_;
    return false;
  }
  // The fill or trade itself added -qty x reported price; the cash is -qty x used price.
  InstrumentTotals& t = totals_[repriced.instrument];
  const double reported = std::isfinite(repriced.reported_px) ? repriced.reported_px : 0.0;
  const double correction = static_cast<double>(repriced.qty) * (reported - repriced.used_px);
  (repriced.drop_copy ? t.option_trade_cash : t.filled_cash) += correction;
  return true;
}

bool JournalState::on_start_book(std::span<const std::byte> bytes) {
  ++records_;
  if (start_book_) return true;
  std::optional<std::vector<StartPosition>> book = decode_start_book(bytes);
  if (!book) {
    ++refused_;
    return false;
  }
  start_book_ = std::move(book);
  return true;
}

void JournalState::on_state(const StateNotice& notice) noexcept {
  ++records_;
  const std::size_t prefix = std::strlen(kShutdownCausePrefix);
  if (std::strncmp(notice.cause.c_str(), kShutdownCausePrefix, prefix) == 0) return;
  for (ScopeState& s : scopes_) {
    if (s.scope == notice.underlying) {
      s.state = notice.to;
      s.manual_resume = notice.manual_resume;
      s.cause = notice.cause;
      return;
    }
  }
  scopes_.push_back(ScopeState{notice.underlying, notice.to, notice.manual_resume, notice.cause});
}

void JournalState::on_limits(const risk::RiskLimits& limits) noexcept {
  ++records_;
  limits_ = limits;
}

std::vector<execution::ChildOrder> JournalState::working_orders() const {
  std::vector<execution::ChildOrder> out;
  orders_.for_each_live([&](const execution::ChildOrder& o) { out.push_back(o); });
  std::sort(
      out.begin(), out.end(),
      [](const execution::ChildOrder& a, const execution::ChildOrder& b) { return a.id < b.id; });
  return out;
}

const ScopeState* JournalState::halted_scope() const noexcept {
  // The book first: its cause is the one an operator reads.
  for (const ScopeState& s : scopes_) {
    if (s.scope == kBookScope && s.state == TradingState::kHalted && s.manual_resume) return &s;
  }
  for (const ScopeState& s : scopes_) {
    if (s.state == TradingState::kHalted && s.manual_resume) return &s;
  }
  return nullptr;
}

// Snapshot encoding: "HSNP", a version, then fixed-size PODs and counted arrays of PODs, all
// little-endian object bytes (the journal's layout fingerprint covers the build).
namespace {

constexpr std::uint32_t kSnapshotMagic = 0x504E'5348u;  // "HSNP"
// 2: option trades' cash, the day's P&L baselines and the starting book.
constexpr std::uint32_t kSnapshotVersion = 2;
constexpr std::uint32_t kStartBookMagic = 0x4B4F'4248u;  // "HBOK"
constexpr std::size_t kMaxStartPositions = std::size_t{1} << 24;

class Writer {
 public:
  template <class T>
  void pod(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const std::byte*>(&value);
    bytes.insert(bytes.end(), p, p + sizeof(T));
  }
  template <class T>
  void array(const std::vector<T>& values) {
    pod(static_cast<std::uint64_t>(values.size()));
    for (const T& v : values) item(v);
  }
  template <class T>
  void item(const T& v) {
    pod(v);
  }
  // Field by field, so padding never reaches the bytes (equal states encode equally).
  void item(const execution::ChildOrder& o) {
    pod(o.id), pod(o.wire_id), pod(o.prev_wire_id), pod(o.instrument), pod(o.underlying);
    pod(static_cast<std::uint8_t>(o.side)), pod(o.qty), pod(o.cum_qty), pod(o.avg_px);
    pod(o.price_ticks), pod(static_cast<std::uint8_t>(o.status));
    pod(static_cast<std::uint8_t>(o.cancel_requested)), pod(o.replace_id), pod(o.replace_qty);
    pod(o.replace_price_ticks), pod(o.sent_ns), pod(o.request_ns);
  }
  void item(const ScopeState& s) {
    pod(s.scope), pod(static_cast<std::uint8_t>(s.state));
    pod(static_cast<std::uint8_t>(s.manual_resume)), pod(s.cause);
  }
  void item(const InstrumentTotals& t) {
    pod(t.filled_qty), pod(t.filled_cash), pod(t.fills), pod(t.option_trade_qty);
    pod(t.option_trades), pod(t.option_trade_cash);
  }
  void item(const StartPosition& p) { pod(p.instrument), pod(p.qty); }
  void item(const PnlDayOpen& d) {
    pod(d.underlying), pod(d.day), pod(d.open_value), pod(d.open_realised);
  }
  std::vector<std::byte> bytes;
};

class Reader {
 public:
  explicit Reader(std::span<const std::byte> data) : data_(data) {}
  template <class T>
  bool pod(T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (data_.size() - at_ < sizeof(T)) return false;
    std::memcpy(&value, data_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return true;
  }
  template <class T>
  bool array(std::vector<T>& values, std::size_t max_count) {
    std::uint64_t n = 0;
    if (!pod(n) || n > max_count) return false;
    values.resize(n);
    for (T& v : values) {
      if (!item(v)) return false;
    }
    return true;
  }
  template <class T>
  bool item(T& v) {
    return pod(v);
  }
  bool item(execution::ChildOrder& o) {
    std::uint8_t side = 0;
    std::uint8_t status = 0;
    std::uint8_t cancel = 0;
    const bool ok = pod(o.id) && pod(o.wire_id) && pod(o.prev_wire_id) && pod(o.instrument) &&
                    pod(o.underlying) && pod(side) && pod(o.qty) && pod(o.cum_qty) &&
                    pod(o.avg_px) && pod(o.price_ticks) && pod(status) && pod(cancel) &&
                    pod(o.replace_id) && pod(o.replace_qty) && pod(o.replace_price_ticks) &&
                    pod(o.sent_ns) && pod(o.request_ns);
    if (!ok || side > 1 || status > static_cast<std::uint8_t>(OrdStatus::kPendingReplace)) {
      return false;
    }
    o.side = static_cast<Side>(side);
    o.status = static_cast<OrdStatus>(status);
    o.cancel_requested = cancel != 0;
    return true;
  }
  bool item(ScopeState& s) {
    std::uint8_t state = 0;
    std::uint8_t manual = 0;
    if (!pod(s.scope) || !pod(state) || !pod(manual) || !pod(s.cause) ||
        state > static_cast<std::uint8_t>(TradingState::kHalted)) {
      return false;
    }
    s.state = static_cast<TradingState>(state);
    s.manual_resume = manual != 0;
    s.cause.data[sizeof s.cause.data - 1] = '\0';
    return true;
  }
  bool item(InstrumentTotals& t) {
    return pod(t.filled_qty) && pod(t.filled_cash) && pod(t.fills) && pod(t.option_trade_qty) &&
           pod(t.option_trades) && pod(t.option_trade_cash);
  }
  bool item(StartPosition& p) { return pod(p.instrument) && pod(p.qty); }
  bool item(PnlDayOpen& d) {
    return pod(d.underlying) && pod(d.day) && pod(d.open_value) && pod(d.open_realised);
  }
  [[nodiscard]] bool done() const noexcept { return at_ == data_.size(); }

 private:
  std::span<const std::byte> data_;
  std::size_t at_ = 0;
};

}  // namespace

std::vector<std::byte> JournalState::encode() const {
  Writer w;
  w.pod(kSnapshotMagic);
  w.pod(kSnapshotVersion);
  w.pod(static_cast<std::uint32_t>(sizeof(risk::RiskLimits)));
  w.array(totals_);
  w.array(working_orders());
  w.array(scopes_);
  w.pod(static_cast<std::uint8_t>(limits_.has_value() ? 1 : 0));
  if (limits_) w.pod(*limits_);
  w.pod(max_order_id_);
  // The ring's ExecIDs oldest first, empty slots left out.
  std::vector<std::uint64_t> ids;
  for (std::size_t i = 0; i < recent_exec_ids_.size(); ++i) {
    const std::uint64_t h = recent_exec_ids_[(next_exec_id_slot_ + i) % recent_exec_ids_.size()];
    if (h != 0) ids.push_back(h);
  }
  w.array(ids);
  w.array(day_opens_);
  w.pod(static_cast<std::uint8_t>(start_book_.has_value() ? 1 : 0));
  if (start_book_) w.array(*start_book_);
  w.pod(refused_);
  w.pod(records_);
  w.pod(last_sequence_);
  return std::move(w.bytes);
}

std::string JournalState::decode(std::span<const std::byte> bytes) {
  Reader r(bytes);
  std::uint32_t magic = 0;
  std::uint32_t version = 0;
  std::uint32_t limits_size = 0;
  if (!r.pod(magic) || magic != kSnapshotMagic) return "not a position snapshot (bad magic)";
  if (!r.pod(version) || version != kSnapshotVersion) {
    return "snapshot version " + std::to_string(version) + ", this build reads " +
           std::to_string(kSnapshotVersion);
  }
  if (!r.pod(limits_size) || limits_size != sizeof(risk::RiskLimits)) {
    return "snapshot written by a build with another limit-set layout";
  }
  std::vector<InstrumentTotals> totals;
  std::vector<execution::ChildOrder> working;
  std::vector<ScopeState> scopes;
  std::uint8_t has_limits = 0;
  risk::RiskLimits limits;
  std::vector<std::uint64_t> exec_ids;
  std::vector<PnlDayOpen> day_opens;
  std::uint8_t has_book = 0;
  std::vector<StartPosition> book;
  bool ok = r.array(totals, totals_.size()) && totals.size() == totals_.size() &&
            r.array(working, orders_.capacity()) && r.array(scopes, 1u << 16) &&
            r.pod(has_limits) && (has_limits == 0 || r.pod(limits)) && r.pod(max_order_id_) &&
            r.array(exec_ids, kRecentExecIds) && r.array(day_opens, 1u << 16) && r.pod(has_book) &&
            (has_book == 0 || r.array(book, kMaxStartPositions)) && r.pod(refused_) &&
            r.pod(records_) && r.pod(last_sequence_) && r.done();
  if (!ok) return "snapshot truncated or inconsistent with this configuration's instruments";
  totals_ = std::move(totals);
  orders_ = execution::OrderStore(orders_.capacity());
  for (const execution::ChildOrder& o : working) {
    if (orders_.restore(o) == nullptr) return "snapshot holds more working orders than fit";
  }
  scopes_ = std::move(scopes);
  limits_.reset();
  if (has_limits != 0) limits_ = limits;
  recent_exec_ids_.assign(kRecentExecIds, 0);
  std::copy(exec_ids.begin(), exec_ids.end(), recent_exec_ids_.begin());
  next_exec_id_slot_ = exec_ids.size() % kRecentExecIds;
  day_opens_ = std::move(day_opens);
  start_book_.reset();
  if (has_book != 0) start_book_ = std::move(book);
  return {};
}

std::vector<std::byte> encode_start_book(const std::vector<StartPosition>& book) {
  Writer w;
  w.pod(kStartBookMagic);
  w.array(book);
  return std::move(w.bytes);
}

std::optional<std::vector<StartPosition>> decode_start_book(std::span<const std::byte> bytes) {
  Reader r(bytes);
  std::uint32_t magic = 0;
  std::vector<StartPosition> book;
  if (!r.pod(magic) || magic != kStartBookMagic || !r.array(book, kMaxStartPositions) ||
      !r.done()) {
    return std::nullopt;
  }
  return book;
}

}  // namespace hedged::recovery
