// Text from outside (operator reasons, FIX text, symbols, file contents) made safe to log or echo:
// one line, printable, bounded. Pure functions; any thread may call them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hedged {

// What one field from outside may take of a log line or an error message, bytes of input.
inline constexpr std::size_t kLogFieldMaxBytes = 256;

// The length of the well-formed UTF-8 sequence at the start of `s` (n bytes available), or 0
// when it is not one (RFC 3629 table 3-7: no overlong forms, surrogates or code points past
// U+10FFFF). Shared by the log escapers.
[[nodiscard]] inline std::size_t utf8_sequence_length(const unsigned char* s,
                                                      std::size_t n) noexcept {
  const unsigned char c = s[0];
  const std::size_t len = c >= 0xC2 && c <= 0xDF   ? 2
                          : c >= 0xE0 && c <= 0xEF ? 3
                          : c >= 0xF0 && c <= 0xF4 ? 4
                                                   : 0;
  if (len == 0 || len > n) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((s[k] & 0xC0) != 0x80) return 0;
  }
  const unsigned char second = s[1];
  const bool ok = !(c == 0xE0 && second < 0xA0) && !(c == 0xED && second > 0x9F) &&
                  !(c == 0xF0 && second < 0x90) && !(c == 0xF4 && second > 0x8F);
  return ok ? len : 0;
}

// `text` with every control character escaped and cut to `max_bytes` of its input:
//  - \n, \r and \t as those two characters; other C0 bytes, DEL, the C1 controls (U+0080-U+009F,
//    in UTF-8 0xC2 0x80-0x9F) and every byte that is not part of well-formed UTF-8 as \xNN;
//  - a backslash as \\ when `escape_backslash` (so that the result reads back unambiguously);
//    the log sink escapes whole lines with it off, so an already escaped field is not doubled;
//  - past `max_bytes` of input the rest is dropped (never inside a UTF-8 sequence) and
//    "…(+N bytes)" says how much.
// Well-formed printable UTF-8 (accents, €, …) is kept as is.
[[nodiscard]] inline std::string log_safe(std::string_view text,
                                          std::size_t max_bytes = kLogFieldMaxBytes,
                                          bool escape_backslash = true) {
  constexpr char kHex[] = "0123456789abcdef";
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::string out;
  out.reserve(n < max_bytes ? n : max_bytes);
  const auto hex = [&](unsigned char c) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  };
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    std::size_t len = 1;
    if (c >= 0x80) {
      // RFC 3629 table 3-7: the lead byte gives the length, the second byte's range is narrower
      // after E0, ED, F0 and F4 (no overlong forms, surrogates or code points past U+10FFFF).
      len = utf8_sequence_length(s + i, n - i);
      const bool ok = len != 0;
      if (!ok) len = 1;
      if (i + len > max_bytes) break;
      if (!ok) {
        hex(c);
      } else if (c == 0xC2 && s[i + 1] <= 0x9F) {  // a C1 control
        hex(c);
        hex(s[i + 1]);
      } else {
        out.append(text.data() + i, len);
      }
      i += len;
      continue;
    }
    if (i + 1 > max_bytes) break;
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += escape_backslash ? "\\\\" : "\\"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          hex(c);
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  if (i < n) out += "…(+" + std::to_string(n - i) + " bytes)";
  return out;
}

}  // namespace hedged
