// Agents and the threads that run them. An agent owns its state and does a bounded amount of
// work per do_work(now) call; an AgentRunner calls it in a loop on one thread with an idle
// strategy between calls that found nothing to do. Tests run agents on their own thread.
#pragma once

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <system_error>
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

// Cuts an agent's back-off sleep short when another thread has work for it (an order queued for
// the gateway, an intent for the journal agent under write-ahead). wake() is an atomic add, plus
// a futex wake only while the agent sleeps: cheap for a waker on a latency path. A wake between
// the agent's look at its queues and its sleep is not lost (the sleep does not begin).
class Wakeup {
 public:
  // The agent's runner: before looking for work...
  [[nodiscard]] std::uint32_t ticket() const noexcept {
    return word_.load(std::memory_order_acquire);
  }
  // ...and, having found none, instead of sleep_for: returns early on wake().
  void sleep(std::uint32_t ticket, std::chrono::microseconds timeout) noexcept {
    sleeping_.store(true, std::memory_order_seq_cst);
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(timeout.count() / 1'000'000);
    ts.tv_nsec = static_cast<long>((timeout.count() % 1'000'000) * 1000);
    // Returns at once when the word moved on since `ticket` (EAGAIN), on wake, or on timeout.
    (void)::syscall(SYS_futex, &word_, FUTEX_WAIT_PRIVATE, ticket, &ts, nullptr, 0);
    sleeping_.store(false, std::memory_order_relaxed);
  }
  // Any thread.
  void wake() noexcept {
    word_.fetch_add(1, std::memory_order_seq_cst);
    if (sleeping_.load(std::memory_order_seq_cst)) {
      (void)::syscall(SYS_futex, &word_, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    }
  }

 private:
  static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
  alignas(64) std::atomic<std::uint32_t> word_{0};
  std::atomic<bool> sleeping_{false};
};

class IdleStrategy {
 public:
  explicit IdleStrategy(IdleConfig config) : config_(config), sleep_(config.min_sleep) {}

  // With a Wakeup, the sleep ends early when it is woken (ticket: taken before the work).
  void idle(int work_count, Wakeup* wakeup = nullptr, std::uint32_t ticket = 0) noexcept {
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
      if (wakeup != nullptr) {
        wakeup->sleep(ticket, sleep_);
      } else {
        std::this_thread::sleep_for(sleep_);
      }
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
// and is kept for the owner to report; it never unwinds through another thread. A cpu >= 0 pins
// the thread to that CPU before its first do_work (a CPU it may not use fails the agent).
class AgentRunner {
 public:
  AgentRunner(Agent& agent, IdleConfig idle, int cpu = -1, Wakeup* wakeup = nullptr)
      : agent_(agent), idle_(idle), cpu_(cpu), wakeup_(wakeup) {}
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
      // Named for top -H, perf and gdb (the kernel keeps 15 characters).
      char thread_name[16] = {};
      std::strncat(thread_name, agent_.name(), sizeof thread_name - 1);
      pthread_setname_np(pthread_self(), thread_name);
      if (cpu_ >= 0) pin_to(cpu_);
      while (running_.load(std::memory_order_acquire)) {
        const std::uint32_t ticket = wakeup_ != nullptr ? wakeup_->ticket() : 0;
        idle_.idle(agent_.do_work(wall_clock_ns()), wakeup_, ticket);
      }
    } catch (const std::exception& e) {
      failure_ = e.what();
      failed_.store(true, std::memory_order_release);
    } catch (...) {
      failure_ = "unknown exception";
      failed_.store(true, std::memory_order_release);
    }
  }

  static void pin_to(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (cpu >= CPU_SETSIZE) throw std::runtime_error("cannot pin to CPU " + std::to_string(cpu));
    CPU_SET(cpu, &set);
    const int error = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
    if (error != 0) {
      throw std::runtime_error("cannot pin to CPU " + std::to_string(cpu) + ": " +
                               std::system_category().message(error));
    }
  }

  Agent& agent_;
  IdleStrategy idle_;
  int cpu_;
  Wakeup* wakeup_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<bool> failed_{false};
  std::string failure_;
};

}  // namespace hedged::runtime
