// `hedged price` and `hedged iv`: one-shot pricing and implied volatility for quants, printing
// one JSON object on standard output. Called from main on the main thread.
#pragma once

#include <string>
#include <vector>

namespace hedged::app {

// Exit status: 0 on success, 1 when the inputs are valid but have no answer (a price outside
// the no-arbitrage bounds), 64 for a usage error (message on standard error).
int run_price_command(const std::vector<std::string>& args);
int run_iv_command(const std::vector<std::string>& args);

[[nodiscard]] const char* price_usage() noexcept;
[[nodiscard]] const char* iv_usage() noexcept;

}  // namespace hedged::app
