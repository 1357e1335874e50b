// Logging set-up for the daemon: spdlog, asynchronous, to standard error or a file (rotated by
// size), as text or as JSON lines. main calls init_logging once before any agent starts and
// shutdown_logging last; set_level may be called from any thread at any time (e.g. on SIGHUP).
#pragma once

#include <string>
#include <string_view>

#include "daemon/config/config.hpp"

namespace hedged::app {

void init_logging(const config::LoggingConfig& config);
void shutdown_logging();

// Changes the level of every logger now: "trace", "debug", "info", "warn" or "error" (spdlog's
// "warning", "err", "critical" and "off" too). An unknown name changes nothing and returns false.
bool set_level(const std::string& level);

// `text` as the inside of a JSON string: quote, backslash and control characters escaped
// (\n, \t, ..., \u001b), bytes that are not UTF-8 replaced by \ufffd. What `format: json` writes
// for a message.
[[nodiscard]] std::string json_escape(std::string_view text);

}  // namespace hedged::app
