// Unit tests for the daemon's logging: JSON lines (escaping, every line valid JSON that decodes
// back to the message), the unchanged text format, size-based rotation of the log file, changing
// the level at run time, and the loader's `logging` keys.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <spdlog/spdlog.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/app/logging.hpp"
#include "daemon/config/config.hpp"
#include "tests/support/test_support.hpp"

namespace {

using hedged::app::init_logging;
using hedged::app::json_escape;
using hedged::app::set_level;
using hedged::app::shutdown_logging;
using hedged::config::LoggingConfig;
using hedged::testing::TempDir;
using ::testing::HasSubstr;

std::vector<std::string> read_lines(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// ---- a small strict JSON reader: one object of string keys to strings or integers ------------

void append_utf8(std::uint32_t code, std::string& out) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

class JsonLine {
 public:
  explicit JsonLine(std::string_view text) : s_(text) {}

  // The members, or nullopt unless the whole line is one such object (RFC 8259 syntax).
  std::optional<std::map<std::string, std::string>> parse_object() {
    std::map<std::string, std::string> members;
    if (!take('{')) return std::nullopt;
    if (take('}')) return at_end() ? std::optional(members) : std::nullopt;
    do {
      std::string key;
      std::string value;
      if (!string(key) || !take(':')) return std::nullopt;
      if (peek() == '"') {
        if (!string(value)) return std::nullopt;
      } else if (!integer(value)) {
        return std::nullopt;
      }
      if (!members.emplace(key, value).second) return std::nullopt;  // duplicate key
    } while (take(','));
    if (!take('}')) return std::nullopt;
    return at_end() ? std::optional(members) : std::nullopt;
  }

 private:
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  bool take(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  bool at_end() const { return i_ == s_.size(); }

  bool integer(std::string& out) {
    const std::size_t start = i_;
    take('-');
    if (peek() < '0' || peek() > '9') return false;
    while (peek() >= '0' && peek() <= '9') ++i_;
    out = std::string(s_.substr(start, i_ - start));
    return true;
  }

  bool string(std::string& out) {
    if (!take('"')) return false;
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;  // raw control characters are not allowed in a JSON string
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      const char e = peek();
      ++i_;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (i_ + 4 > s_.size()) return false;
          std::uint32_t code = 0;
          for (int k = 0; k < 4; ++k) {
            const char h = s_[i_++];
            code <<= 4;
            if (h >= '0' && h <= '9') {
              code |= static_cast<std::uint32_t>(h - '0');
            } else if (h >= 'a' && h <= 'f') {
              code |= static_cast<std::uint32_t>(h - 'a' + 10);
            } else if (h >= 'A' && h <= 'F') {
              code |= static_cast<std::uint32_t>(h - 'A' + 10);
            } else {
              return false;
            }
          }
          if (code >= 0xD800 && code <= 0xDFFF) return false;  // no surrogates are written
          append_utf8(code, out);
          break;
        }
        default: return false;
      }
    }
    return false;  // unterminated
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

std::optional<std::map<std::string, std::string>> parse_json_line(const std::string& line) {
  return JsonLine(line).parse_object();
}

TEST(JsonLineReader, accepts_objects_and_rejects_what_json_does_not_allow) {
  EXPECT_TRUE(parse_json_line(R"({"a":"x\"y","b":-12})").has_value());
  EXPECT_EQ(parse_json_line(R"({"m":"a\u00e9\n"})")->at("m"), "a\xC3\xA9\n");
  EXPECT_FALSE(parse_json_line("{\"a\":\"raw\nnewline\"}").has_value());
  EXPECT_FALSE(parse_json_line(R"({"a":"bad \q escape"})").has_value());
  EXPECT_FALSE(parse_json_line(R"({"a":"unterminated})").has_value());
  EXPECT_FALSE(parse_json_line(R"({"a":"x"} trailing)").has_value());
  EXPECT_FALSE(parse_json_line(R"({"a":"x","a":"y"})").has_value());
}

// ---- escaping -----------------------------------------------------------------------------------

TEST(JsonEscape, escapes_quotes_backslashes_and_control_characters) {
  EXPECT_EQ(json_escape("plain text / 100%"), "plain text / 100%");
  EXPECT_EQ(json_escape(R"(say "hi")"), R"(say \"hi\")");
  EXPECT_EQ(json_escape(R"(C:\logs\hedged)"), R"(C:\\logs\\hedged)");
  EXPECT_EQ(json_escape("a\nb\r\tc"), R"(a\nb\r\tc)");
  EXPECT_EQ(json_escape("\b\f"), R"(\b\f)");
  EXPECT_EQ(json_escape("\x01\x1b[31m\x1f"), R"(\u0001\u001b[31m\u001f)");
  EXPECT_EQ(json_escape(std::string_view("a\0b", 3)), R"(a\u0000b)");
  EXPECT_EQ(json_escape("\x7f"), "\x7f");  // DEL is allowed raw in JSON
  EXPECT_EQ(json_escape(R"(\")"), R"(\\\")");
}

TEST(JsonEscape, keeps_utf8_and_replaces_bytes_that_are_not) {
  EXPECT_EQ(json_escape("d\xC3\xA9lta \xE2\x82\xAC \xF0\x9F\x93\x88"),
            "d\xC3\xA9lta \xE2\x82\xAC \xF0\x9F\x93\x88");
  EXPECT_EQ(json_escape("\xFF"), R"(\ufffd)");
  EXPECT_EQ(json_escape("x\xE2\x82"), R"(x\ufffd\ufffd)");                    // truncated sequence
  EXPECT_EQ(json_escape("\xC0\xAF"), R"(\ufffd\ufffd)");                      // overlong '/'
  EXPECT_EQ(json_escape("\xED\xA0\x80"), R"(\ufffd\ufffd\ufffd)");            // a UTF-16 surrogate
  EXPECT_EQ(json_escape("\xF4\x90\x80\x80"), R"(\ufffd\ufffd\ufffd\ufffd)");  // above U+10FFFF
}

// ---- the log file -------------------------------------------------------------------------------

LoggingConfig file_config(const TempDir& dir, const std::string& format) {
  LoggingConfig config;
  config.file = (dir.path() / "hedged.log").string();
  config.format = format;
  return config;
}

TEST(Logging, json_format_writes_one_valid_object_per_line_that_decodes_to_the_message) {
  const TempDir dir("hedged-logging-test");
  const LoggingConfig config = file_config(dir, "json");
  const std::vector<std::string> messages = {
      "plain message",
      R"(quotes "inside" and a backslash \ here)",
      "two\nlines\r\nand\ttab",
      "bell \x07 escape \x1b[0m nul-free control \x1f",
      "utf-8: d\xC3\xA9lta \xE2\x82\xAC",
      R"({"already":"json"})",
  };
  init_logging(config);
  for (const std::string& m : messages) spdlog::info("{}", m);
  spdlog::warn("breaker {} tripped", "kill_switch");
  spdlog::debug("not shown at info");
  shutdown_logging();

  const std::vector<std::string> lines = read_lines(config.file);
  ASSERT_EQ(lines.size(), messages.size() + 1);
  const std::regex time(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto object = parse_json_line(lines[i]);
    ASSERT_TRUE(object.has_value()) << "not a JSON object: " << lines[i];
    EXPECT_EQ(object->size(), 5U) << lines[i];
    EXPECT_TRUE(std::regex_match(object->at("time"), time)) << object->at("time");
    EXPECT_EQ(object->at("logger"), "hedged");
    EXPECT_FALSE(object->at("thread").empty());
    if (i < messages.size()) {
      EXPECT_EQ(object->at("level"), "info");
      EXPECT_EQ(object->at("msg"), messages[i]);
    } else {
      EXPECT_EQ(object->at("level"), "warning");
      EXPECT_EQ(object->at("msg"), "breaker kill_switch tripped");
    }
  }
  // The exact bytes of one line's message.
  EXPECT_THAT(lines[1], HasSubstr(R"("msg":"quotes \"inside\" and a backslash \\ here"})"));
  EXPECT_THAT(lines[2], HasSubstr(R"("msg":"two\nlines\r\nand\ttab"})"));
  EXPECT_THAT(lines[3],
              HasSubstr(R"("msg":"bell \u0007 escape \u001b[0m nul-free control \u001f"})"));
  EXPECT_EQ(lines[0].rfind(R"({"time":")", 0), 0U) << lines[0];
}

TEST(Logging, text_format_is_unchanged_when_no_format_is_given) {
  const TempDir dir("hedged-logging-test");
  LoggingConfig config;
  config.file = (dir.path() / "hedged.log").string();
  init_logging(config);
  spdlog::info("hedged starting with {}", "config/default.yaml");
  spdlog::warn("careful");
  shutdown_logging();
  const std::vector<std::string> lines = read_lines(config.file);
  ASSERT_EQ(lines.size(), 2U);
  const std::regex info(
      R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z info  hedged starting with config/default\.yaml)");
  const std::regex warn(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z warning careful)");
  EXPECT_TRUE(std::regex_match(lines[0], info)) << lines[0];
  EXPECT_TRUE(std::regex_match(lines[1], warn)) << lines[1];
}

// Writes `count` numbered lines of about 100 bytes each.
void write_numbered(int count) {
  const std::string padding(80, 'x');
  for (int i = 0; i < count; ++i) spdlog::info("line {:05d} {}", i, padding);
}

std::set<std::string> files_in(const std::filesystem::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

TEST(Logging, rotation_keeps_at_most_max_files_files_of_at_most_max_size) {
  const TempDir dir("hedged-logging-test");
  LoggingConfig config = file_config(dir, "json");
  config.max_size_bytes = 4096;
  config.max_files = 3;
  init_logging(config);
  write_numbered(1000);  // ~170 kB of JSON lines: dozens of rotations
  shutdown_logging();

  EXPECT_EQ(files_in(dir.path()),
            (std::set<std::string>{"hedged.log", "hedged.1.log", "hedged.2.log"}));
  std::vector<int> numbers;  // oldest file first
  for (const char* name : {"hedged.2.log", "hedged.1.log", "hedged.log"}) {
    const auto path = dir.path() / name;
    EXPECT_LE(std::filesystem::file_size(path), 4096U) << name;
    EXPECT_GT(std::filesystem::file_size(path), 0U) << name;
    for (const std::string& line : read_lines(path)) {
      const auto object = parse_json_line(line);
      ASSERT_TRUE(object.has_value()) << name << ": " << line;
      numbers.push_back(std::stoi(object->at("msg").substr(5, 5)));
    }
  }
  // The newest lines, in order, without a gap; the last one written is in hedged.log.
  ASSERT_FALSE(numbers.empty());
  EXPECT_EQ(numbers.back(), 999);
  for (std::size_t i = 1; i < numbers.size(); ++i) EXPECT_EQ(numbers[i], numbers[i - 1] + 1);
  EXPECT_GT(numbers.size(), 50U);
}

TEST(Logging, one_file_means_the_file_is_started_again_when_full) {
  const TempDir dir("hedged-logging-test");
  LoggingConfig config = file_config(dir, "text");
  config.max_size_bytes = 2048;
  config.max_files = 1;
  init_logging(config);
  write_numbered(200);
  shutdown_logging();
  EXPECT_EQ(files_in(dir.path()), std::set<std::string>{"hedged.log"});
  EXPECT_LE(std::filesystem::file_size(dir.path() / "hedged.log"), 2048U);
  EXPECT_THAT(read_lines(dir.path() / "hedged.log").back(), HasSubstr("line 00199"));
}

TEST(Logging, max_size_zero_appends_to_one_file_without_rotating) {
  const TempDir dir("hedged-logging-test");
  LoggingConfig config = file_config(dir, "text");
  config.max_size_bytes = 0;
  dir.write("hedged.log", "a line from before\n");
  init_logging(config);
  write_numbered(200);
  shutdown_logging();
  EXPECT_EQ(files_in(dir.path()), std::set<std::string>{"hedged.log"});
  const std::vector<std::string> lines = read_lines(dir.path() / "hedged.log");
  ASSERT_EQ(lines.size(), 201U);
  EXPECT_EQ(lines.front(), "a line from before");
}

TEST(Logging, set_level_changes_what_is_logged_at_run_time) {
  const TempDir dir("hedged-logging-test");
  LoggingConfig config = file_config(dir, "text");
  config.level = "info";
  init_logging(config);
  spdlog::debug("hidden 1");
  spdlog::info("shown 1");
  EXPECT_TRUE(set_level("debug"));
  spdlog::debug("shown 2");
  spdlog::trace("hidden 2");
  EXPECT_FALSE(set_level("verbose"));  // unknown: the level stays debug
  EXPECT_FALSE(set_level(""));
  spdlog::debug("shown 3");
  EXPECT_TRUE(set_level("error"));
  spdlog::warn("hidden 3");
  spdlog::error("shown 4");
  EXPECT_TRUE(set_level("warn"));
  spdlog::info("hidden 4");
  spdlog::warn("shown 5");
  shutdown_logging();

  std::vector<std::string> shown;
  for (const std::string& line : read_lines(config.file)) {
    EXPECT_THAT(line, ::testing::Not(HasSubstr("hidden")));
    shown.push_back(line.substr(line.find("shown")));
  }
  EXPECT_EQ(shown,
            (std::vector<std::string>{"shown 1", "shown 2", "shown 3", "shown 4", "shown 5"}));
}

// ---- the loader's logging keys
// --------------------------------------------------------------------

hedged::config::LoadResult load_with_logging(const std::string& logging_lines) {
  const std::string text =
      hedged::testing::test_config({9878, 9464}, hedged::testing::dictionary_path()) +
      logging_lines;
  return hedged::config::load_text(text, "test.yaml", ".", 0);
}

TEST(LoggingConfig, defaults_are_text_and_100_mib_times_5_files) {
  const auto result = load_with_logging("");
  ASSERT_TRUE(result.config.has_value()) << result.error;
  EXPECT_EQ(result.config->logging.format, "text");
  EXPECT_EQ(result.config->logging.max_size_bytes, 100U * 1024 * 1024);
  EXPECT_EQ(result.config->logging.max_files, 5);
  EXPECT_EQ(result.config->logging.level, "info");
}

TEST(LoggingConfig, reads_format_size_with_units_and_file_count) {
  const std::map<std::string, std::uint64_t> sizes = {{"104857600", 104857600},
                                                      {"100MB", 100'000'000},
                                                      {"100 MB", 100'000'000},
                                                      {"64KiB", 65536},
                                                      {"2GiB", 2ULL << 30},
                                                      {"1GB", 1'000'000'000},
                                                      {"4096B", 4096},
                                                      {"2KB", 2000},
                                                      {"0", 0},
                                                      {"\"250MiB\"", 250ULL << 20},
                                                      {"1024GiB", 1ULL << 40}};
  for (const auto& [text, bytes] : sizes) {
    const auto result =
        load_with_logging("  format: json\n  max_size: " + text + "\n  max_files: 12\n");
    ASSERT_TRUE(result.config.has_value()) << text << ": " << result.error;
    EXPECT_EQ(result.config->logging.max_size_bytes, bytes) << text;
    EXPECT_EQ(result.config->logging.format, "json");
    EXPECT_EQ(result.config->logging.max_files, 12);
  }
}

TEST(LoggingConfig, rejects_bad_formats_sizes_and_file_counts) {
  const std::map<std::string, std::string> bad = {
      {"  format: xml\n", "key 'logging.format': 'xml' is not one of: text, json"},
      {"  format: JSON\n", "key 'logging.format': 'JSON' is not one of: text, json"},
      {"  max_size: 100XB\n", "key 'logging.max_size': '100XB' is not a size"},
      {"  max_size: 100mb\n", "key 'logging.max_size': '100mb' is not a size"},
      {"  max_size: 1.5MB\n", "key 'logging.max_size': '1.5MB' is not a size"},
      {"  max_size: -5MB\n", "key 'logging.max_size': '-5MB' is not a size"},
      {"  max_size: MB\n", "key 'logging.max_size': 'MB' is not a size"},
      {"  max_size: 512\n", "key 'logging.max_size': '512': must be 0 (no rotation) or between"},
      {"  max_size: 1KB\n", "key 'logging.max_size': '1KB': must be 0 (no rotation) or between"},
      {"  max_size: 2TiB\n", "key 'logging.max_size': '2TiB' is not a size"},
      {"  max_size: 1025GiB\n", "key 'logging.max_size': '1025GiB': must be 0"},
      {"  max_size: 99999999999999999999999\n", "must be 0 (no rotation) or between"},
      {"  max_size: [1]\n", "key 'logging.max_size': expected a size such as 100MB"},
      {"  max_files: 0\n", "key 'logging.max_files': must be between 1 and 1000"},
      {"  max_files: 1001\n", "key 'logging.max_files': must be between 1 and 1000"},
      {"  max_file: 3\n", "unknown key; did you mean 'max_files'?"},
  };
  for (const auto& [lines, message] : bad) {
    const auto result = load_with_logging(lines);
    EXPECT_FALSE(result.config.has_value()) << lines;
    EXPECT_THAT(result.error, HasSubstr(message)) << lines;
    EXPECT_THAT(result.error, HasSubstr("test.yaml:")) << lines;
  }
}

}  // namespace
