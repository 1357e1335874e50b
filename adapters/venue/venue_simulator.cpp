#include "adapters/venue/venue_simulator.hpp"

#include "adapters/venue/loopback_bind.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
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
#include <quickfix/fix44/MessageCracker.h>
#include <quickfix/fix44/NewOrderSingle.h>
#include <quickfix/fix44/OrderCancelReject.h>
#include <quickfix/fix44/OrderCancelRequest.h>

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
    running_ = true;
    matcher_ = std::thread([this] { match_loop(); });
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (!running_) return;
      running_ = false;
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
    return s;
  }

  bool any_logged_on() const noexcept {
    return sessions_logged_on_.load(std::memory_order_acquire) > 0;
  }

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
      it = it->second.session == session ? resting_.erase(it) : std::next(it);
    }
  }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) override {}
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
      if (reject != nullptr) {
        ++stats_.rejects;
        auto report =
            execution_report(order, FIX::ExecType_REJECTED, FIX::OrdStatus_REJECTED, 0, 0.0);
        report.setField(FIX::OrdRejReason(reason));
        report.setField(FIX::Text(reject));
        out.push_back({std::move(report), session});
      } else {
        out.push_back(
            {execution_report(order, FIX::ExecType_NEW, FIX::OrdStatus_NEW, 0, 0.0), session});
        match(order, quote, out);
        if (order.cum_qty < order.qty) {
          if (order.ord_type == FIX::OrdType_MARKET) {
            // A market order does not rest: what the touch could not fill is canceled.
            out.push_back(
                {execution_report(order, FIX::ExecType_CANCELED, FIX::OrdStatus_CANCELED, 0, 0.0),
                 session});
          } else {
            resting_.emplace(key(session, order.cl_ord_id), order);
          }
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
        resting_.erase(it);
      }
    }
    send_all(out);
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
    const char status =
        order.cum_qty == order.qty ? FIX::OrdStatus_FILLED : FIX::OrdStatus_PARTIALLY_FILLED;
    out.push_back(
        {execution_report(order, FIX::ExecType_TRADE, status, fill, touch), order.session});
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
        it = it->second.cum_qty >= it->second.qty ? resting_.erase(it) : std::next(it);
      }
      if (out.empty()) continue;
      // Never send while holding mutex_: QuickFIX holds its session lock while calling us.
      lock.unlock();
      send_all(out);
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
  std::map<std::string, TakenAtQuote> taken_;
  std::mt19937_64 rng_;
  VenueStats stats_;
  std::uint64_t next_order_id_ = 0;
  std::uint64_t next_exec_id_ = 0;
  bool running_ = false;
  std::thread matcher_;
  std::atomic<int> sessions_logged_on_{0};
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

}  // namespace hedged::venue
