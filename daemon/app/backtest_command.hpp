// `hedged backtest`: the real engine on a virtual clock over simulated paths or a quote file,
// several hedge policies on the same paths, results as JSON, CSV and a self-contained HTML
// report. Called from main on the main thread; it starts its own worker threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hedged::app {

struct BacktestOptions {
  std::string config_path;
  std::optional<std::uint64_t> paths;  // overrides backtest.paths
  std::optional<std::uint64_t> seed;   // overrides backtest.seed
  std::string out_dir = "backtest-out";
  bool json = false;     // the summary JSON on stdout instead of the table
  unsigned threads = 0;  // 0: std::thread::hardware_concurrency()
  bool progress = true;  // progress on stderr
};

// Everything a run produces; the bytes depend only on the config, paths and seed (never on
// the thread count or scheduling).
struct BacktestOutput {
  std::string error;  // "file:line:column: message" for a rejected config, else empty
  std::string summary_json;
  std::string paths_csv;
  std::string attribution_csv;
  std::string report_html;
  std::string table;
  std::uint64_t events = 0;  // engine events over all paths and policies
  double seconds = 0.0;      // wall time of the paths (not in any output file)
};

[[nodiscard]] BacktestOutput run_backtest(const BacktestOptions& options);

// The command line: `hedged backtest -c FILE [--paths N] [--seed S] [--out DIR] [--json]
// [--threads N]`. Exit status 0, 2 for a rejected config, 1 when the output cannot be written,
// 64 for a usage error.
int backtest_command(const std::vector<std::string>& args);

[[nodiscard]] const char* backtest_usage() noexcept;

}  // namespace hedged::app
