#include "daemon/app/logging.hpp"

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>

#include <spdlog/async.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/model/log_text.hpp"

namespace hedged::app {
namespace {

// RFC 3339 in UTC with microseconds, e.g. 2026-01-15T12:00:00.123456Z. %* is the message with its
// control characters escaped (TextMessageFlag): whatever a message carries, it is one line.
constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%fZ %^%-5l%$ %*";
// The most of one message a log line takes; the rest is cut with a marker saying how much.
constexpr std::size_t kMessageMaxBytes = 16 * 1024;
// One object per line. %* is the message escaped for a JSON string (JsonMessageFlag); the other
// fields never need escaping (a timestamp, spdlog's level names, our logger's name, a number).
constexpr const char* kJsonPattern =
    R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","logger":"%n","thread":%t,"msg":"%*"})";

// Calls put(const char* begin, const char* end) with the escaped pieces of `text`.
template <typename Put>
void escape_json(std::string_view text, Put&& put) {
  constexpr char kHex[] = "0123456789abcdef";
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c >= 0x80) {
      // A well-formed UTF-8 sequence is copied; anything else becomes U+FFFD, one byte at a time,
      // so that every line stays valid JSON whatever a message carries (RFC 3629 table 3-7).
      const std::size_t len = utf8_sequence_length(s + i, n - i);
      if (len != 0) {
        put(text.data() + i, text.data() + i + len);
        i += len;
      } else {
        constexpr std::string_view kReplacement = "\\ufffd";
        put(kReplacement.data(), kReplacement.data() + kReplacement.size());
        ++i;
      }
      continue;
    }
    const char* escaped = nullptr;
    switch (c) {
      case '"': escaped = "\\\""; break;
      case '\\': escaped = "\\\\"; break;
      case '\n': escaped = "\\n"; break;
      case '\r': escaped = "\\r"; break;
      case '\t': escaped = "\\t"; break;
      case '\b': escaped = "\\b"; break;
      case '\f': escaped = "\\f"; break;
      default: break;
    }
    if (escaped != nullptr) {
      put(escaped, escaped + 2);
    } else if (c < 0x20) {
      const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      put(u, u + 6);
    } else {
      put(text.data() + i, text.data() + i + 1);
    }
    ++i;
  }
}

class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*time*/,
              spdlog::memory_buf_t& dest) override {
    const std::string_view text(msg.payload.data(), msg.payload.size());
    escape_json(text.substr(0, kMessageMaxBytes),
                [&](const char* begin, const char* end) { dest.append(begin, end); });
    if (text.size() > kMessageMaxBytes) {
      const std::string cut = "…(+" + std::to_string(text.size() - kMessageMaxBytes) + " bytes)";
      dest.append(cut.data(), cut.data() + cut.size());
    }
  }
  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

class TextMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*time*/,
              spdlog::memory_buf_t& dest) override {
    // Backslashes stay as they are: fields escaped with log_safe are not escaped twice.
    const std::string safe =
        log_safe(std::string_view(msg.payload.data(), msg.payload.size()), kMessageMaxBytes, false);
    dest.append(safe.data(), safe.data() + safe.size());
  }
  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<TextMessageFlag>();
  }
};

std::unique_ptr<spdlog::formatter> make_formatter(const std::string& format) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (format == "json") {
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(kJsonPattern);
  } else {
    formatter->add_flag<TextMessageFlag>('*').set_pattern(kTextPattern);
  }
  return formatter;
}

// spdlog answers `off` for a name it does not know.
bool level_from_name(const std::string& name, spdlog::level::level_enum& level) {
  level = spdlog::level::from_str(name);
  return level != spdlog::level::off || name == "off";
}

}  // namespace

std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  escape_json(text, [&](const char* begin, const char* end) { out.append(begin, end); });
  return out;
}

void init_logging(const config::LoggingConfig& config) {
  spdlog::init_thread_pool(8192, 1);
  std::shared_ptr<spdlog::logger> logger;
  if (config.file.empty()) {
    logger = spdlog::create_async<spdlog::sinks::stderr_color_sink_mt>("hedged");
  } else if (config.max_size_bytes == 0) {
    logger = spdlog::create_async<spdlog::sinks::basic_file_sink_mt>("hedged", config.file);
  } else {
    // spdlog's max_files counts the older files only, ours the file being written as well.
    const auto older_files =
        static_cast<std::size_t>(config.max_files > 1 ? config.max_files - 1 : 0);
    logger = spdlog::create_async<spdlog::sinks::rotating_file_sink_mt>(
        "hedged", config.file, static_cast<std::size_t>(config.max_size_bytes), older_files);
  }
  logger->set_formatter(make_formatter(config.format));
  spdlog::level::level_enum level = spdlog::level::info;
  if (!level_from_name(config.level, level)) level = spdlog::level::info;
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
}

bool set_level(const std::string& level) {
  spdlog::level::level_enum parsed = spdlog::level::info;
  if (!level_from_name(level, parsed)) return false;
  spdlog::set_level(parsed);  // every registered logger, under the registry's lock
  return true;
}

void shutdown_logging() {
  if (auto logger = spdlog::default_logger()) logger->flush();
  spdlog::shutdown();
}

}  // namespace hedged::app
