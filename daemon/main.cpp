// hedged: command-line entry point. Parses the command, loads the configuration, and for `run`
// owns the process's signals: SIGINT/SIGTERM stop hedging, cancel working orders, log out of
// FIX and exit 0.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <pthread.h>

#include <spdlog/spdlog.h>

#include "daemon/app/daemon.hpp"
#include "daemon/app/logging.hpp"
#include "daemon/app/quant_cli.hpp"
#include "daemon/config/config.hpp"
#include "daemon/runtime/agent.hpp"

namespace {

constexpr const char* kDefaultConfig = "config/default.yaml";

void print_help(std::FILE* out) {
  std::fprintf(
      out,
      "hedged %s: real-time delta hedging for an options book\n"
      "\n"
      "usage: hedged <command> [options]\n"
      "\n"
      "commands:\n"
      "  run [-c FILE]           run the daemon (default FILE: %s)\n"
      "  check-config [-c FILE]  load and validate FILE, print a summary, exit 0 if valid\n"
      "  version                 print the version\n"
      "  help, --help, -h        print this help\n"
      "\n"
      "run stops on SIGINT or SIGTERM: it halts hedging, cancels working orders, logs out\n"
      "of FIX and exits 0. Exit status 2 means the configuration was rejected; 1 means\n"
      "the daemon could not start or failed while running.\n",
      HEDGED_VERSION, kDefaultConfig);
}

struct Options {
  std::string config_path = kDefaultConfig;
  bool ok = true;
  std::string error;
};

Options parse_options(const std::vector<std::string>& args) {
  Options options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "-c" || a == "--config") && i + 1 < args.size()) {
      options.config_path = args[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      options.config_path = a.substr(9);
    } else {
      options.ok = false;
      options.error = "unknown or incomplete option '" + a + "'";
      return options;
    }
  }
  return options;
}

int check_config(const Options& options) {
  const auto loaded =
      hedged::config::load_file(options.config_path, hedged::runtime::wall_clock_ns());
  if (!loaded.config) {
    std::fprintf(stderr, "%s\n", loaded.error.c_str());
    return 2;
  }
  const auto& c = *loaded.config;
  std::printf(
      "%s: valid: %zu underlyings, %zu option positions, %zu instruments, FIX %s->%s at %s:%d%s\n",
      options.config_path.c_str(), c.engine.underlyings.size(), c.engine.book.size(),
      c.engine.instruments.size(), c.fix.sender_comp_id.c_str(), c.fix.target_comp_id.c_str(),
      c.fix.host.c_str(), c.fix.port, c.venue.embedded ? " (embedded venue simulator)" : "");
  return 0;
}

int run(const Options& options) {
  // Block the stop signals in every thread (threads inherit the mask); main waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const auto loaded =
      hedged::config::load_file(options.config_path, hedged::runtime::wall_clock_ns());
  if (!loaded.config) {
    std::fprintf(stderr, "hedged: configuration rejected: %s\n", loaded.error.c_str());
    return 2;
  }
  hedged::app::init_logging(loaded.config->logging);
  spdlog::info("hedged {} starting with {}", HEDGED_VERSION, options.config_path);

  int status = 0;
  {
    hedged::app::Daemon daemon(*loaded.config);
    try {
      daemon.start();
    } catch (const std::exception& e) {
      spdlog::critical("cannot start: {}", e.what());
      hedged::app::shutdown_logging();
      return 1;
    }
    timespec tick{0, 200'000'000};
    for (;;) {
      const int sig = sigtimedwait(&signals, nullptr, &tick);
      if (sig == SIGINT || sig == SIGTERM) {
        daemon.stop(sig == SIGINT ? "SIGINT" : "SIGTERM");
        break;
      }
      if (sig == SIGHUP) {
        spdlog::info("SIGHUP received: this version has no reloadable settings; ignored");
      }
      const auto st = daemon.status();
      if (!st.failure.empty()) {
        spdlog::critical("{}", st.failure);
        daemon.stop("agent failure");
        status = 1;
        break;
      }
    }
  }
  spdlog::info("exit {}", status);
  hedged::app::shutdown_logging();
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_help(stderr);
    return 64;
  }
  const std::string command = args.front();
  args.erase(args.begin());
  if (command == "--help" || command == "-h" || command == "help") {
    print_help(stdout);
    return 0;
  }
  if (command == "version" || command == "--version") {
    std::printf("hedged %s\n", HEDGED_VERSION);
    return 0;
  }
  if (command == "price" || command == "iv") {
    if (!args.empty() && (args.front() == "--help" || args.front() == "-h")) {
      std::fputs(command == "price" ? hedged::app::price_usage() : hedged::app::iv_usage(), stdout);
      return 0;
    }
    return command == "price" ? hedged::app::run_price_command(args)
                              : hedged::app::run_iv_command(args);
  }
  const Options options = parse_options(args);
  if (!options.ok) {
    std::fprintf(stderr, "hedged %s: %s (see hedged --help)\n", command.c_str(),
                 options.error.c_str());
    return 64;
  }
  if (command == "run") return run(options);
  if (command == "check-config") return check_config(options);
  std::fprintf(stderr, "hedged: unknown command '%s' (see hedged --help)\n", command.c_str());
  return 64;
}
