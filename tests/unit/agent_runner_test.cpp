// AgentRunner: names its thread after the agent, pins it when given a CPU (engine.engine_cpu),
// and reports a CPU it cannot use as the agent's failure instead of running unpinned.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "daemon/runtime/agent.hpp"

namespace hedged::runtime {
namespace {

using namespace std::chrono_literals;

class Recorder final : public Agent {
 public:
  const char* name() const noexcept override { return "engine"; }
  int do_work(TimeNs) override {
    if (calls_.load(std::memory_order_relaxed) == 0) {
      char name[16] = {};
      pthread_getname_np(pthread_self(), name, sizeof name);
      thread_name_ = name;
      cpu_ = sched_getcpu();
    }
    calls_.fetch_add(1, std::memory_order_release);
    return 0;
  }
  bool wait_for_calls() const {
    for (int i = 0; i < 500 && calls_.load(std::memory_order_acquire) == 0; ++i) {
      std::this_thread::sleep_for(2ms);
    }
    return calls_.load(std::memory_order_acquire) > 0;
  }
  std::atomic<int> calls_{0};
  std::string thread_name_;  // written before the first release increment of calls_
  int cpu_ = -1;
};

// The highest CPU this process may run on (a container may not allow CPU 0).
int last_allowed_cpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  int last = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) last = cpu;
  }
  return last;
}

TEST(AgentRunner, names_the_thread_and_pins_it_to_the_cpu_given) {
  const int cpu = last_allowed_cpu();
  Recorder agent;
  AgentRunner runner(agent, IdleConfig{}, cpu);
  runner.start();
  ASSERT_TRUE(agent.wait_for_calls());
  runner.stop();
  EXPECT_FALSE(runner.failed());
  EXPECT_EQ(agent.thread_name_, "engine");
  EXPECT_EQ(agent.cpu_, cpu);
}

TEST(AgentRunner, a_cpu_it_cannot_use_fails_the_agent_with_the_reason) {
  Recorder agent;
  AgentRunner runner(agent, IdleConfig{}, 1023);
  runner.start();
  for (int i = 0; i < 500 && !runner.failed(); ++i) std::this_thread::sleep_for(2ms);
  ASSERT_TRUE(runner.failed());
  runner.stop();
  EXPECT_NE(runner.failure().find("cannot pin to CPU 1023"), std::string::npos) << runner.failure();
  EXPECT_EQ(agent.calls_.load(), 0);
}

}  // namespace
}  // namespace hedged::runtime
