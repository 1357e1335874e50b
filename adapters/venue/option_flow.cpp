#include "adapters/venue/option_flow.hpp"

#include "adapters/venue/acceptor.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <quickfix/Application.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/ThreadedSocketAcceptor.h>
#include <quickfix/fix44/ExecutionReport.h>

namespace hedged::venue {

class OptionFlow::Impl final : public FIX::Application {
 public:
  Impl(OptionFlowConfig config, QuoteSource prices)
      : config_(std::move(config)),
        prices_(std::move(prices)),
        rng_(config_.seed),
        // ExecIDs are "DC<run>-<n>": the run is this flow's start time, so a restarted venue
        // never repeats an ExecID a client has already applied (and would ignore).
        run_id_(std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count())) {}
  ~Impl() override { stop(); }

  void start() {
    acceptor_.start(*this,
                    {config_.comp_id, config_.client_comp_ids, config_.host, config_.port,
                     config_.data_dictionary},
                    "option flow");
    {
      std::lock_guard lock(mutex_);
      running_ = true;
    }
    trader_ = std::thread([this] { trade_loop(); });
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (!running_) return;
      running_ = false;
    }
    wake_.notify_all();
    if (trader_.joinable()) trader_.join();
    acceptor_.stop();
  }

  void set_skew(double desk_buy_share, double rate_multiple) {
    {
      std::lock_guard lock(mutex_);
      desk_buy_share_ = std::clamp(desk_buy_share, 0.0, 1.0);
      rate_multiple_ = std::max(rate_multiple, 0.0);
    }
    wake_.notify_all();
  }

  OptionFlowStats stats() const {
    std::lock_guard lock(mutex_);
    OptionFlowStats s = stats_;
    s.client_logged_on = !logged_on_.empty();
    return s;
  }

 private:
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override {
    std::lock_guard lock(mutex_);
    logged_on_.push_back(id);
  }
  void onLogout(const FIX::SessionID& id) override {
    std::lock_guard lock(mutex_);
    logged_on_.erase(std::remove(logged_on_.begin(), logged_on_.end(), id), logged_on_.end());
  }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message&, const FIX::SessionID&) override {}
  // A drop copy only speaks: anything the client sends is refused by QuickFIX as unsupported.
  void fromApp(const FIX::Message&, const FIX::SessionID&) override {
    throw FIX::UnsupportedMessageType();
  }

  // Waits an exponential time between trades; a trade goes to every logged-on drop-copy
  // client (normally one).
  void trade_loop() {
    std::unique_lock lock(mutex_);
    while (running_) {
      const double rate = config_.trades_per_second * rate_multiple_;
      if (config_.symbols.empty() || !(rate > 0.0)) {
        wake_.wait_for(lock, std::chrono::milliseconds(100), [&] { return !running_; });
        continue;
      }
      // Memoryless: a wait cut short by a change of rate is simply drawn again.
      const double wait_s = std::exponential_distribution<double>(rate)(rng_);
      if (wake_.wait_for(lock, std::chrono::duration<double>(wait_s), [&] {
            return !running_ || config_.trades_per_second * rate_multiple_ != rate;
          })) {
        continue;
      }
      if (!running_) break;
      if (logged_on_.empty()) continue;
      const std::string& symbol = config_.symbols[std::uniform_int_distribution<std::size_t>(
          0, config_.symbols.size() - 1)(rng_)];
      const std::int64_t qty =
          std::uniform_int_distribution<std::int64_t>(config_.min_qty, config_.max_qty)(rng_);
      const bool desk_buys =
          std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < desk_buy_share_;
      VenueQuote quote;
      if (!prices_(symbol, quote) || !(quote.ask > 0.0)) continue;
      const double bid = quote.bid;
      const double ask = quote.ask;
      const double price = desk_buys ? (bid > 0.0 ? bid : ask) : ask;
      std::vector<FIX::SessionID> targets = logged_on_;
      const std::uint64_t id = ++next_id_;
      lock.unlock();
      // A trade counts once QuickFIX took it for a logged-on client (sent, or queued for resend
      // within the session); one that found every session gone is not made at all.
      bool delivered = false;
      for (const FIX::SessionID& target : targets) {
        FIX44::ExecutionReport report(
            FIX::OrderID("MM" + std::to_string(id)),
            FIX::ExecID("DC" + run_id_ + "-" + std::to_string(id)),
            FIX::ExecType(FIX::ExecType_TRADE), FIX::OrdStatus(FIX::OrdStatus_FILLED),
            FIX::Side(desk_buys ? FIX::Side_BUY : FIX::Side_SELL), FIX::LeavesQty(0),
            FIX::CumQty(static_cast<double>(qty)), FIX::AvgPx(price));
        report.set(FIX::Symbol(symbol));
        report.set(FIX::OrderQty(static_cast<double>(qty)));
        report.set(FIX::LastQty(static_cast<double>(qty)));
        report.set(FIX::LastPx(price));
        report.set(FIX::TransactTime());
        FIX::Session* session = FIX::Session::lookupSession(target);
        delivered |= session != nullptr && session->isLoggedOn() && session->send(report);
      }
      lock.lock();
      if (delivered) {
        ++stats_.trades;
        (desk_buys ? stats_.contracts_bought : stats_.contracts_sold) += qty;
        stats_.desk_position_change[symbol] += desk_buys ? qty : -qty;
      }
    }
  }

  OptionFlowConfig config_;
  QuoteSource prices_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::mt19937_64 rng_;
  OptionFlowStats stats_;
  std::vector<FIX::SessionID> logged_on_;
  std::uint64_t next_id_ = 0;
  std::string run_id_;
  double desk_buy_share_ = config_.desk_buy_share;  // the scenario's skew, or as configured
  double rate_multiple_ = 1.0;
  bool running_ = false;
  std::thread trader_;
  Acceptor acceptor_;
};

OptionFlow::OptionFlow(OptionFlowConfig config, QuoteSource prices)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(prices))) {}
OptionFlow::~OptionFlow() = default;
void OptionFlow::start() {
  impl_->start();
}
void OptionFlow::stop() {
  impl_->stop();
}
void OptionFlow::set_skew(double desk_buy_share, double rate_multiple) {
  impl_->set_skew(desk_buy_share, rate_multiple);
}
OptionFlowStats OptionFlow::stats() const {
  return impl_->stats();
}

}  // namespace hedged::venue
