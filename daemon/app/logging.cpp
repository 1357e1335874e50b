#include "daemon/app/logging.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace hedged::app {

void init_logging(const config::LoggingConfig& config) {
  spdlog::init_thread_pool(8192, 1);
  std::shared_ptr<spdlog::logger> logger;
  if (config.file.empty()) {
    logger = spdlog::create_async<spdlog::sinks::stderr_color_sink_mt>("hedged");
  } else {
    logger = spdlog::create_async<spdlog::sinks::basic_file_sink_mt>("hedged", config.file);
  }
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%-5l%$ %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(config.level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
}

void shutdown_logging() {
  if (auto logger = spdlog::default_logger()) logger->flush();
  spdlog::shutdown();
}

}  // namespace hedged::app
