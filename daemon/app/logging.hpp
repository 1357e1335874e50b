// Logging set-up for the daemon: spdlog, asynchronous, to standard error or a file.
// Called once by main before any agent starts.
#pragma once

#include "daemon/config/config.hpp"

namespace hedged::app {

void init_logging(const config::LoggingConfig& config);
void shutdown_logging();

}  // namespace hedged::app
