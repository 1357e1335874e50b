#include "adapters/venue/venue_simulator.hpp"

#include "adapters/venue/acceptor.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <quickfix/Application.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/ThreadedSocketAcceptor.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/MarketDataIncrementalRefresh.h>
#include <quickfix/fix44/MarketDataRequest.h>
#include <quickfix/fix44/MarketDataRequestReject.h>
#include <quickfix/fix44/MarketDataSnapshotFullRefresh.h>
#include <quickfix/fix44/MessageCracker.h>
#include <quickfix/fix44/NewOrderSingle.h>
#include <quickfix/fix44/OrderCancelReject.h>
#include <quickfix/fix44/OrderCancelReplaceRequest.h>
#include <quickfix/fix44/OrderCancelRequest.h>
#include <quickfix/fix44/OrderStatusRequest.h>

namespace hedged::venue {
namespace {

using SteadyClock = std::chrono::steady_clock;

TimeNs steady_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
      .count();
}

SteadyClock::time_point steady_at(TimeNs ns) noexcept {
  return SteadyClock::time_point(
      std::chrono::duration_cast<SteadyClock::duration>(std::chrono::nanoseconds(ns)));
}

// Book owners: 0 is the book's liquidity provider; 1 is the venue's top-up of the provider's
// larger touch side (the book's LiquidityShape has one size for both sides, the reference touch
// has two); client sessions are 2, 3, ... in the order of VenueConfig::client_comp_ids.
constexpr sim::OwnerId kTopUpOwner = 1;
constexpr sim::OwnerId kFirstClientOwner = 2;
// Top-up order ids, far from client order ids (which are also the OrderIDs "V<n>").
constexpr OrderId kFirstTopUpId = OrderId{1} << 62;
// Finished orders remembered per session, for OrderStatusRequests about them.
constexpr std::size_t kDoneMemory = 100'000;
// The book's rounding slack: 100.02 / 0.01 = 10001.999... is still 10002 ticks.
constexpr double kTickSlack = 1e-9;

// Shortest text that reads back as `value` ("0.01", "100.005").
std::string number_text(double value) {
  char buffer[32];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  return std::string(buffer, end);
}

// A whole number of ticks (within a millionth of a tick): sets `ticks`.
bool on_tick_grid(double price, double tick_size, std::int64_t& ticks) noexcept {
  const double raw = price / tick_size;
  if (!(raw < 9e15)) return false;
  ticks = std::llround(raw);
  return std::abs(raw - static_cast<double>(ticks)) <= 1e-6;
}

// The touch as the venue publishes it: the book's best levels (0 price: that side is empty).
struct Touch {
  double bid = 0.0;
  double ask = 0.0;
  std::int64_t bid_size = 0;
  std::int64_t ask_size = 0;
};

// One symbol's book and what the venue keeps beside it. Owned by Impl; the matching state is
// guarded by Impl::mutex_.
struct SymbolBook {
  SymbolBook(std::string name, VenueInstrument spec, const sim::OrderBookConfig& config)
      : symbol(std::move(name)), instrument(spec), book(config) {}
  std::string symbol;
  VenueInstrument instrument;
  sim::OrderBook book;
  std::uint64_t quote_seq = 0;  // the reference quote the provider last quoted around
  OrderId top_up_id = 0;        // live top-up order, 0 for none
  bool has_trade = false;
  double last_trade_px = 0.0;
  std::int64_t last_trade_qty = 0;
};

enum class RequestKind : std::uint8_t { kNew, kCancel, kReplace, kStatus };

// A client request as read from its FIX message, handled at receipt + ack_latency.
struct Request {
  RequestKind kind = RequestKind::kNew;
  std::size_t session = 0;
  TimeNs due_ns = 0;
  std::string cl_ord_id;
  std::string orig_cl_ord_id;
  std::string symbol;
  char side = 0;
  char ord_type = 0;
  char tif = FIX::TimeInForce_DAY;
  bool has_tif = false;
  bool tif_valid = true;  // a one-character TimeInForce (or none)
  double qty = 0.0;
  double price = 0.0;
};

// A client order the venue has acknowledged and not finished: in its book, or on its way there
// (fill_latency).
struct ClientOrder {
  std::string cl_ord_id;
  std::string order_id;  // "V<id>"
  std::string symbol;
  SymbolBook* book = nullptr;
  OrderId id = 0;  // also its id in the book
  std::size_t session = 0;
  char side = FIX::Side_BUY;
  char ord_type = FIX::OrdType_LIMIT;
  char tif = FIX::TimeInForce_DAY;
  double price = 0.0;
  std::int64_t price_ticks = 0;
  std::int64_t qty = 0;
  std::int64_t cum_qty = 0;
  double avg_px = 0.0;
  bool in_book = false;
};

struct DoneOrder {
  ClientOrder order;
  char status = FIX::OrdStatus_FILLED;
};

// One symbol of one MarketDataRequest of one session, and what that session was last sent.
struct MdSubscription {
  bool bid = true;  // entry types asked for
  bool offer = true;
  bool trade = true;
  bool streaming = true;  // false: snapshot only, dropped once the snapshot is out
  bool snapshot_sent = false;
  Touch sent;  // the touch as last published to this subscriber
};

// (MDReqID, symbol) -> subscription, per session.
using SessionSubscriptions = std::map<std::pair<std::string, std::string>, MdSubscription>;

// One configured client session (an acceptor session per client CompID).
struct SessionState {
  FIX::SessionID id;
  sim::OwnerId owner = kFirstClientOwner;
  std::unordered_map<std::string, OrderId> live;  // ClOrdID -> live order
  std::unordered_map<std::string, DoneOrder> done;
  std::deque<std::string> done_order;  // done's keys, oldest first
  // Earlier ClOrdID of a replaced order -> the one that replaced it (the latest kDoneMemory), so
  // a status request under any ClOrdID the order has had finds it.
  std::unordered_map<std::string, std::string> replaced_by;
  std::deque<std::string> replaced_order;    // replaced_by's keys, oldest first
  std::unordered_set<std::string> seen_ids;  // ClOrdIDs of its requests (kClOrdIdMemory latest)
  std::deque<std::string> seen_order;        // seen_ids' keys, oldest first
  VenueSessionStats counts;
  SessionSubscriptions md;
};

struct Outbound {
  FIX::Message message;
  std::size_t session = 0;
};

constexpr Side book_side(char fix_side) noexcept {
  return fix_side == FIX::Side_BUY ? Side::kBuy : Side::kSell;
}

}  // namespace

class VenueSimulator::Impl final : public FIX::Application, private FIX44::MessageCracker {
 public:
  Impl(VenueConfig config, QuoteSource quotes)
      : config_(std::move(config)), quotes_(std::move(quotes)), rng_(config_.seed) {
    for (std::size_t i = 0; i < config_.client_comp_ids.size(); ++i) {
      SessionState& s = sessions_.emplace_back();
      s.id = FIX::SessionID(FIX::BeginString_FIX44, config_.comp_id, config_.client_comp_ids[i]);
      s.owner = kFirstClientOwner + i;
      s.counts.comp_id = config_.client_comp_ids[i];
    }
    events_.fills.reserve(64);
    events_.cancellations.reserve(64);
  }

  ~Impl() override { stop(); }

  void start() {
    AcceptorSettings settings;
    settings.comp_id = config_.comp_id;
    settings.client_comp_ids = config_.client_comp_ids;
    settings.host = config_.host;
    settings.port = config_.port;
    settings.data_dictionary = config_.data_dictionary;
    settings.persist_sequences = config_.persist_sequences;
    acceptor_.start(*this, settings, "venue simulator");
    {
      std::lock_guard lock(mutex_);
      running_ = true;
      outage_.store(false, std::memory_order_release);
      outage_disabled_.clear();
    }
    matcher_ = std::thread([this] { match_loop(); });
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (!running_) return;
      running_ = false;
      for (SessionState& s : sessions_) s.md.clear();
    }
    wake_.notify_all();
    if (matcher_.joinable()) matcher_.join();
    acceptor_.stop();
    std::lock_guard lock(mutex_);
    inbound_.clear();
    entering_.clear();
    outbox_.clear();
  }

  VenueStats stats() const {
    std::lock_guard lock(mutex_);
    VenueStats s = stats_;
    s.resting = orders_.size();
    for (const SessionState& session : sessions_) {
      for (const auto& [key, sub] : session.md) s.md_subscriptions += sub.streaming ? 1 : 0;
      s.sessions.push_back(session.counts);
    }
    return s;
  }

  bool any_logged_on() const noexcept {
    return sessions_logged_on_.load(std::memory_order_acquire) > 0;
  }

  void set_outage(bool down) {
    std::vector<FIX::SessionID> enable;
    {
      std::lock_guard lock(mutex_);
      if (!running_ || outage_.load(std::memory_order_relaxed) == down) return;
      // Under mutex_ so that a Logon is either refused by fromAdmin or was in before the drop.
      outage_.store(down, std::memory_order_release);
      if (down) {
        ++stats_.outages;
      } else {
        enable.swap(outage_disabled_);
      }
    }
    // Not under mutex_: a session calls onLogout, which takes it.
    if (!down) {
      for (const FIX::SessionID& id : enable) {
        if (FIX::Session* session = FIX::Session::lookupSession(id)) session->logon();
      }
      return;
    }
    // QuickFIX's own switch, safe from any thread: logout() makes the session send Logout
    // (58="venue outage") from its own thread, then disconnect, and leaves it disabled; the
    // matching thread enables it again once it is down, so that later Logons reach fromAdmin
    // and are refused there (and counted).
    std::vector<FIX::SessionID> dropped;
    for (const SessionState& s : sessions_) {
      FIX::Session* session = FIX::Session::lookupSession(s.id);
      if (session == nullptr || !session->isLoggedOn()) continue;
      session->logout("venue outage");
      dropped.push_back(s.id);
    }
    std::lock_guard lock(mutex_);
    stats_.outage_sessions_dropped += dropped.size();
    outage_disabled_.insert(outage_disabled_.end(), dropped.begin(), dropped.end());
  }

  // Matching thread, without mutex_: sessions the outage logged out take Logons again (which
  // fromAdmin refuses while the outage lasts) once they are down.
  void enable_dropped_sessions() {
    std::vector<FIX::SessionID> pending;
    {
      std::lock_guard lock(mutex_);
      if (outage_disabled_.empty()) return;
      pending = outage_disabled_;
    }
    std::vector<FIX::SessionID> enabled;
    for (const FIX::SessionID& id : pending) {
      FIX::Session* session = FIX::Session::lookupSession(id);
      if (session == nullptr || session->isLoggedOn()) continue;
      session->logon();
      enabled.push_back(id);
    }
    std::lock_guard lock(mutex_);
    for (const FIX::SessionID& id : enabled) {
      outage_disabled_.erase(std::remove(outage_disabled_.begin(), outage_disabled_.end(), id),
                             outage_disabled_.end());
    }
  }

  bool in_outage() const noexcept { return outage_.load(std::memory_order_acquire); }

 private:
  // --- FIX::Application (QuickFIX session threads) ------------------------------------------
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& session) override {
    sessions_logged_on_.fetch_add(1, std::memory_order_acq_rel);
    std::lock_guard lock(mutex_);
    if (const std::size_t index = session_index(session); index != kNoSession)
      ++sessions_[index].counts.logons;
  }
  void onLogout(const FIX::SessionID& session) override {
    sessions_logged_on_.fetch_sub(1, std::memory_order_acq_rel);
    std::lock_guard lock(mutex_);
    const std::size_t index = session_index(session);
    if (index == kNoSession) return;
    SessionState& s = sessions_[index];
    // Cancel on disconnect: a client that is gone must not be filled. Its live orders leave
    // their books and are remembered as canceled; requests still waiting for their ack latency
    // are lost with the connection (never acknowledged, so never known to the client). With
    // persisted sequence numbers the cancels are reported too: the session stores the reports
    // and resends them when the client, resuming its sequence, asks.
    if (config_.cancel_on_disconnect) {
      for (const auto& [cl_ord_id, id] : s.live) {
        const auto it = orders_.find(id);
        if (it == orders_.end()) continue;
        ClientOrder& order = it->second;
        if (order.in_book) {
          events_.clear();
          (void)order.book->book.cancel(order.id, events_);
        }
        ++stats_.disconnect_cancels;
        if (config_.persist_sequences) {
          auto report = execution_report(order, FIX::ExecType_CANCELED, FIX::OrdStatus_CANCELED);
          report.setField(FIX::Text("canceled on disconnect"));
          push(std::move(report), index);
        }
        remember_done(s, order, FIX::OrdStatus_CANCELED);
        orders_.erase(it);
      }
      s.live.clear();
    }
    events_.clear();
    inbound_.erase(std::remove_if(inbound_.begin(), inbound_.end(),
                                  [index](const Request& r) { return r.session == index; }),
                   inbound_.end());
    // A session that logs out loses its market data subscriptions.
    s.md.clear();
  }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message& message, const FIX::SessionID& session) override {
    if (message.getHeader().getField(FIX::FIELD::MsgType) != FIX::MsgType_Logon) return;
    if (outage_.load(std::memory_order_acquire)) {
      {
        std::lock_guard lock(mutex_);
        ++stats_.outage_logons_refused;
      }
      throw FIX::RejectLogon("venue outage");
    }
    const auto it = config_.logon_passwords.find(session.getTargetCompID().getValue());
    if (it == config_.logon_passwords.end()) return;
    if (!message.isSetField(FIX::FIELD::Password) ||
        message.getField(FIX::FIELD::Password) != it->second) {
      {
        std::lock_guard lock(mutex_);
        ++stats_.logons_rejected;
      }
      throw FIX::RejectLogon("wrong or missing password");
    }
  }
  void fromApp(const FIX::Message& message, const FIX::SessionID& session) override {
    try {
      crack(message, session);
    } catch (const FIX::Exception&) {
      throw;  // QuickFIX turns these into session or business rejects
    } catch (const std::exception&) {
      std::lock_guard lock(mutex_);
      ++stats_.malformed;  // a field the dictionary let through but we could not read
    }
  }

  // --- Order requests: read on the session thread, handled at receipt + ack_latency ----------
  static void read_tif(const FIX::FieldMap& message, Request& r) {
    if (!message.isSetField(FIX::FIELD::TimeInForce)) return;
    const std::string& text = message.getField(FIX::FIELD::TimeInForce);
    r.has_tif = true;
    r.tif_valid = text.size() == 1;
    r.tif = r.tif_valid ? text[0] : '?';
  }

  static double number_field(const FIX::FieldMap& message, int field) {
    return message.isSetField(field) ? std::stod(message.getField(field)) : 0.0;
  }

  void onMessage(const FIX44::NewOrderSingle& message, const FIX::SessionID& session) override {
    Request r;
    r.kind = RequestKind::kNew;
    r.cl_ord_id = message.getField(FIX::FIELD::ClOrdID);
    r.symbol = message.getField(FIX::FIELD::Symbol);
    r.side = message.getField(FIX::FIELD::Side)[0];
    r.ord_type = message.getField(FIX::FIELD::OrdType)[0];
    r.qty = number_field(message, FIX::FIELD::OrderQty);
    r.price = number_field(message, FIX::FIELD::Price);
    read_tif(message, r);
    submit_request(session, std::move(r));
  }

  void onMessage(const FIX44::OrderCancelRequest& message, const FIX::SessionID& session) override {
    Request r;
    r.kind = RequestKind::kCancel;
    r.cl_ord_id = message.getField(FIX::FIELD::ClOrdID);
    r.orig_cl_ord_id = message.getField(FIX::FIELD::OrigClOrdID);
    submit_request(session, std::move(r));
  }

  void onMessage(const FIX44::OrderCancelReplaceRequest& message,
                 const FIX::SessionID& session) override {
    Request r;
    r.kind = RequestKind::kReplace;
    r.cl_ord_id = message.getField(FIX::FIELD::ClOrdID);
    r.orig_cl_ord_id = message.getField(FIX::FIELD::OrigClOrdID);
    r.qty = number_field(message, FIX::FIELD::OrderQty);
    r.price = number_field(message, FIX::FIELD::Price);
    read_tif(message, r);
    submit_request(session, std::move(r));
  }

  void onMessage(const FIX44::OrderStatusRequest& message, const FIX::SessionID& session) override {
    Request r;
    r.kind = RequestKind::kStatus;
    r.cl_ord_id = message.getField(FIX::FIELD::ClOrdID);
    r.symbol = message.getField(FIX::FIELD::Symbol);
    r.side = message.getField(FIX::FIELD::Side)[0];
    submit_request(session, std::move(r));
  }

  // Handles the request now, or queues it for the matching thread when answers are delayed.
  void submit_request(const FIX::SessionID& session, Request&& r) {
    bool queued = false;
    {
      std::lock_guard lock(mutex_);
      r.session = session_index(session);
      if (r.session == kNoSession) return;
      const TimeNs now = steady_ns();
      if (config_.ack_latency_ns > 0) {
        r.due_ns = now + config_.ack_latency_ns;
        queued = inbound_.empty();  // FIFO with one latency: only a first item moves the wake-up
        inbound_.push_back(std::move(r));
      } else {
        queued = handle(r, now);
      }
    }
    if (queued) wake_.notify_one();
    flush();
  }

  // Caller holds mutex_. Returns true when it queued work for the matching thread.
  bool handle(const Request& r, TimeNs now) {
    if (r.kind != RequestKind::kStatus) note_cl_ord_id(sessions_[r.session], r.cl_ord_id);
    switch (r.kind) {
      case RequestKind::kNew: return handle_new(r, now);
      case RequestKind::kCancel: handle_cancel(r); return false;
      case RequestKind::kReplace: handle_replace(r, now); return false;
      case RequestKind::kStatus: handle_status(r); return false;
    }
    return false;
  }

  // Counts a ClOrdID the session has used before (a new order, replace or cancel), and
  // remembers it. Caller holds mutex_.
  void note_cl_ord_id(SessionState& s, const std::string& cl_ord_id) {
    if (!s.seen_ids.insert(cl_ord_id).second) {
      ++s.counts.duplicate_cl_ord_ids;
      ++stats_.duplicate_cl_ord_ids;
      return;
    }
    s.seen_order.push_back(cl_ord_id);
    if (s.seen_order.size() > kClOrdIdMemory) {
      s.seen_ids.erase(s.seen_order.front());
      s.seen_order.pop_front();
    }
  }

  bool handle_new(const Request& r, TimeNs now) {
    ++stats_.orders;
    SessionState& s = sessions_[r.session];
    ++s.counts.orders;
    ClientOrder order;
    order.cl_ord_id = r.cl_ord_id;
    order.symbol = r.symbol;
    order.session = r.session;
    order.side = r.side;
    order.ord_type = r.ord_type;
    order.tif = r.tif_valid ? r.tif : FIX::TimeInForce_DAY;
    order.id = ++next_order_id_;
    order.order_id = "V" + std::to_string(order.id);
    const bool whole_qty = r.qty > 0.0 && r.qty < 1e15 && r.qty == std::floor(r.qty);
    order.qty = whole_qty ? static_cast<std::int64_t>(r.qty) : 0;
    order.price = r.price;
    order.book = book_for(r.symbol, now);

    std::string reject;
    int reason = FIX::OrdRejReason_OTHER;
    const bool limit = order.ord_type == FIX::OrdType_LIMIT;
    if (order.book == nullptr) {
      reject = "unknown symbol";
      reason = FIX::OrdRejReason_UNKNOWN_SYMBOL;
    } else if (!whole_qty) {
      reject = "quantity must be a positive whole number";
      reason = FIX::OrdRejReason_INCORRECT_QUANTITY;
    } else if (order.side != FIX::Side_BUY && order.side != FIX::Side_SELL) {
      reject = "side must be buy or sell";
    } else if (!limit && order.ord_type != FIX::OrdType_MARKET) {
      reject = "only limit and market orders are accepted";
    } else if (limit && !(order.price > 0.0)) {
      reject = "limit price must be positive";
    } else if (limit &&
               !on_tick_grid(order.price, order.book->instrument.tick_size, order.price_ticks)) {
      reject = "limit price " + number_text(order.price) + " is not a multiple of the tick size " +
               number_text(order.book->instrument.tick_size);
    } else if (!r.tif_valid ||
               (r.tif != FIX::TimeInForce_DAY && r.tif != FIX::TimeInForce_IMMEDIATE_OR_CANCEL &&
                r.tif != FIX::TimeInForce_FILL_OR_KILL)) {
      reject = "TimeInForce must be 0 (day), 3 (immediate or cancel) or 4 (fill or kill)";
    } else if (s.live.count(order.cl_ord_id) != 0) {
      reject = "duplicate ClOrdID";
      reason = FIX::OrdRejReason_DUPLICATE_ORDER;
    } else if (config_.reject_probability > 0.0 && std::uniform_real_distribution<double>(0.0, 1.0)(
                                                       rng_) < config_.reject_probability) {
      reject = "rejected by venue simulator (injected)";
    }
    if (reject.empty() && config_.drop_probability > 0.0 &&
        std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < config_.drop_probability) {
      ++stats_.orders_dropped;  // lost on the way: no answer at all
      return false;
    }
    if (!reject.empty()) {
      ++stats_.rejects;
      auto report = execution_report(order, FIX::ExecType_REJECTED, FIX::OrdStatus_REJECTED);
      report.setField(FIX::OrdRejReason(reason));
      report.setField(FIX::Text(reject));
      push(std::move(report), r.session);
      if (reason != FIX::OrdRejReason_DUPLICATE_ORDER)
        remember_done(s, order, FIX::OrdStatus_REJECTED);
      return false;
    }
    push(execution_report(order, FIX::ExecType_NEW, FIX::OrdStatus_NEW), r.session);
    const OrderId id = order.id;
    ClientOrder& stored = orders_.emplace(id, std::move(order)).first->second;
    s.live.emplace(stored.cl_ord_id, id);
    if (config_.fill_latency_ns > 0) {
      const bool first = entering_.empty();
      entering_.emplace_back(now + config_.fill_latency_ns, id);
      return first;
    }
    enter_book(stored, now);
    return false;
  }

  // The order reaches its book: it trades, rests or is canceled as its type says.
  void enter_book(ClientOrder& order, TimeNs now) {
    SymbolBook& b = *order.book;
    order.in_book = true;
    requote(b, now);  // fresh liquidity first if the reference quote moved
    sim::NewOrder n;
    n.id = order.id;
    n.owner = sessions_[order.session].owner;
    n.side = book_side(order.side);
    n.type =
        order.ord_type == FIX::OrdType_MARKET ? sim::OrderType::kMarket : sim::OrderType::kLimit;
    n.tif = order.tif == FIX::TimeInForce_IMMEDIATE_OR_CANCEL ? sim::TimeInForce::kIoc
            : order.tif == FIX::TimeInForce_FILL_OR_KILL      ? sim::TimeInForce::kFok
                                                              : sim::TimeInForce::kDay;
    n.price_ticks = order.price_ticks;
    n.qty = order.qty;
    events_.clear();
    const sim::SubmitResult result = b.book.submit(now, n, events_);
    if (result.status != sim::SubmitStatus::kAccepted) {
      // Validated above; a refusal here is a venue bug. Cancel it rather than leave it hanging.
      auto report = execution_report(order, FIX::ExecType_CANCELED, FIX::OrdStatus_CANCELED);
      report.setField(FIX::Text(std::string("book refused the order: ") +
                                std::string(sim::to_string(result.status))));
      push(std::move(report), order.session);
      finish(orders_.find(order.id), FIX::OrdStatus_CANCELED);
      return;
    }
    apply_events(b, events_);  // may finish `order`
  }

  void handle_cancel(const Request& r) {
    SessionState& s = sessions_[r.session];
    const auto live = s.live.find(r.orig_cl_ord_id);
    if (live == s.live.end()) {
      FIX44::OrderCancelReject reject(
          FIX::OrderID("NONE"), FIX::ClOrdID(r.cl_ord_id), FIX::OrigClOrdID(r.orig_cl_ord_id),
          FIX::OrdStatus(FIX::OrdStatus_REJECTED),
          FIX::CxlRejResponseTo(FIX::CxlRejResponseTo_ORDER_CANCEL_REQUEST));
      reject.set(FIX::CxlRejReason(FIX::CxlRejReason_UNKNOWN_ORDER));
      reject.set(FIX::Text("order not found or already done"));
      push(std::move(reject), r.session);
      return;
    }
    const auto it = orders_.find(live->second);
    ClientOrder& order = it->second;
    if (order.in_book) {
      events_.clear();
      (void)order.book->book.cancel(order.id, events_);
      events_.clear();
    }
    ++stats_.cancels;
    auto report = execution_report(order, FIX::ExecType_CANCELED, FIX::OrdStatus_CANCELED);
    report.setField(FIX::ClOrdID(r.cl_ord_id));
    report.setField(FIX::OrigClOrdID(r.orig_cl_ord_id));
    push(std::move(report), r.session);
    finish(it, FIX::OrdStatus_CANCELED);
  }

  // Cancel/replace (35=G): a new price and/or total for a live order, which is known by the new
  // ClOrdID from then on. The book decides the queue place: a smaller quantity at the same price
  // keeps it, anything else goes to the back; a marketable new price trades at once. Refused
  // when the order is unknown or done, or the new total is not above what has filled.
  void handle_replace(const Request& r, TimeNs now) {
    SessionState& s = sessions_[r.session];
    auto live = s.live.find(r.orig_cl_ord_id);
    if (live != s.live.end()) {
      // The current market first: a new quote may fill the order before the replace applies.
      ClientOrder& before = orders_.at(live->second);
      if (before.in_book && requote(*before.book, now)) live = s.live.find(r.orig_cl_ord_id);
    }
    ClientOrder* order = live == s.live.end() ? nullptr : &orders_.at(live->second);
    const bool whole_qty = r.qty > 0.0 && r.qty < 1e15 && r.qty == std::floor(r.qty);
    const auto new_qty = whole_qty ? static_cast<std::int64_t>(r.qty) : 0;
    const bool limit = order != nullptr && order->ord_type == FIX::OrdType_LIMIT;
    std::int64_t new_ticks = order != nullptr ? order->price_ticks : 0;
    std::string refusal;
    int reason = FIX::CxlRejReason_OTHER;
    if (order == nullptr) {
      refusal = "order not found or already done";
      reason = FIX::CxlRejReason_UNKNOWN_ORDER;
    } else if (s.live.count(r.cl_ord_id) != 0) {
      refusal = "duplicate ClOrdID";
      reason = FIX::CxlRejReason_DUPLICATE_CLORDID_RECEIVED;
    } else if (!whole_qty || new_qty <= order->cum_qty) {
      refusal = "new quantity must be a whole number above the filled quantity";
    } else if (limit && !(r.price > 0.0)) {
      refusal = "limit price must be positive";
    } else if (limit && !on_tick_grid(r.price, order->book->instrument.tick_size, new_ticks)) {
      refusal = "limit price " + number_text(r.price) + " is not a multiple of the tick size " +
                number_text(order->book->instrument.tick_size);
    } else if (r.has_tif && r.tif != order->tif) {
      refusal = "TimeInForce cannot change on replace";
    }
    sim::ReplaceResult result;
    if (refusal.empty() && order->in_book) {
      events_.clear();
      result = order->book->book.replace(now, order->id, new_ticks, new_qty, events_);
      if (result.status != sim::ReplaceStatus::kReplaced)
        refusal = std::string(sim::to_string(result.status));
    }
    if (!refusal.empty()) {
      ++stats_.replace_rejects;
      FIX44::OrderCancelReject reject(
          FIX::OrderID(order == nullptr ? "NONE" : order->order_id), FIX::ClOrdID(r.cl_ord_id),
          FIX::OrigClOrdID(r.orig_cl_ord_id),
          FIX::OrdStatus(order == nullptr ? FIX::OrdStatus_REJECTED : status_of(*order)),
          FIX::CxlRejResponseTo(FIX::CxlRejResponseTo_ORDER_CANCEL_REPLACE_REQUEST));
      reject.set(FIX::CxlRejReason(reason));
      reject.set(FIX::Text(refusal));
      push(std::move(reject), r.session);
      return;
    }
    ++stats_.replaces;
    if (s.replaced_by.insert_or_assign(order->cl_ord_id, r.cl_ord_id).second)
      s.replaced_order.push_back(order->cl_ord_id);
    while (s.replaced_order.size() > kDoneMemory) {
      s.replaced_by.erase(s.replaced_order.front());
      s.replaced_order.pop_front();
    }
    s.live.erase(order->cl_ord_id);
    order->cl_ord_id = r.cl_ord_id;
    s.live.emplace(order->cl_ord_id, order->id);
    order->qty = new_qty;
    if (limit) {
      order->price = r.price;
      order->price_ticks = new_ticks;
    }
    // The Replaced report shows the order as it stood when replaced; fills of a marketable new
    // price follow it.
    auto report = execution_report(*order, FIX::ExecType_REPLACED, status_of(*order));
    report.setField(FIX::OrigClOrdID(r.orig_cl_ord_id));
    push(std::move(report), r.session);
    if (order->in_book) apply_events(*order->book, events_);
  }

  // Order status (35=H): an ExecutionReport with ExecType I describing the order as the venue
  // knows it, or OrdStatus rejected for an order it never received. A replaced order is found
  // under any ClOrdID it has had (a client that lost track of a replace asks by the one it knew);
  // the answer carries the ClOrdID asked about, with the whole order's CumQty and status.
  void handle_status(const Request& r) {
    ++stats_.status_requests;
    const SessionState& s = sessions_[r.session];
    std::string current = r.cl_ord_id;
    for (std::size_t hops = 0; hops < kDoneMemory; ++hops) {
      const auto next = s.replaced_by.find(current);
      if (next == s.replaced_by.end()) break;
      current = next->second;
    }
    ClientOrder order;
    char status = FIX::OrdStatus_REJECTED;
    bool known = true;
    if (const auto live = s.live.find(current); live != s.live.end()) {
      order = orders_.at(live->second);
      status = status_of(order);
      order.cl_ord_id = r.cl_ord_id;
    } else if (const auto done = s.done.find(current); done != s.done.end()) {
      order = done->second.order;
      status = done->second.status;
      order.cl_ord_id = r.cl_ord_id;
    } else {
      known = false;
      order.cl_ord_id = r.cl_ord_id;
      order.order_id = "NONE";
      order.symbol = r.symbol;
      order.side = r.side;
    }
    auto report = execution_report(order, FIX::ExecType_ORDER_STATUS, status);
    if (!known) report.setField(FIX::Text("unknown order"));
    push(std::move(report), r.session);
  }

  static char status_of(const ClientOrder& order) noexcept {
    return order.cum_qty >= order.qty ? FIX::OrdStatus_FILLED
           : order.cum_qty > 0        ? FIX::OrdStatus_PARTIALLY_FILLED
                                      : FIX::OrdStatus_NEW;
  }

  // --- Books ----------------------------------------------------------------------------------
  // The symbol's book, created (and quoted) the first time the QuoteSource knows the symbol.
  SymbolBook* book_for(const std::string& symbol, TimeNs now) {
    if (const auto it = books_.find(symbol); it != books_.end()) return it->second.get();
    VenueQuote quote;
    if (!quotes_(symbol, quote)) return nullptr;
    const auto spec = config_.instruments.find(symbol);
    const VenueInstrument instrument =
        spec != config_.instruments.end() ? spec->second : config_.default_instrument;
    sim::OrderBookConfig book_config;
    book_config.tick_size = instrument.tick_size;
    book_config.stp = config_.self_trade;
    book_config.impact = config_.impact;
    auto book = std::make_unique<SymbolBook>(symbol, instrument, book_config);
    SymbolBook* b = book.get();
    books_.emplace(symbol, std::move(book));
    requote(*b, now);
    return b;
  }

  // The provider re-quotes around the reference touch when its quote changed: fair = mid, half
  // spread = half the touch's spread (x spread_multiple), the touch's smaller displayed size at
  // the best level of both sides and then size_growth^k deeper; the larger side's extra size is
  // added at its best price by the venue's top-up order. Client orders the new quotes cross
  // trade with them. Returns whether it re-quoted. Caller holds mutex_.
  bool requote(SymbolBook& b, TimeNs now) {
    VenueQuote quote;
    if (!quotes_(b.symbol, quote) || quote.seq == b.quote_seq) return false;
    b.quote_seq = quote.seq;
    ++stats_.requotes;
    events_.clear();
    if (b.top_up_id != 0) {
      (void)b.book.cancel(b.top_up_id, events_);
      b.top_up_id = 0;
    }
    const VenueBookConfig& cfg = config_.book;
    sim::LiquidityShape shape;
    shape.levels = cfg.levels;
    shape.level_spacing_ticks = cfg.level_spacing_ticks;
    shape.size_growth = cfg.size_growth;
    shape.depth_multiplier = cfg.size_multiple;
    shape.lot_size = std::max<std::int64_t>(1, b.instrument.lot_size);
    const bool has_bid = quote.bid > 0.0;
    const bool has_ask = quote.ask > 0.0 && (!has_bid || quote.ask >= quote.bid);
    const std::int64_t bid_size = has_bid ? std::max<std::int64_t>(quote.bid_size, 0) : 0;
    const std::int64_t ask_size = std::max<std::int64_t>(quote.ask_size, 0);
    double fair = 0.0;  // no offer: the provider withdraws (set_fair with 0 only clears)
    if (has_ask) {
      fair = has_bid ? 0.5 * (quote.bid + quote.ask) : 0.5 * quote.ask;
      // Without a bid the half spread reaches down to zero, so no bid level is quoted.
      shape.half_spread =
          has_bid ? 0.5 * (quote.ask - quote.bid) * cfg.spread_multiple : 0.5 * quote.ask;
      shape.level_size = has_bid ? std::min(bid_size, ask_size) : ask_size;
    }
    b.book.set_fair(now, fair, shape, events_);
    apply_events(b, events_);
    if (has_ask && has_bid && bid_size != ask_size) {
      add_top_up(b, now, shape, bid_size > ask_size ? Side::kBuy : Side::kSell,
                 std::max(bid_size, ask_size));
    }
    return true;
  }

  // The venue's own order behind the provider's best level on `side`, so that level shows
  // `size` (in lots, scaled as the provider's) although the provider quoted the smaller side's.
  void add_top_up(SymbolBook& b, TimeNs now, const sim::LiquidityShape& shape, Side side,
                  std::int64_t size) {
    const auto lots = [&](std::int64_t qty) {
      const double scaled = static_cast<double>(qty) * shape.depth_multiplier;
      return std::max<std::int64_t>(1, std::llround(scaled / static_cast<double>(shape.lot_size))) *
             shape.lot_size;
    };
    const std::int64_t extra = lots(size) - lots(shape.level_size);
    if (extra <= 0) return;
    // The provider's best prices, rounded as set_fair rounds them.
    const double tick = b.book.tick_size();
    const double fair = b.book.last_fair() + b.book.impact(now).total();
    if (!(fair > 0.0)) return;
    const double half_spread = std::max(0.0, shape.half_spread);
    const auto best_bid =
        static_cast<std::int64_t>(std::floor((fair - half_spread) / tick + kTickSlack));
    auto best_ask = static_cast<std::int64_t>(std::ceil((fair + half_spread) / tick - kTickSlack));
    if (best_ask <= best_bid) best_ask = best_bid + 1;
    const std::int64_t price = side == Side::kBuy ? best_bid : best_ask;
    if (price <= 0) return;
    // Only ever resting: a client order the provider could not absorb may sit across it.
    if (side == Side::kBuy) {
      if (const auto ask = b.book.best_ask(); ask && ask->price_ticks <= price) return;
    } else {
      if (const auto bid = b.book.best_bid(); bid && bid->price_ticks >= price) return;
    }
    sim::NewOrder order;
    order.id = next_top_up_id_++;
    order.owner = kTopUpOwner;
    order.side = side;
    order.price_ticks = price;
    order.qty = extra;
    events_.clear();
    if (b.book.submit(now, order, events_).status == sim::SubmitStatus::kAccepted)
      b.top_up_id = order.id;
    events_.clear();
  }

  // Turns one book call's fills and cancellations into execution reports, trades and stats,
  // in the book's event order. Caller holds mutex_.
  void apply_events(SymbolBook& b, const sim::BookEvents& events) {
    std::size_t f = 0;
    std::size_t c = 0;
    while (f < events.fills.size() || c < events.cancellations.size()) {
      if (c == events.cancellations.size() ||
          (f < events.fills.size() && events.fills[f].seq < events.cancellations[c].seq)) {
        on_fill(b, events.fills[f++]);
      } else {
        on_cancel(b, events.cancellations[c++]);
      }
    }
  }

  void on_fill(SymbolBook& b, const sim::Fill& fill) {
    const double price = b.book.to_price(fill.price_ticks);
    const bool taker_client = fill.taker_owner >= kFirstClientOwner;
    const bool maker_client = fill.maker_owner >= kFirstClientOwner;
    // Maker first: its fill happened at its resting price before the taker's report goes out.
    if (maker_client) {
      client_fill(b, fill.maker_id, fill.qty, price, fill.maker_cum, fill.maker_leaves,
                  fill.maker_avg_px_ticks);
    }
    if (taker_client) {
      client_fill(b, fill.taker_id, fill.qty, price, fill.taker_cum, fill.taker_leaves,
                  fill.taker_avg_px_ticks);
    }
    if (taker_client && maker_client) ++stats_.client_matches;
    publish_trade(b, price, fill.qty);
  }

  void client_fill(const SymbolBook& b, OrderId id, std::int64_t qty, double price,
                   std::int64_t cum, std::int64_t leaves, double avg_px_ticks) {
    const auto it = orders_.find(id);
    if (it == orders_.end()) return;
    ClientOrder& order = it->second;
    order.cum_qty = cum;
    order.avg_px = avg_px_ticks * b.book.tick_size();
    ++stats_.fills;
    (order.side == FIX::Side_BUY ? stats_.filled_buy_qty : stats_.filled_sell_qty) += qty;
    VenueSymbolFills& symbol = stats_.by_symbol[order.symbol];
    ++symbol.fills;
    (order.side == FIX::Side_BUY ? symbol.buy_qty : symbol.sell_qty) += qty;
    ++sessions_[order.session].counts.fills;
    const char status = leaves == 0 ? FIX::OrdStatus_FILLED : FIX::OrdStatus_PARTIALLY_FILLED;
    push(execution_report(order, FIX::ExecType_TRADE, status, qty, price), order.session);
    if (leaves == 0) finish(it, FIX::OrdStatus_FILLED);
  }

  void on_cancel(const SymbolBook& b, const sim::Cancellation& cancel) {
    if (cancel.owner < kFirstClientOwner) return;  // the provider's or the top-up's
    const auto it = orders_.find(cancel.id);
    if (it == orders_.end()) return;
    ClientOrder& order = it->second;
    order.cum_qty = cancel.cum;
    if (cancel.cum > 0) order.avg_px = cancel.avg_px_ticks * b.book.tick_size();
    const char* text = "canceled";
    switch (cancel.reason) {
      case sim::CancelReason::kRequested: break;
      case sim::CancelReason::kUnfilledRemainder:
        ++stats_.ioc_fok_cancels;
        text = order.ord_type == FIX::OrdType_MARKET
                   ? "market order remainder canceled: no more liquidity"
                   : "immediate or cancel: remainder canceled";
        break;
      case sim::CancelReason::kFillOrKill:
        ++stats_.ioc_fok_cancels;
        text = "fill or kill: not enough liquidity to fill in full";
        break;
      case sim::CancelReason::kSelfTradeResting:
        ++stats_.stp_cancels;
        text = "self-trade prevention: resting order canceled";
        break;
      case sim::CancelReason::kSelfTradeIncoming:
        ++stats_.stp_cancels;
        text = "self-trade prevention: incoming order canceled";
        break;
    }
    auto report = execution_report(order, FIX::ExecType_CANCELED, FIX::OrdStatus_CANCELED);
    report.setField(FIX::Text(text));
    push(std::move(report), order.session);
    finish(it, FIX::OrdStatus_CANCELED);
  }

  // The order is done: remembered for status requests, forgotten as live. Caller holds mutex_.
  void finish(std::unordered_map<OrderId, ClientOrder>::iterator it, char status) {
    if (it == orders_.end()) return;
    SessionState& s = sessions_[it->second.session];
    remember_done(s, it->second, status);
    s.live.erase(it->second.cl_ord_id);
    orders_.erase(it);
  }

  // Finished orders are remembered (the latest kDoneMemory per session) so that a status request
  // about one gets its final state. Caller holds mutex_.
  static void remember_done(SessionState& s, const ClientOrder& order, char status) {
    DoneOrder done{order, status};
    done.order.book = nullptr;
    done.order.in_book = false;
    if (s.done.insert_or_assign(order.cl_ord_id, std::move(done)).second)
      s.done_order.push_back(order.cl_ord_id);
    while (s.done_order.size() > kDoneMemory) {
      s.done.erase(s.done_order.front());
      s.done_order.pop_front();
    }
  }

  // --- Market data: requests (QuickFIX session threads) ---------------------------------------
  // Subscriptions only are recorded here; snapshots and updates are sent by the matching thread,
  // so a subscriber always gets its snapshot before the first incremental built on it.
  void onMessage(const FIX44::MarketDataRequest& message, const FIX::SessionID& session) override {
    {
      std::lock_guard lock(mutex_);
      const std::size_t index = session_index(session);
      if (index == kNoSession) return;
      ++stats_.md_requests;
      const std::string& md_req_id = message.getField(FIX::FIELD::MDReqID);
      const std::string& type_text = message.getField(FIX::FIELD::SubscriptionRequestType);
      const char type = type_text.size() == 1 ? type_text[0] : '\0';
      auto reject = [&](char reason, const std::string& text) {
        ++stats_.md_rejects;
        FIX44::MarketDataRequestReject msg{FIX::MDReqID(md_req_id)};
        msg.set(FIX::MDReqRejReason(reason));
        msg.set(FIX::Text(text));
        push(std::move(msg), index);
      };
      SessionSubscriptions& subscriptions = sessions_[index].md;
      if (type == FIX::SubscriptionRequestType_DISABLE_PREVIOUS_SNAPSHOT_PLUS_UPDATE_REQUEST) {
        std::size_t removed = 0;
        for (auto it = subscriptions.begin(); it != subscriptions.end();) {
          if (it->first.first == md_req_id) {
            it = subscriptions.erase(it);
            ++removed;
          } else {
            ++it;
          }
        }
        if (removed == 0)
          reject(FIX::MDReqRejReason_UNKNOWN_SYMBOL, "no subscription " + md_req_id);
      } else if (type != FIX::SubscriptionRequestType_SNAPSHOT &&
                 type != FIX::SubscriptionRequestType_SNAPSHOT_PLUS_UPDATES) {
        reject(FIX::MDReqRejReason_UNSUPPORTED_SUBSCRIPTIONREQUESTTYPE,
               "SubscriptionRequestType must be 0, 1 or 2");
      } else {
        MdSubscription wanted;
        wanted.bid = wanted.offer = wanted.trade = false;
        wanted.streaming = type == FIX::SubscriptionRequestType_SNAPSHOT_PLUS_UPDATES;
        const std::size_t types = message.groupCount(FIX::FIELD::NoMDEntryTypes);
        for (std::size_t i = 1; i <= types; ++i) {
          const FIX::FieldMap& group =
              message.getGroupRef(static_cast<int>(i), FIX::FIELD::NoMDEntryTypes);
          const std::string& entry = group.getField(FIX::FIELD::MDEntryType);
          if (entry == "0") wanted.bid = true;
          if (entry == "1") wanted.offer = true;
          if (entry == "2") wanted.trade = true;
        }
        const bool duplicate =
            wanted.streaming &&
            std::any_of(subscriptions.begin(), subscriptions.end(),
                        [&](const auto& s) { return s.first.first == md_req_id; });
        if (!wanted.bid && !wanted.offer && !wanted.trade) {
          reject(FIX::MDReqRejReason_UNSUPPORTED_MDENTRYTYPE,
                 "only bid (0), offer (1) and trade (2) entries are published");
        } else if (duplicate) {
          reject(FIX::MDReqRejReason_DUPLICATE_MDREQID, "MDReqID " + md_req_id + " is in use");
        } else {
          // Known symbols are served; the unknown ones are named in one reject.
          std::string unknown;
          const std::size_t symbols = message.groupCount(FIX::FIELD::NoRelatedSym);
          for (std::size_t i = 1; i <= symbols; ++i) {
            const FIX::FieldMap& group =
                message.getGroupRef(static_cast<int>(i), FIX::FIELD::NoRelatedSym);
            const std::string& symbol = group.getField(FIX::FIELD::Symbol);
            if (!known_symbol(symbol)) {
              unknown += (unknown.empty() ? "" : ",") + symbol;
              continue;
            }
            subscriptions[{md_req_id, symbol}] = wanted;
            md_pending_ = true;
          }
          if (!unknown.empty())
            reject(FIX::MDReqRejReason_UNKNOWN_SYMBOL, "unknown symbol " + unknown);
        }
      }
    }
    wake_.notify_all();
    flush();
  }

  // Caller holds mutex_.
  bool known_symbol(const std::string& symbol) const {
    if (!config_.md_symbols.empty()) {
      return std::find(config_.md_symbols.begin(), config_.md_symbols.end(), symbol) !=
             config_.md_symbols.end();
    }
    VenueQuote quote;
    return quotes_(symbol, quote);
  }

  // --- Market data: publication (matching thread, and trades wherever a fill happens) -------
  static void add_entry(FIX44::MarketDataSnapshotFullRefresh& msg, char type, double price,
                        std::int64_t size) {
    FIX44::MarketDataSnapshotFullRefresh::NoMDEntries entry;
    entry.set(FIX::MDEntryType(type));
    entry.set(FIX::MDEntryPx(price));
    entry.set(FIX::MDEntrySize(static_cast<double>(size)));
    msg.addGroup(entry);
  }

  static void add_entry(FIX44::MarketDataIncrementalRefresh& msg, char action, char type,
                        const std::string& symbol, double price, std::int64_t size) {
    FIX44::MarketDataIncrementalRefresh::NoMDEntries entry;
    entry.set(FIX::MDUpdateAction(action));
    entry.set(FIX::MDEntryType(type));
    entry.set(FIX::Symbol(symbol));
    if (action != FIX::MDUpdateAction_DELETE) {
      entry.set(FIX::MDEntryPx(price));
      entry.set(FIX::MDEntrySize(static_cast<double>(size)));
    }
    msg.addGroup(entry);
  }

  // Adds the incremental entry for one side whose price or size changed since `before`.
  static int side_change(FIX44::MarketDataIncrementalRefresh& msg, char type,
                         const std::string& symbol, double before_px, std::int64_t before_size,
                         double px, std::int64_t size) {
    if (before_px == px && before_size == size) return 0;
    const bool had = before_px > 0.0;
    const bool has = px > 0.0;
    if (!had && !has) return 0;
    const char action = !has   ? FIX::MDUpdateAction_DELETE
                        : !had ? FIX::MDUpdateAction_NEW
                               : FIX::MDUpdateAction_CHANGE;
    add_entry(msg, action, type, symbol, px, size);
    return 1;
  }

  // The book's touch: best price and the whole quantity there (provider and clients alike).
  static Touch touch_of(const SymbolBook& b) {
    Touch t;
    if (const auto bid = b.book.best_bid()) {
      t.bid = b.book.to_price(bid->price_ticks);
      t.bid_size = bid->qty;
    }
    if (const auto ask = b.book.best_ask()) {
      t.ask = b.book.to_price(ask->price_ticks);
      t.ask_size = ask->qty;
    }
    return t;
  }

  // Sends pending snapshots and the touch changes of every subscription. Caller holds mutex_.
  void publish_market_data(TimeNs now) {
    md_pending_ = false;
    for (std::size_t index = 0; index < sessions_.size(); ++index) {
      SessionSubscriptions& subscriptions = sessions_[index].md;
      for (auto it = subscriptions.begin(); it != subscriptions.end();) {
        const std::string& md_req_id = it->first.first;
        const std::string& symbol = it->first.second;
        MdSubscription& sub = it->second;
        const SymbolBook* b = book_for(symbol, now);
        const Touch touch = b != nullptr ? touch_of(*b) : Touch{};
        if (!(touch.bid > 0.0 || touch.ask > 0.0)) {
          ++it;
          continue;
        }
        if (!sub.snapshot_sent) {
          FIX44::MarketDataSnapshotFullRefresh msg;
          msg.set(FIX::MDReqID(md_req_id));
          msg.set(FIX::Symbol(symbol));
          if (sub.bid && touch.bid > 0.0)
            add_entry(msg, FIX::MDEntryType_BID, touch.bid, touch.bid_size);
          if (sub.offer && touch.ask > 0.0)
            add_entry(msg, FIX::MDEntryType_OFFER, touch.ask, touch.ask_size);
          if (sub.trade && b->has_trade)
            add_entry(msg, FIX::MDEntryType_TRADE, b->last_trade_px, b->last_trade_qty);
          if (msg.groupCount(FIX::FIELD::NoMDEntries) > 0) {
            ++stats_.md_snapshots;
            push(std::move(msg), index);
            sub.snapshot_sent = true;
            sub.sent = touch;
          }
        } else if (sub.streaming) {
          FIX44::MarketDataIncrementalRefresh msg;
          int entries = 0;
          if (sub.bid)
            entries += side_change(msg, FIX::MDEntryType_BID, symbol, sub.sent.bid,
                                   sub.sent.bid_size, touch.bid, touch.bid_size);
          if (sub.offer)
            entries += side_change(msg, FIX::MDEntryType_OFFER, symbol, sub.sent.ask,
                                   sub.sent.ask_size, touch.ask, touch.ask_size);
          sub.sent = touch;
          if (entries > 0) {
            msg.set(FIX::MDReqID(md_req_id));
            ++stats_.md_incrementals;
            push(std::move(msg), index);
          }
        }
        it = sub.snapshot_sent && !sub.streaming ? subscriptions.erase(it) : std::next(it);
      }
    }
  }

  // A trade on the venue: a trade entry to every subscriber of the symbol that asked for trades
  // and has its snapshot. Caller holds mutex_.
  void publish_trade(SymbolBook& b, double price, std::int64_t qty) {
    b.has_trade = true;
    b.last_trade_px = price;
    b.last_trade_qty = qty;
    for (std::size_t index = 0; index < sessions_.size(); ++index) {
      for (const auto& [key, sub] : sessions_[index].md) {
        if (key.second != b.symbol || !sub.trade || !sub.streaming || !sub.snapshot_sent) continue;
        FIX44::MarketDataIncrementalRefresh msg;
        msg.set(FIX::MDReqID(key.first));
        add_entry(msg, FIX::MDUpdateAction_NEW, FIX::MDEntryType_TRADE, b.symbol, price, qty);
        ++stats_.md_incrementals;
        push(std::move(msg), index);
      }
    }
  }

  // --- Matching thread ------------------------------------------------------------------------
  // Handles delayed requests and book entries when due, and every match_interval re-quotes the
  // books whose reference quote moved and publishes market data.
  void match_loop() {
    const TimeNs interval = std::max(1, config_.match_interval_ms) * kNanosPerMilli;
    std::unique_lock lock(mutex_);
    TimeNs next_tick = steady_ns() + interval;
    while (running_) {
      TimeNs wake_at = md_pending_ ? 0 : next_tick;
      if (!inbound_.empty()) wake_at = std::min(wake_at, inbound_.front().due_ns);
      if (!entering_.empty()) wake_at = std::min(wake_at, entering_.front().first);
      if (steady_ns() < wake_at) wake_.wait_until(lock, steady_at(wake_at));
      if (!running_) break;
      const TimeNs now = steady_ns();
      run_due(now);
      if (now >= next_tick) {
        for (auto& [symbol, book] : books_) requote(*book, now);
        next_tick = now + interval;
        publish_market_data(now);
      } else if (md_pending_) {
        publish_market_data(now);
      }
      const bool reenable = !outage_disabled_.empty();
      if (outbox_.empty() && !reenable) continue;
      // Never send while holding mutex_: QuickFIX holds its session lock while calling us.
      lock.unlock();
      flush();
      if (reenable) enable_dropped_sessions();
      lock.lock();
    }
  }

  // Requests whose ack latency and orders whose fill latency have passed, in time order.
  // Caller holds mutex_.
  void run_due(TimeNs now) {
    for (;;) {
      const bool request = !inbound_.empty() && inbound_.front().due_ns <= now;
      const bool entry = !entering_.empty() && entering_.front().first <= now;
      if (!request && !entry) return;
      if (request && (!entry || inbound_.front().due_ns <= entering_.front().first)) {
        const Request r = std::move(inbound_.front());
        inbound_.pop_front();
        (void)handle(r, now);
      } else {
        const OrderId id = entering_.front().second;
        entering_.pop_front();
        // Gone if canceled (or its session logged out) on the way.
        if (const auto it = orders_.find(id); it != orders_.end() && !it->second.in_book)
          enter_book(it->second, now);
      }
    }
  }

  // --- Outbound -------------------------------------------------------------------------------
  FIX44::ExecutionReport execution_report(const ClientOrder& order, char exec_type, char status,
                                          std::int64_t last_qty = 0, double last_px = 0.0) {
    const bool done = status == FIX::OrdStatus_REJECTED || status == FIX::OrdStatus_CANCELED;
    FIX44::ExecutionReport report(
        FIX::OrderID(order.order_id), FIX::ExecID("E" + std::to_string(++next_exec_id_)),
        FIX::ExecType(exec_type), FIX::OrdStatus(status), FIX::Side(order.side),
        FIX::LeavesQty(static_cast<double>(done ? 0 : order.qty - order.cum_qty)),
        FIX::CumQty(static_cast<double>(order.cum_qty)), FIX::AvgPx(order.avg_px));
    report.set(FIX::ClOrdID(order.cl_ord_id));
    report.set(FIX::Symbol(order.symbol));
    report.set(FIX::OrderQty(static_cast<double>(order.qty)));
    if (order.ord_type == FIX::OrdType_LIMIT) report.set(FIX::Price(order.price));
    if (order.tif != FIX::TimeInForce_DAY) report.set(FIX::TimeInForce(order.tif));
    if (last_qty > 0) {
      report.set(FIX::LastQty(static_cast<double>(last_qty)));
      report.set(FIX::LastPx(last_px));
    }
    report.set(FIX::TransactTime());
    return report;
  }

  // Caller holds mutex_. Messages leave in the order they were pushed (see flush).
  void push(FIX::Message&& message, std::size_t session) {
    outbox_.push_back({std::move(message), session});
  }

  // Sends what was pushed, in push order, from whichever thread gets here first: a thread that
  // finds another sending leaves its messages to it. Never called with mutex_ held (QuickFIX
  // holds a session's lock while it calls us, and sending takes it).
  void flush() {
    for (;;) {
      std::unique_lock sending(send_mutex_, std::try_to_lock);
      if (!sending.owns_lock()) return;  // the sender checks the outbox again before leaving
      for (;;) {
        {
          std::lock_guard lock(mutex_);
          if (outbox_.empty()) break;
          sending_.swap(outbox_);
        }
        for (Outbound& o : sending_) {
          try {
            FIX::Session::sendToTarget(o.message, sessions_[o.session].id);
          } catch (const FIX::SessionNotFound&) {
          }
        }
        sending_.clear();
      }
      sending.unlock();
      std::lock_guard lock(mutex_);
      if (outbox_.empty()) return;
    }
  }

  static constexpr std::size_t kNoSession = static_cast<std::size_t>(-1);

  std::size_t session_index(const FIX::SessionID& id) const noexcept {
    for (std::size_t i = 0; i < sessions_.size(); ++i) {
      if (sessions_[i].id == id) return i;
    }
    return kNoSession;
  }

  const VenueConfig config_;
  QuoteSource quotes_;
  mutable std::mutex mutex_;  // everything below except what says otherwise
  std::condition_variable wake_;
  std::vector<SessionState> sessions_;  // fixed at construction
  std::unordered_map<std::string, std::unique_ptr<SymbolBook>> books_;
  std::unordered_map<OrderId, ClientOrder> orders_;  // live client orders by id
  std::deque<Request> inbound_;                      // waiting for ack_latency, FIFO
  std::deque<std::pair<TimeNs, OrderId>> entering_;  // acked, waiting for fill_latency, FIFO
  std::vector<Outbound> outbox_;
  sim::BookEvents events_;   // scratch for one book call at a time
  bool md_pending_ = false;  // a subscription waits for its snapshot
  std::mt19937_64 rng_;
  VenueStats stats_;
  OrderId next_order_id_ = 0;
  OrderId next_top_up_id_ = kFirstTopUpId;
  std::uint64_t next_exec_id_ = 0;
  bool running_ = false;
  std::mutex send_mutex_;          // held by the one thread sending
  std::vector<Outbound> sending_;  // guarded by send_mutex_
  std::thread matcher_;
  std::atomic<int> sessions_logged_on_{0};
  std::atomic<bool> outage_{false};
  std::vector<FIX::SessionID> outage_disabled_;  // logged out by an outage, not yet enabled again
  Acceptor acceptor_;
};

VenueSimulator::VenueSimulator(VenueConfig config, QuoteSource quotes)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(quotes))) {}

VenueSimulator::~VenueSimulator() = default;

void VenueSimulator::start() {
  impl_->start();
}
void VenueSimulator::stop() {
  impl_->stop();
}
VenueStats VenueSimulator::stats() const {
  return impl_->stats();
}
bool VenueSimulator::any_session_logged_on() const noexcept {
  return impl_->any_logged_on();
}
void VenueSimulator::set_outage(bool down) {
  impl_->set_outage(down);
}
bool VenueSimulator::in_outage() const noexcept {
  return impl_->in_outage();
}

}  // namespace hedged::venue
