#include "adapters/venue/option_flow.hpp"

#include "adapters/venue/loopback_bind.hpp"

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
  Impl(OptionFlowConfig config, OptionPriceSource prices)
      : config_(std::move(config)), prices_(std::move(prices)), rng_(config_.seed) {}
  ~Impl() override { stop(); }

  void start() {
    std::ostringstream settings;
    settings << "[DEFAULT]\n"
             << "ConnectionType=acceptor\n"
             << "NonStopSession=Y\nStartTime=00:00:00\nEndTime=00:00:00\n"
             << "SocketAcceptPort=" << config_.port << "\n"
             << "SocketAcceptHost=" << config_.host << "\n"
             << "SocketReuseAddress=Y\nSocketNodelay=Y\n"
             << "UseDataDictionary=Y\n"
             << "DataDictionary=" << config_.data_dictionary << "\n"
             << "ResetOnLogon=Y\nResetOnLogout=Y\nResetOnDisconnect=Y\n";
    for (const std::string& client : config_.client_comp_ids) {
      settings << "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=" << config_.comp_id
               << "\nTargetCompID=" << client << "\n";
    }
    if (!restrict_listen_address(config_.port, config_.host)) {
      throw std::runtime_error("option flow: host '" + config_.host + "' is not an IPv4 address");
    }
    try {
      std::istringstream in(settings.str());
      settings_ = std::make_unique<FIX::SessionSettings>(in);
      acceptor_ = std::make_unique<FIX::ThreadedSocketAcceptor>(*this, store_factory_, *settings_);
      acceptor_->start();
    } catch (const FIX::Exception& e) {
      release_listen_address(config_.port);
      throw std::runtime_error(std::string("option flow: ") + e.what());
    }
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
    if (acceptor_) {
      acceptor_->stop(true);
      acceptor_.reset();
    }
    release_listen_address(config_.port);
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
      double bid = 0.0;
      double ask = 0.0;
      if (!prices_(symbol, bid, ask) || !(ask > 0.0)) continue;
      const double price = desk_buys ? (bid > 0.0 ? bid : ask) : ask;
      std::vector<FIX::SessionID> targets = logged_on_;
      const std::uint64_t id = ++next_id_;
      lock.unlock();
      // A trade counts once QuickFIX took it for a logged-on client (sent, or queued for resend
      // within the session); one that found every session gone is not made at all.
      bool delivered = false;
      for (const FIX::SessionID& target : targets) {
        FIX44::ExecutionReport report(
            FIX::OrderID("MM" + std::to_string(id)), FIX::ExecID("DC" + std::to_string(id)),
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
  OptionPriceSource prices_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::mt19937_64 rng_;
  OptionFlowStats stats_;
  std::vector<FIX::SessionID> logged_on_;
  std::uint64_t next_id_ = 0;
  double desk_buy_share_ = config_.desk_buy_share;  // the scenario's skew, or as configured
  double rate_multiple_ = 1.0;
  bool running_ = false;
  std::thread trader_;
  FIX::MemoryStoreFactory store_factory_;
  std::unique_ptr<FIX::SessionSettings> settings_;
  std::unique_ptr<FIX::ThreadedSocketAcceptor> acceptor_;
};

OptionFlow::OptionFlow(OptionFlowConfig config, OptionPriceSource prices)
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
