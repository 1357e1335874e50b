// Internal to daemon/config: a YAML reader whose every error names file:line:column and the
// key path, used by the main-config and the limits-file loaders alike.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "core/model/log_text.hpp"
#include "core/model/types.hpp"

namespace hedged::config {

// "250ms", "5s", "1m", "2h", "100us", "3d" -> nanoseconds; nullopt when malformed.
[[nodiscard]] std::optional<TimeNs> parse_duration(const std::string& text);

// The closest of `candidates` to `word` when it is close enough to be a typo, else empty.
[[nodiscard]] std::string closest_key(std::string_view word,
                                      const std::vector<std::string_view>& candidates);

// 5000000000 -> "5s", 250000000 -> "250ms": the shortest exact form with a unit.
[[nodiscard]] std::string format_duration(TimeNs ns);

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

inline std::string format_number(double value) {
  std::ostringstream s;
  s << value;
  return s.str();
}

// "unknown key; did you mean 'x'? (allowed here: a, b, c)".
inline std::string unknown_key_message(std::string_view key,
                                       const std::vector<std::string_view>& allowed) {
  const std::string suggestion = closest_key(key, allowed);
  std::string list;
  for (std::string_view k : allowed) list += (list.empty() ? "" : ", ") + std::string(k);
  return std::string("unknown key") +
         (suggestion.empty() ? std::string() : "; did you mean '" + suggestion + "'?") +
         " (allowed here: " + list + ")";
}

// The most of one load error shown (thrown by Reader::fail or a loader's own check).
inline constexpr std::size_t kMaxErrorBytes = 4096;

// Runs `parse` (which reads and parses one file) and turns every way it can fail into the text
// an operator sees: "file:line:column: message" where there is a position. Empty on success.
template <typename Parse>
std::string capture_load_error(const std::string& name, Parse&& parse) {
  const auto at = [&](const YAML::Mark& mark) {
    return name + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  };
  try {
    parse();
    return {};
  } catch (const ConfigError& e) {
    return log_safe(e.what(), kMaxErrorBytes, false);
  } catch (const YAML::BadFile&) {
    return name + ": cannot open the file";
  } catch (const YAML::ParserException& e) {
    return at(e.mark) + ": YAML syntax error: " + e.msg;
  } catch (const YAML::Exception& e) {
    return at(e.mark) + ": " + e.msg;
  } catch (const std::exception& e) {
    // e.g. reading a folder: the stream fails with std::ios_base::failure.
    return name + ": cannot read the file: " + e.what();
  }
}

// What a config file (main, limits or scenario) may be: larger files are refused before they are
// parsed, and so are longer scalars (a 1 GB number would hold the loading thread for minutes).
inline constexpr std::size_t kMaxConfigFileBytes = 16 * 1024 * 1024;
inline constexpr std::size_t kMaxScalarBytes = 64 * 1024;

namespace detail {

inline void check_scalars(const YAML::Node& node, const std::string& name) {
  if (node.IsScalar() && node.Scalar().size() > kMaxScalarBytes) {
    const YAML::Mark mark = node.Mark();
    throw ConfigError(name + ":" + std::to_string(mark.line + 1) + ":" +
                      std::to_string(mark.column + 1) + ": a value of " +
                      std::to_string(node.Scalar().size()) + " bytes; at most " +
                      std::to_string(kMaxScalarBytes) + " are read");
  }
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      check_scalars(it->first, name);
      check_scalars(it->second, name);
    }
  } else if (node.IsSequence()) {
    for (const YAML::Node& child : node) check_scalars(child, name);
  }
}

// Counts the documents a parser starts and keeps where the second one begins; ignores the rest.
struct DocumentMarks final : YAML::EventHandler {
  int count = 0;
  YAML::Mark second;
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++count == 2) second = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace detail

// The one YAML document of `text` (named `name` in messages): a second document is refused (it
// would otherwise be ignored), and so is a scalar longer than kMaxScalarBytes.
inline YAML::Node load_yaml_text(const std::string& text, const std::string& name) {
  if (text.size() > kMaxConfigFileBytes) {
    throw ConfigError(name + ": " + std::to_string(text.size()) +
                      " bytes; a config file may have " + std::to_string(kMaxConfigFileBytes));
  }
  const YAML::Node root = YAML::Load(text);
  // At most two documents are looked at: yaml-cpp's LoadAll can find empty documents for ever
  // on some malformed input, so it is never used.
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  detail::DocumentMarks marks;
  if (parser.HandleNextDocument(marks) && parser.HandleNextDocument(marks) && marks.count > 1) {
    const YAML::Mark mark = marks.second;
    throw ConfigError(name + ":" + std::to_string(std::max(mark.line, 0) + 1) + ":" +
                      std::to_string(std::max(mark.column, 0) + 1) +
                      ": a second YAML document; a config file holds one (remove the '---')");
  }
  detail::check_scalars(root, name);
  return root;
}

// Same for a file, whose size is checked before it is read.
inline YAML::Node load_yaml_file(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw YAML::BadFile(path);
  if (size > kMaxConfigFileBytes) {
    throw ConfigError(path + ": " + std::to_string(size) + " bytes; a config file may have " +
                      std::to_string(kMaxConfigFileBytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw YAML::BadFile(path);
  std::ostringstream text;
  text << in.rdbuf();
  return load_yaml_text(text.str(), path);
}

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& path,
                         const std::string& message) const {
    const YAML::Mark mark = node.Mark();
    std::ostringstream s;
    // A node without a position (the empty document) reports 1:1 rather than 0:0.
    s << file_ << ':' << (std::max(mark.line, 0) + 1) << ':' << (std::max(mark.column, 0) + 1)
      << ": ";
    // Keys and values come from the file: one line each, and cut (a 100 MB value is not echoed).
    if (!path.empty()) s << "key '" << log_safe(path, kLogFieldMaxBytes, false) << "': ";
    s << log_safe(message, 2 * kLogFieldMaxBytes, false);
    throw ConfigError(s.str());
  }

  void expect_map(const YAML::Node& node, const std::string& path) const {
    if (!node.IsMap()) fail(node, path, "expected a mapping of keys to values");
  }

  // The map's keys must be among `keys`, each at most once.
  void allow_keys(const YAML::Node& map, const std::string& path,
                  const std::vector<std::string_view>& keys) const {
    expect_map(map, path);
    std::vector<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.Scalar();
      // yaml-cpp keeps duplicate keys and lookups see only the first: reject them instead.
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        fail(it->first, join(path, key), "duplicate key");
      }
      seen.push_back(key);
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        fail(it->first, join(path, key), unknown_key_message(key, keys));
      }
    }
  }

  template <typename T>
  T scalar(const YAML::Node& node, const std::string& path, const char* what) const {
    if (!node.IsScalar()) fail(node, path, std::string("expected ") + what);
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      fail(node, path, std::string("expected ") + what + ", got '" + node.Scalar() + "'");
    }
  }

  double number(const YAML::Node& map, const char* key, const std::string& path, double fallback,
                double min, double max) const {
    const YAML::Node node = map[key];
    if (!node) return fallback;
    const std::string p = join(path, key);
    const auto value = scalar<double>(node, p, "a number");
    if (!std::isfinite(value) || value < min || value > max) {
      fail(node, p, "must be between " + format_number(min) + " and " + format_number(max));
    }
    return value;
  }

  std::int64_t integer(const YAML::Node& map, const char* key, const std::string& path,
                       std::int64_t fallback, std::int64_t min, std::int64_t max) const {
    const YAML::Node node = map[key];
    if (!node) return fallback;
    const std::string p = join(path, key);
    const auto value = scalar<std::int64_t>(node, p, "a whole number");
    if (value < min || value > max) {
      fail(node, p, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return value;
  }

  bool boolean(const YAML::Node& map, const char* key, const std::string& path,
               bool fallback) const {
    const YAML::Node node = map[key];
    if (!node) return fallback;
    return scalar<bool>(node, join(path, key), "true or false");
  }

  std::string string(const YAML::Node& map, const char* key, const std::string& path,
                     const std::string& fallback) const {
    const YAML::Node node = map[key];
    if (!node) return fallback;
    return scalar<std::string>(node, join(path, key), "a string");
  }

  std::string one_of(const YAML::Node& map, const char* key, const std::string& path,
                     const std::string& fallback,
                     std::initializer_list<std::string_view> choices) const {
    const YAML::Node node = map[key];
    if (!node) return fallback;
    const std::string value = scalar<std::string>(node, join(path, key), "a string");
    if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
      std::string allowed;
      for (std::string_view c : choices) allowed += (allowed.empty() ? "" : ", ") + std::string(c);
      fail(node, join(path, key), "'" + value + "' is not one of: " + allowed);
    }
    return value;
  }

  TimeNs duration(const YAML::Node& map, const char* key, const std::string& path, TimeNs fallback,
                  TimeNs min, TimeNs max) const {
    const YAML::Node node = map[key];
    if (!node) return fallback;
    const std::string p = join(path, key);
    const auto text = scalar<std::string>(node, p, "a duration such as 250ms or 5s");
    const std::optional<TimeNs> value = parse_duration(text);
    if (!value)
      fail(node, p,
           "'" + text +
               "' is not a duration: use a number and a unit (us, ms, s, m, h, d), e.g. 250ms");
    if (*value < min || *value > max) fail(node, p, "'" + text + "' is out of range");
    return *value;
  }

 private:
  std::string file_;
};

}  // namespace hedged::config
