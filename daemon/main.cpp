// hedged: command-line entry point. Parses the command, loads the configuration, and for `run`
// owns the process's signals: SIGINT/SIGTERM stop hedging, cancel working orders, log out of
// FIX and exit 0; SIGHUP re-reads the limits file; SIGUSR1 halts (kill switch); SIGUSR2 asks
// for a manual resume.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <pthread.h>

#include <spdlog/spdlog.h>

#include "daemon/app/backtest_command.hpp"
#include "daemon/app/daemon.hpp"
#include "daemon/app/journal_command.hpp"
#include "daemon/app/logging.hpp"
#include "daemon/app/quant_cli.hpp"
#include "daemon/app/venue_command.hpp"
#include "daemon/config/config.hpp"
#include "daemon/config/scenario.hpp"
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
      "  venue [-c FILE] [--scenario SCENARIO_FILE] [--stats-file PATH]\n"
      "                          run the FIX venue simulator alone, on FILE's market and FIX\n"
      "                          port; a scenario (config/scenarios/*.yaml) plays from start;\n"
      "                          PATH gets its records as JSON every 200 ms and at exit;\n"
      "                          SIGUSR1 makes a 1 s venue outage (every session logged out)\n"
      "  check-config FILE...    validate main configs and limits files (told apart by\n"
      "                          their keys), print a summary, exit 0 only if all are valid\n"
      "  backtest -c FILE [--paths N] [--seed S] [--out DIR] [--json] [--threads N]\n"
      "                          run the engine on a virtual clock over simulated paths or a\n"
      "                          quote file and compare hedge policies (config/backtest/);\n"
      "                          N threads run the paths (default: one per core)\n"
      "  journal verify|inspect|tail DIR [-c FILE] [-n N] [--follow]\n"
      "                          check a journal directory, print its records (instruments by\n"
      "                          symbol with the config FILE), or follow it\n"
      "  price --right call|put --spot S --strike K --rate r --vol v --expiry-years T ...\n"
      "                          price and Greeks of one option as JSON (European or American,\n"
      "                          BSM or Black-76; hedged price --help)\n"
      "  iv --right call|put --price P --spot S --strike K --rate r --expiry-years T ...\n"
      "                          implied vol of one option price as JSON (hedged iv --help)\n"
      "  version                 print the version\n"
      "  help, --help, -h        print this help\n"
      "\n"
      "run stops on SIGINT or SIGTERM: it halts hedging, cancels working orders, logs out\n"
      "of FIX and exits 0. SIGHUP re-reads the limits file (it is also re-read when it\n"
      "changes); SIGUSR1 halts trading (kill switch); SIGUSR2 resumes what has cleared.\n"
      "The admin API (admin.listen, default 127.0.0.1:8080) does the same over HTTP;\n"
      "`hedgectl status|halt|resume|flatten|reload` is its client.\n"
      "Exit status 2 means a configuration was rejected; 1 means the daemon could not\n"
      "start or failed while running.\n",
      HEDGED_VERSION, kDefaultConfig);
}

const char* command_usage(const std::string& command) {
  if (command == "run") {
    return "usage: hedged run [-c FILE]\n"
           "  runs the daemon on FILE (default config/default.yaml) until SIGINT or SIGTERM:\n"
           "  halt, cancel working orders, FIX logout, exit 0. SIGHUP re-reads the limits file,\n"
           "  SIGUSR1 halts (kill switch), SIGUSR2 resumes. Exit 2: configuration rejected;\n"
           "  1: could not start or failed while running.\n";
  }
  if (command == "venue") {
    return "usage: hedged venue [-c FILE] [--scenario SCENARIO_FILE] [--stats-file PATH]\n"
           "  runs the FIX venue simulator alone on FILE's market and FIX port (a daemon with\n"
           "  venue.embedded: false trades with it, e.g. config/standalone_venue.yaml); a\n"
           "  scenario (config/scenarios/*.yaml) plays from the start; PATH gets its records as\n"
           "  JSON every 200 ms and at exit. SIGUSR1: a 1 s outage; SIGINT/SIGTERM: exit 0.\n";
  }
  return "usage: hedged check-config FILE...\n"
         "  validates main configs and limits files (told apart by their keys), prints a\n"
         "  summary of each; exit 0 only if all are valid, 2 otherwise.\n";
}

struct Options {
  std::string config_path = kDefaultConfig;
  std::vector<std::string> files;  // check-config: every file named (-c or positional)
  std::string scenario_path;       // venue: --scenario FILE
  std::string stats_file;          // venue: --stats-file PATH
  bool ok = true;
  std::string error;
};

Options parse_options(const std::vector<std::string>& args) {
  Options options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "-c" || a == "--config") && i + 1 < args.size()) {
      options.config_path = args[++i];
      options.files.push_back(options.config_path);
    } else if (a.rfind("--config=", 0) == 0) {
      options.config_path = a.substr(9);
      options.files.push_back(options.config_path);
    } else if (a == "--scenario" && i + 1 < args.size()) {
      options.scenario_path = args[++i];
    } else if (a.rfind("--scenario=", 0) == 0) {
      options.scenario_path = a.substr(11);
    } else if (a == "--stats-file" && i + 1 < args.size()) {
      options.stats_file = args[++i];
    } else if (a.rfind("--stats-file=", 0) == 0) {
      options.stats_file = a.substr(13);
    } else if (!a.empty() && a[0] != '-') {
      options.files.push_back(a);
    } else {
      options.ok = false;
      options.error = "unknown or incomplete option '" + a + "'";
      return options;
    }
  }
  return options;
}

// Main configs are checked first so that limits files named with one are matched against its
// underlyings; a limits file alone is checked on its own.
int check_config(const Options& options) {
  namespace config = hedged::config;
  std::vector<std::string> files = options.files;
  if (files.empty()) files.push_back(options.config_path);
  int status = 0;
  std::optional<config::DaemonConfig> main_config;
  std::vector<std::string> limits_files;
  for (const std::string& path : files) {
    const config::FileKindResult kind = config::detect_file_kind(path);
    if (kind.kind == config::FileKind::kUnknown) {
      std::fprintf(stderr, "%s\n", kind.error.c_str());
      status = 2;
      continue;
    }
    if (kind.kind == config::FileKind::kLimits) {
      limits_files.push_back(path);
      continue;
    }
    auto loaded = config::load_file(path, hedged::runtime::wall_clock_ns());
    if (!loaded.config) {
      std::fprintf(stderr, "%s\n", loaded.error.c_str());
      status = 2;
      continue;
    }
    const auto& c = *loaded.config;
    std::printf(
        "%s: valid main config: %zu underlyings, %zu option positions, %zu instruments, FIX "
        "%s->%s at %s:%d%s; limits: %s\n",
        path.c_str(), c.engine.underlyings.size(), c.engine.book.size(),
        c.engine.instruments.size(), c.fix.sender_comp_id.c_str(), c.fix.target_comp_id.c_str(),
        c.fix.host.c_str(), c.fix.port, c.venue.embedded ? " (embedded venue simulator)" : "",
        c.risk.limits_file.empty() ? "built-in defaults" : c.risk.limits_file.c_str());
    if (!main_config) main_config = std::move(loaded.config);
  }
  for (const std::string& path : limits_files) {
    const config::LimitsLoadResult loaded =
        config::load_limits_file(path, main_config ? &main_config->engine : nullptr);
    if (!loaded.limits) {
      std::fprintf(stderr, "%s\n", loaded.error.c_str());
      status = 2;
      continue;
    }
    std::string names;
    for (const std::string& n : loaded.limits->named_underlyings)
      names += (names.empty() ? "" : ", ") + n;
    std::printf("%s: valid limits file: underlying sections: %s%s\n", path.c_str(),
                names.empty() ? "none (defaults only)" : names.c_str(),
                main_config ? "" : " (not matched against a main config: name one to check that)");
  }
  return status;
}

// The signals `run` and `venue` wait for. main blocks them before anything else (threads inherit
// the mask), so one that arrives while the configuration loads or the sessions start stays
// pending and is taken by the wait loop: a stop at any point of the start is a clean exit 0.
sigset_t process_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGUSR1);
  sigaddset(&signals, SIGUSR2);
  return signals;
}

int run(const Options& options) {
  const sigset_t signals = process_signals();

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
        spdlog::info("SIGHUP received: re-reading the limits file");
        daemon.request_reload("SIGHUP");
      } else if (sig == SIGUSR1) {
        spdlog::warn("SIGUSR1 received: kill switch, halting");
        daemon.command(hedged::Command::kHalt, "kill switch: SIGUSR1");
      } else if (sig == SIGUSR2) {
        spdlog::info("SIGUSR2 received: manual resume");
        daemon.command(hedged::Command::kResume, "manual resume: SIGUSR2");
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

// The venue simulator on its own: until SIGINT or SIGTERM. SIGUSR1: a 1 s outage.
int venue(const Options& options) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR1);
  const auto loaded =
      hedged::config::load_file(options.config_path, hedged::runtime::wall_clock_ns());
  if (!loaded.config) {
    std::fprintf(stderr, "hedged venue: configuration rejected: %s\n", loaded.error.c_str());
    return 2;
  }
  std::optional<hedged::sim::Scenario> scenario;
  if (!options.scenario_path.empty()) {
    auto loaded_scenario = hedged::config::load_scenario_file(options.scenario_path);
    if (!loaded_scenario.scenario) {
      std::fprintf(stderr, "hedged venue: scenario rejected: %s\n", loaded_scenario.error.c_str());
      return 2;
    }
    scenario = std::move(loaded_scenario.scenario);
  }
  hedged::app::init_logging(loaded.config->logging);
  int status = 0;
  {
    hedged::app::StandaloneVenue venue(*loaded.config, scenario ? &*scenario : nullptr);
    try {
      venue.start();
    } catch (const std::exception& e) {
      spdlog::critical("venue cannot start: {}", e.what());
      hedged::app::shutdown_logging();
      return 1;
    }
    spdlog::info("venue simulator {} ({} instruments from {}); client {}", venue.endpoint(),
                 loaded.config->engine.instruments.size(), options.config_path,
                 loaded.config->fix.sender_comp_id);
    // The stats file is rewritten every 200 ms; the progress line is logged every 10 s.
    const bool stats_file = !options.stats_file.empty();
    const auto write_stats = [&] {
      if (!stats_file) return;
      const std::string json =
          hedged::app::venue_summary_json(venue.stats(), venue.option_flow_stats(), true);
      if (!hedged::app::write_file_atomically(options.stats_file, json + "\n")) {
        spdlog::error("venue: cannot write the stats file {}", options.stats_file);
      }
    };
    write_stats();
    const auto log_every = std::chrono::seconds(10);
    auto next_log = std::chrono::steady_clock::now() + log_every;
    int sig = 0;
    while (sig != SIGINT && sig != SIGTERM) {
      timespec tick = stats_file ? timespec{0, 200'000'000} : timespec{10, 0};
      sig = sigtimedwait(&signals, nullptr, &tick);
      if (sig == SIGUSR1) {
        spdlog::warn("venue: SIGUSR1, a 1 s outage");
        venue.outage_for(std::chrono::seconds(1));
      }
      write_stats();
      if (std::chrono::steady_clock::now() >= next_log) {
        next_log += log_every;
        const hedged::venue::VenueStats st = venue.stats();
        spdlog::info("venue: {} orders, {} fills, {} rejects, {} cancels, {} resting", st.orders,
                     st.fills, st.rejects, st.cancels, st.resting);
      }
    }
    spdlog::info("venue stopping: {}", sig == SIGINT ? "SIGINT" : "SIGTERM");
    venue.stop();
    write_stats();
    const hedged::venue::VenueStats st = venue.stats();
    spdlog::info("venue stopped: {} orders, {} fills, {} rejects, {} cancels", st.orders, st.fills,
                 st.rejects, st.cancels);
    // One machine-readable line with what the venue's records say at the end: what its clients
    // bought and sold, and the option flow it reported on the drop copy.
    spdlog::info("venue summary: {}",
                 hedged::app::venue_summary_json(st, venue.option_flow_stats(), false));
  }
  hedged::app::shutdown_logging();
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  // First, before any allocation or file access: `run` and `venue` own their signals.
  if (argc > 1 && (std::strcmp(argv[1], "run") == 0 || std::strcmp(argv[1], "venue") == 0)) {
    const sigset_t signals = process_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  }
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
  if (command == "journal") return hedged::app::journal_command(args);
  if (command == "run" || command == "venue" || command == "check-config") {
    for (const std::string& a : args) {
      if (a == "--help" || a == "-h") {
        std::fputs(command_usage(command), stdout);
        return 0;
      }
    }
  }
  if (command == "backtest") return hedged::app::backtest_command(args);
  const Options options = parse_options(args);
  if (!options.ok) {
    std::fprintf(stderr, "hedged %s: %s (see hedged --help)\n", command.c_str(),
                 options.error.c_str());
    return 64;
  }
  if (!options.stats_file.empty() && command != "venue") {
    std::fprintf(stderr,
                 "hedged %s: --stats-file is an option of `hedged venue` (see hedged --help)\n",
                 command.c_str());
    return 64;
  }
  if (!options.scenario_path.empty() && command != "venue") {
    std::fprintf(stderr,
                 "hedged %s: --scenario is an option of `hedged venue` (see hedged --help)\n",
                 command.c_str());
    return 64;
  }
  if (command == "run") return run(options);
  if (command == "venue") return venue(options);
  if (command == "check-config") return check_config(options);
  std::fprintf(stderr, "hedged: unknown command '%s' (see hedged --help)\n", command.c_str());
  return 64;
}
