#include "adapters/venue/venue_simulator.hpp"

#include "adapters/venue/loopback_bind.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
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

struct RestingOrder {
  std::string cl_ord_id;
  std::string order_id;
  std::string symbol;
  FIX::SessionID session;
  char side = FIX::Side_BUY;
  char ord_type = FIX::OrdType_LIMIT;
  double price = 0.0;
  std::int64_t qty = 0;
  std::int64_t cum_qty = 0;
  double avg_px = 0.0;
};

struct DoneOrder {
  RestingOrder order;
  char status = FIX::OrdStatus_FILLED;
};

// Liquidity already taken from one quote of a symbol.
struct TakenAtQuote {
  std::uint64_t seq = 0;
  std::int64_t bid_taken = 0;
  std::int64_t ask_taken = 0;
};

struct Outbound {
  FIX::Message message;
  FIX::SessionID session;
};

// One symbol of one MarketDataRequest of one session, and what that session was last sent.
struct MdSubscription {
  bool bid = true;  // entry types asked for
  bool offer = true;
  bool trade = true;
  bool streaming = true;  // false: snapshot only, dropped once the snapshot is out
  bool snapshot_sent = false;
  VenueQuote sent;  // the touch as last published to this subscriber
};

struct LastTrade {
  double price = 0.0;
  std::int64_t qty = 0;
};

// (MDReqID, symbol) -> subscription, per session.
using SessionSubscriptions = std::map<std::pair<std::string, std::string>, MdSubscription>;

}  // namespace

class VenueSimulator::Impl final : public FIX::Application, private FIX44::MessageCracker {
 public:
  Impl(VenueConfig config, QuoteSource quotes)
      : config_(std::move(config)), quotes_(std::move(quotes)), rng_(config_.seed) {}

  ~Impl() override { stop(); }

  void start() {
    std::ostringstream settings;
    settings << "[DEFAULT]\n"
             << "ConnectionType=acceptor\n"
             << "NonStopSession=Y\nStartTime=00:00:00\nEndTime=00:00:00\n"
             << "SocketAcceptPort=" << config_.port << "\n"
             << "SocketAcceptHost=" << config_.host << "\n"
             << "SocketReuseAddress=Y\n"
             << "SocketNodelay=Y\n"
             << "UseDataDictionary=Y\n"
             << "DataDictionary=" << config_.data_dictionary << "\n"
             << "ResetOnLogon=Y\nResetOnLogout=Y\nResetOnDisconnect=Y\n";
    for (const std::string& client : config_.client_comp_ids) {
      settings << "[SESSION]\n"
               << "BeginString=FIX.4.4\n"
               << "SenderCompID=" << config_.comp_id << "\n"
               << "TargetCompID=" << client << "\n";
    }
    // QuickFIX 1.15 ignores SocketAcceptHost; keep the listener on the configured address.
    if (!restrict_listen_address(config_.port, config_.host)) {
      throw std::runtime_error("venue simulator: host '" + config_.host +
                               "' is not an IPv4 address");
    }
    try {
      std::istringstream in(settings.str());
      settings_ = std::make_unique<FIX::SessionSettings>(in);
      acceptor_ = std::make_unique<FIX::ThreadedSocketAcceptor>(*this, store_factory_, *settings_);
      acceptor_->start();
    } catch (const FIX::Exception& e) {
      throw std::runtime_error(std::string("venue simulator: ") + e.what());
    }
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
      md_subscriptions_.clear();
    }
    wake_.notify_all();
    if (matcher_.joinable()) matcher_.join();
    if (acceptor_) {
      acceptor_->stop(true);
      acceptor_.reset();
    }
    release_listen_address(config_.port);
  }

  VenueStats stats() const {
    std::lock_guard lock(mutex_);
    VenueStats s = stats_;
    s.resting = resting_.size();
    for (const auto& [session, subscriptions] : md_subscriptions_) {
      for (const auto& [key, sub] : subscriptions) s.md_subscriptions += sub.streaming ? 1 : 0;
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
    for (const std::string& client : config_.client_comp_ids) {
      const FIX::SessionID id(FIX::BeginString_FIX44, config_.comp_id, client);
      FIX::Session* session = FIX::Session::lookupSession(id);
      if (session == nullptr || !session->isLoggedOn()) continue;
      session->logout("venue outage");
      dropped.push_back(id);
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
  void onLogon(const FIX::SessionID&) override {
    sessions_logged_on_.fetch_add(1, std::memory_order_acq_rel);
  }
  void onLogout(const FIX::SessionID& session) override {
    sessions_logged_on_.fetch_sub(1, std::memory_order_acq_rel);
    // Cancel on disconnect: a client that is gone must not be filled.
    std::lock_guard lock(mutex_);
    for (auto it = resting_.begin(); it != resting_.end();) {
      if (it->second.session == session) {
        remember_done(session, it->second, FIX::OrdStatus_CANCELED);
        it = resting_.erase(it);
      } else {
        ++it;
      }
    }
    // A session that logs out loses its market data subscriptions.
    md_subscriptions_.erase(session);
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

  void onMessage(const FIX44::NewOrderSingle& message, const FIX::SessionID& session) override {
    std::vector<Outbound> out;
    {
      std::lock_guard lock(mutex_);
      ++stats_.orders;
      RestingOrder order;
      order.cl_ord_id = message.getField(FIX::FIELD::ClOrdID);
      order.symbol = message.getField(FIX::FIELD::Symbol);
      order.session = session;
      order.side = message.getField(FIX::FIELD::Side)[0];
      order.ord_type = message.getField(FIX::FIELD::OrdType)[0];
      order.order_id = "V" + std::to_string(++next_order_id_);
      const double qty = message.isSetField(FIX::FIELD::OrderQty)
                             ? std::stod(message.getField(FIX::FIELD::OrderQty))
                             : 0.0;
      order.qty = static_cast<std::int64_t>(qty);
      if (message.isSetField(FIX::FIELD::Price))
        order.price = std::stod(message.getField(FIX::FIELD::Price));

      VenueQuote quote;
      const char* reject = nullptr;
      int reason = FIX::OrdRejReason_OTHER;
      if (!quotes_(order.symbol, quote)) {
        reject = "unknown symbol";
        reason = FIX::OrdRejReason_UNKNOWN_SYMBOL;
      } else if (order.qty <= 0 || static_cast<double>(order.qty) != qty) {
        reject = "quantity must be a positive whole number";
        reason = FIX::OrdRejReason_INCORRECT_QUANTITY;
      } else if (order.side != FIX::Side_BUY && order.side != FIX::Side_SELL) {
        reject = "side must be buy or sell";
      } else if (order.ord_type != FIX::OrdType_LIMIT && order.ord_type != FIX::OrdType_MARKET) {
        reject = "only limit and market orders are accepted";
      } else if (order.ord_type == FIX::OrdType_LIMIT && !(order.price > 0.0)) {
        reject = "limit price must be positive";
      } else if (resting_.count(key(session, order.cl_ord_id)) != 0) {
        reject = "duplicate ClOrdID";
        reason = FIX::OrdRejReason_DUPLICATE_ORDER;
      } else if (config_.reject_probability > 0.0 &&
                 std::uniform_real_distribution<double>(0.0, 1.0)(rng_) <
                     config_.reject_probability) {
        reject = "rejected by venue simulator (injected)";
      }
      if (reject == nullptr && config_.drop_probability > 0.0 &&
          std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < config_.drop_probability) {
        ++stats_.orders_dropped;  // lost on the way: no answer at all
      } else if (reject != nullptr) {
        ++stats_.rejects;
        auto report =
            execution_report(order, FIX::ExecType_REJECTED, FIX::OrdStatus_REJECTED, 0, 0.0);
        report.setField(FIX::OrdRejReason(reason));
        report.setField(FIX::Text(reject));
        out.push_back({std::move(report), session});
        if (reason != FIX::OrdRejReason_DUPLICATE_ORDER)
          remember_done(session, order, FIX::OrdStatus_REJECTED);
      } else {
        out.push_back(
            {execution_report(order, FIX::ExecType_NEW, FIX::OrdStatus_NEW, 0, 0.0), session});
        match(order, quote, out);
        if (order.cum_qty >= order.qty) {
          remember_done(session, order, FIX::OrdStatus_FILLED);
        } else if (order.ord_type == FIX::OrdType_MARKET) {
          // A market order does not rest: what the touch could not fill is canceled.
          out.push_back(
              {execution_report(order, FIX::ExecType_CANCELED, FIX::OrdStatus_CANCELED, 0, 0.0),
               session});
          remember_done(session, order, FIX::OrdStatus_CANCELED);
        } else {
          resting_.emplace(key(session, order.cl_ord_id), order);
        }
      }
    }
    send_all(out);
  }

  void onMessage(const FIX44::OrderCancelRequest& message, const FIX::SessionID& session) override {
    std::vector<Outbound> out;
    {
      std::lock_guard lock(mutex_);
      const std::string orig = message.getField(FIX::FIELD::OrigClOrdID);
      const std::string cl_ord_id = message.getField(FIX::FIELD::ClOrdID);
      auto it = resting_.find(key(session, orig));
      if (it == resting_.end()) {
        FIX44::OrderCancelReject reject(
            FIX::OrderID("NONE"), FIX::ClOrdID(cl_ord_id), FIX::OrigClOrdID(orig),
            FIX::OrdStatus(FIX::OrdStatus_REJECTED),
            FIX::CxlRejResponseTo(FIX::CxlRejResponseTo_ORDER_CANCEL_REQUEST));
        reject.set(FIX::CxlRejReason(FIX::CxlRejReason_UNKNOWN_ORDER));
        reject.set(FIX::Text("order not found or already done"));
        out.push_back({std::move(reject), session});
      } else {
        ++stats_.cancels;
        auto report =
            execution_report(it->second, FIX::ExecType_CANCELED, FIX::OrdStatus_CANCELED, 0, 0.0);
        report.setField(FIX::ClOrdID(cl_ord_id));
        report.setField(FIX::OrigClOrdID(orig));
        report.setField(FIX::LeavesQty(0));
        out.push_back({std::move(report), session});
        remember_done(session, it->second, FIX::OrdStatus_CANCELED);
        resting_.erase(it);
      }
    }
    send_all(out);
  }

  // Cancel/replace (35=G): a new price and/or total for a resting order, which is known by the
  // new ClOrdID from then on. Refused when the order is unknown or done, or the new total is
  // not above what has filled.
  void onMessage(const FIX44::OrderCancelReplaceRequest& message,
                 const FIX::SessionID& session) override {
    std::vector<Outbound> out;
    {
      std::lock_guard lock(mutex_);
      const std::string orig = message.getField(FIX::FIELD::OrigClOrdID);
      const std::string cl_ord_id = message.getField(FIX::FIELD::ClOrdID);
      const double qty = message.isSetField(FIX::FIELD::OrderQty)
                             ? std::stod(message.getField(FIX::FIELD::OrderQty))
                             : 0.0;
      const double price = message.isSetField(FIX::FIELD::Price)
                               ? std::stod(message.getField(FIX::FIELD::Price))
                               : 0.0;
      auto it = resting_.find(key(session, orig));
      const char* refusal = nullptr;
      int reason = FIX::CxlRejReason_OTHER;
      if (it == resting_.end()) {
        refusal = "order not found or already done";
        reason = FIX::CxlRejReason_UNKNOWN_ORDER;
      } else if (resting_.count(key(session, cl_ord_id)) != 0) {
        refusal = "duplicate ClOrdID";
        reason = FIX::CxlRejReason_DUPLICATE_CLORDID_RECEIVED;
      } else if (!(qty > 0.0) || qty != std::floor(qty) ||
                 static_cast<std::int64_t>(qty) <= it->second.cum_qty) {
        refusal = "new quantity must be a whole number above the filled quantity";
      } else if (it->second.ord_type == FIX::OrdType_LIMIT && !(price > 0.0)) {
        refusal = "limit price must be positive";
      }
      if (refusal != nullptr) {
        ++stats_.replace_rejects;
        FIX44::OrderCancelReject reject(
            FIX::OrderID(it == resting_.end() ? "NONE" : it->second.order_id),
            FIX::ClOrdID(cl_ord_id), FIX::OrigClOrdID(orig),
            FIX::OrdStatus(it == resting_.end() ? FIX::OrdStatus_REJECTED : status_of(it->second)),
            FIX::CxlRejResponseTo(FIX::CxlRejResponseTo_ORDER_CANCEL_REPLACE_REQUEST));
        reject.set(FIX::CxlRejReason(reason));
        reject.set(FIX::Text(refusal));
        out.push_back({std::move(reject), session});
      } else {
        ++stats_.replaces;
        RestingOrder order = it->second;
        resting_.erase(it);
        order.cl_ord_id = cl_ord_id;
        order.qty = static_cast<std::int64_t>(qty);
        if (order.ord_type == FIX::OrdType_LIMIT) order.price = price;
        auto report = execution_report(order, FIX::ExecType_REPLACED, status_of(order), 0, 0.0);
        report.setField(FIX::OrigClOrdID(orig));
        out.push_back({std::move(report), session});
        VenueQuote quote;
        if (quotes_(order.symbol, quote)) match(order, quote, out);
        if (order.cum_qty < order.qty) {
          resting_.emplace(key(session, order.cl_ord_id), order);
        } else {
          remember_done(session, order, FIX::OrdStatus_FILLED);
        }
      }
    }
    send_all(out);
  }

  // Order status (35=H): an ExecutionReport with ExecType I describing the order as the venue
  // knows it, or OrdStatus rejected for an order it never received.
  void onMessage(const FIX44::OrderStatusRequest& message, const FIX::SessionID& session) override {
    std::vector<Outbound> out;
    {
      std::lock_guard lock(mutex_);
      ++stats_.status_requests;
      const std::string cl_ord_id = message.getField(FIX::FIELD::ClOrdID);
      RestingOrder order;
      char status = FIX::OrdStatus_REJECTED;
      if (const auto it = resting_.find(key(session, cl_ord_id)); it != resting_.end()) {
        order = it->second;
        status = status_of(order);
      } else if (const auto done = done_.find(key(session, cl_ord_id)); done != done_.end()) {
        order = done->second.order;
        status = done->second.status;
      } else {
        order.cl_ord_id = cl_ord_id;
        order.order_id = "NONE";
        order.symbol = message.getField(FIX::FIELD::Symbol);
        order.side = message.getField(FIX::FIELD::Side)[0];
      }
      auto report = execution_report(order, FIX::ExecType_ORDER_STATUS, status, 0, 0.0);
      if (order.order_id == "NONE") report.setField(FIX::Text("unknown order"));
      out.push_back({std::move(report), session});
    }
    send_all(out);
  }

  static char status_of(const RestingOrder& order) noexcept {
    return order.cum_qty >= order.qty ? FIX::OrdStatus_FILLED
           : order.cum_qty > 0        ? FIX::OrdStatus_PARTIALLY_FILLED
                                      : FIX::OrdStatus_NEW;
  }

  // Finished orders are remembered (the latest kDoneMemory) so that a status request about one
  // gets its final state. Caller holds mutex_.
  void remember_done(const FIX::SessionID& session, const RestingOrder& order, char status) {
    static constexpr std::size_t kDoneMemory = 100'000;
    const std::string k = key(session, order.cl_ord_id);
    if (done_.insert_or_assign(k, DoneOrder{order, status}).second) done_order_.push_back(k);
    while (done_order_.size() > kDoneMemory) {
      done_.erase(done_order_.front());
      done_order_.pop_front();
    }
  }

  // --- Market data: requests (QuickFIX session threads) ---------------------------------------
  // Subscriptions only are recorded here; snapshots and updates are sent by the matching thread,
  // so a subscriber always gets its snapshot before the first incremental built on it.
  void onMessage(const FIX44::MarketDataRequest& message, const FIX::SessionID& session) override {
    std::vector<Outbound> out;
    {
      std::lock_guard lock(mutex_);
      ++stats_.md_requests;
      const std::string& md_req_id = message.getField(FIX::FIELD::MDReqID);
      const std::string& type_text = message.getField(FIX::FIELD::SubscriptionRequestType);
      const char type = type_text.size() == 1 ? type_text[0] : '\0';
      auto reject = [&](char reason, const std::string& text) {
        ++stats_.md_rejects;
        FIX44::MarketDataRequestReject msg{FIX::MDReqID(md_req_id)};
        msg.set(FIX::MDReqRejReason(reason));
        msg.set(FIX::Text(text));
        out.push_back({std::move(msg), session});
      };
      SessionSubscriptions& subscriptions = md_subscriptions_[session];
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
          }
          if (!unknown.empty())
            reject(FIX::MDReqRejReason_UNKNOWN_SYMBOL, "unknown symbol " + unknown);
        }
      }
      if (subscriptions.empty()) md_subscriptions_.erase(session);
    }
    wake_.notify_all();
    send_all(out);
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

  // --- Market data: publication (matching thread, and fills on session threads) ---------------
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

  // Sends pending snapshots and the touch changes of every subscription. Caller holds mutex_.
  void publish_market_data(std::vector<Outbound>& out) {
    for (auto& [session, subscriptions] : md_subscriptions_) {
      for (auto it = subscriptions.begin(); it != subscriptions.end();) {
        const std::string& md_req_id = it->first.first;
        const std::string& symbol = it->first.second;
        MdSubscription& sub = it->second;
        VenueQuote quote;
        const bool quoted = quotes_(symbol, quote) && (quote.bid > 0.0 || quote.ask > 0.0);
        if (!quoted) {
          ++it;
          continue;
        }
        if (!sub.snapshot_sent) {
          FIX44::MarketDataSnapshotFullRefresh msg;
          msg.set(FIX::MDReqID(md_req_id));
          msg.set(FIX::Symbol(symbol));
          if (sub.bid && quote.bid > 0.0)
            add_entry(msg, FIX::MDEntryType_BID, quote.bid, quote.bid_size);
          if (sub.offer && quote.ask > 0.0)
            add_entry(msg, FIX::MDEntryType_OFFER, quote.ask, quote.ask_size);
          const auto trade = last_trade_.find(symbol);
          if (sub.trade && trade != last_trade_.end())
            add_entry(msg, FIX::MDEntryType_TRADE, trade->second.price, trade->second.qty);
          if (msg.groupCount(FIX::FIELD::NoMDEntries) > 0) {
            ++stats_.md_snapshots;
            out.push_back({std::move(msg), session});
            sub.snapshot_sent = true;
            sub.sent = quote;
          }
        } else if (sub.streaming) {
          FIX44::MarketDataIncrementalRefresh msg;
          msg.set(FIX::MDReqID(md_req_id));
          int entries = 0;
          if (sub.bid)
            entries += side_change(msg, FIX::MDEntryType_BID, symbol, sub.sent.bid,
                                   sub.sent.bid_size, quote.bid, quote.bid_size);
          if (sub.offer)
            entries += side_change(msg, FIX::MDEntryType_OFFER, symbol, sub.sent.ask,
                                   sub.sent.ask_size, quote.ask, quote.ask_size);
          sub.sent = quote;
          if (entries > 0) {
            ++stats_.md_incrementals;
            out.push_back({std::move(msg), session});
          }
        }
        it = sub.snapshot_sent && !sub.streaming ? subscriptions.erase(it) : std::next(it);
      }
    }
  }

  // A fill on the venue: a trade entry to every subscriber of the symbol that asked for trades
  // and has its snapshot. Caller holds mutex_.
  void publish_trade(const std::string& symbol, double price, std::int64_t qty,
                     std::vector<Outbound>& out) {
    last_trade_[symbol] = {price, qty};
    for (const auto& [session, subscriptions] : md_subscriptions_) {
      for (const auto& [key, sub] : subscriptions) {
        if (key.second != symbol || !sub.trade || !sub.streaming || !sub.snapshot_sent) continue;
        FIX44::MarketDataIncrementalRefresh msg;
        msg.set(FIX::MDReqID(key.first));
        add_entry(msg, FIX::MDUpdateAction_NEW, FIX::MDEntryType_TRADE, symbol, price, qty);
        ++stats_.md_incrementals;
        out.push_back({std::move(msg), session});
      }
    }
  }

  // --- Matching -------------------------------------------------------------------------------
  static std::string key(const FIX::SessionID& session, const std::string& cl_ord_id) {
    return session.toString() + '|' + cl_ord_id;
  }

  // Fills `order` against the displayed touch not yet taken at this quote. Caller holds mutex_.
  void match(RestingOrder& order, const VenueQuote& quote, std::vector<Outbound>& out) {
    TakenAtQuote& taken = taken_[order.symbol];
    if (taken.seq != quote.seq) taken = {quote.seq, 0, 0};
    const bool buy = order.side == FIX::Side_BUY;
    const double touch = buy ? quote.ask : quote.bid;
    if (!(touch > 0.0)) return;
    const bool marketable = order.ord_type == FIX::OrdType_MARKET ||
                            (buy ? order.price >= touch - 1e-9 : order.price <= touch + 1e-9);
    if (!marketable) return;
    std::int64_t& used = buy ? taken.ask_taken : taken.bid_taken;
    const std::int64_t available = (buy ? quote.ask_size : quote.bid_size) - used;
    const std::int64_t fill = std::min(order.qty - order.cum_qty, available);
    if (fill <= 0) return;
    used += fill;
    order.avg_px =
        (order.avg_px * static_cast<double>(order.cum_qty) + touch * static_cast<double>(fill)) /
        static_cast<double>(order.cum_qty + fill);
    order.cum_qty += fill;
    ++stats_.fills;
    (buy ? stats_.filled_buy_qty : stats_.filled_sell_qty) += fill;
    const char status =
        order.cum_qty == order.qty ? FIX::OrdStatus_FILLED : FIX::OrdStatus_PARTIALLY_FILLED;
    out.push_back(
        {execution_report(order, FIX::ExecType_TRADE, status, fill, touch), order.session});
    publish_trade(order.symbol, touch, fill, out);
  }

  void match_loop() {
    std::unique_lock lock(mutex_);
    while (running_) {
      wake_.wait_for(lock, std::chrono::milliseconds(config_.match_interval_ms));
      if (!running_) break;
      std::vector<Outbound> out;
      for (auto it = resting_.begin(); it != resting_.end();) {
        VenueQuote quote;
        if (quotes_(it->second.symbol, quote)) match(it->second, quote, out);
        if (it->second.cum_qty >= it->second.qty) {
          remember_done(it->second.session, it->second, FIX::OrdStatus_FILLED);
          it = resting_.erase(it);
        } else {
          ++it;
        }
      }
      publish_market_data(out);
      const bool reenable = !outage_disabled_.empty();
      if (out.empty() && !reenable) continue;
      // Never send while holding mutex_: QuickFIX holds its session lock while calling us.
      lock.unlock();
      send_all(out);
      if (reenable) enable_dropped_sessions();
      lock.lock();
    }
  }

  FIX44::ExecutionReport execution_report(const RestingOrder& order, char exec_type, char status,
                                          std::int64_t last_qty, double last_px) {
    FIX44::ExecutionReport report(
        FIX::OrderID(order.order_id), FIX::ExecID("E" + std::to_string(++next_exec_id_)),
        FIX::ExecType(exec_type), FIX::OrdStatus(status), FIX::Side(order.side),
        FIX::LeavesQty(static_cast<double>(status == FIX::OrdStatus_REJECTED ||
                                                   status == FIX::OrdStatus_CANCELED
                                               ? 0
                                               : order.qty - order.cum_qty)),
        FIX::CumQty(static_cast<double>(order.cum_qty)), FIX::AvgPx(order.avg_px));
    report.set(FIX::ClOrdID(order.cl_ord_id));
    report.set(FIX::Symbol(order.symbol));
    report.set(FIX::OrderQty(static_cast<double>(order.qty)));
    if (order.ord_type == FIX::OrdType_LIMIT) report.set(FIX::Price(order.price));
    if (last_qty > 0) {
      report.set(FIX::LastQty(static_cast<double>(last_qty)));
      report.set(FIX::LastPx(last_px));
    }
    report.set(FIX::TransactTime());
    return report;
  }

  static void send_all(std::vector<Outbound>& out) {
    for (auto& o : out) FIX::Session::sendToTarget(o.message, o.session);
  }

  VenueConfig config_;
  QuoteSource quotes_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, RestingOrder> resting_;
  std::map<std::string, DoneOrder> done_;  // by key(); the latest finished orders
  std::deque<std::string> done_order_;     // done_'s keys, oldest first
  std::map<std::string, TakenAtQuote> taken_;
  std::map<FIX::SessionID, SessionSubscriptions> md_subscriptions_;
  std::map<std::string, LastTrade> last_trade_;
  std::mt19937_64 rng_;
  VenueStats stats_;
  std::uint64_t next_order_id_ = 0;
  std::uint64_t next_exec_id_ = 0;
  bool running_ = false;
  std::thread matcher_;
  std::atomic<int> sessions_logged_on_{0};
  std::atomic<bool> outage_{false};
  std::vector<FIX::SessionID> outage_disabled_;  // logged out by an outage, not yet enabled again
  FIX::MemoryStoreFactory store_factory_;
  std::unique_ptr<FIX::SessionSettings> settings_;
  std::unique_ptr<FIX::ThreadedSocketAcceptor> acceptor_;
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
