// Agents and the threads that run them. An agent owns its state and does a bounded amount of
// work per do_work(now) call; an AgentRunner calls it in a loop on one thread with an idle
// strategy between calls that found nothing to do. Tests run agents on their own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <thread>

#include "core/model/types.hpp"

namespace hedged::runtime {

[[nodiscard]] inline TimeNs wall_clock_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class Agent {
 public:
  virtual ~Agent() = default;
  [[nodiscard]] virtual const char* name() const noexcept = 0;
  // Returns how much work was done; 0 lets the runner idle.
  virtual int do_work(TimeNs now) = 0;
};

enum class IdleKind : std::uint8_t {
  kSpin,     // never gives up the core: lowest latency, one core per agent
  kBackoff,  // spin briefly, then yield, then sleep up to max_sleep: for shared machines
};

struct IdleConfig {
  IdleKind kind = IdleKind::kBackoff;
  std::uint32_t spins = 64;
  std::uint32_t yields = 16;
  std::chrono::microseconds min_sleep{10};
  std::chrono::microseconds max_sleep{1000};
};

class IdleStrategy {
 public:
  explicit IdleStrategy(IdleConfig config) : config_(config), sleep_(config.min_sleep) {}

  void idle(int work_count) noexcept {
    if (work_count > 0) {
      reset();
      return;
    }
    if (config_.kind == IdleKind::kSpin) {
      cpu_relax();
      return;
    }
    if (spins_ < config_.spins) {
      ++spins_;
      cpu_relax();
    } else if (yields_ < config_.yields) {
      ++yields_;
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(sleep_);
      sleep_ = std::min(sleep_ * 2, config_.max_sleep);
    }
  }

  void reset() noexcept {
    spins_ = 0;
    yields_ = 0;
    sleep_ = config_.min_sleep;
  }

 private:
  static void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

  IdleConfig config_;
  std::uint32_t spins_ = 0;
  std::uint32_t yields_ = 0;
  std::chrono::microseconds sleep_;
};

// Runs one agent on its own thread until stop(). An exception escaping do_work stops the agent
// and is kept for the owner to report; it never unwinds through another thread.
class AgentRunner {
 public:
  AgentRunner(Agent& agent, IdleConfig idle) : agent_(agent), idle_(idle) {}
  ~AgentRunner() { stop(); }
  AgentRunner(const AgentRunner&) = delete;
  AgentRunner& operator=(const AgentRunner&) = delete;

  void start() {
    running_.store(true, std::memory_order_release);
    thread_ = std::thread([this] { run(); });
  }

  void stop() {
    running_.store(false, std::memory_order_release);
    if (thread_.joinable()) thread_.join();
  }

  [[nodiscard]] bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }
  // Valid once failed() is true.
  [[nodiscard]] const std::string& failure() const noexcept { return failure_; }
  [[nodiscard]] const char* name() const noexcept { return agent_.name(); }

 private:
  void run() {
    try {
      while (running_.load(std::memory_order_acquire)) {
        idle_.idle(agent_.do_work(wall_clock_ns()));
      }
    } catch (const std::exception& e) {
      failure_ = e.what();
      failed_.store(true, std::memory_order_release);
    } catch (...) {
      failure_ = "unknown exception";
      failed_.store(true, std::memory_order_release);
    }
  }

  Agent& agent_;
  IdleStrategy idle_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<bool> failed_{false};
  std::string failure_;
};

}  // namespace hedged::runtime
