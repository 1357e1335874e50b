// log_safe: text from outside becomes one printable, bounded piece of a log line.
#include <gtest/gtest.h>

#include <string>

#include "core/model/log_text.hpp"

namespace hedged {
namespace {

TEST(LogSafe, printable_ascii_and_utf8_pass_unchanged) {
  EXPECT_EQ(log_safe("desk halt before the close"), "desk halt before the close");
  EXPECT_EQ(log_safe("prix 12,5 € – réduit"), "prix 12,5 € – réduit");
  EXPECT_EQ(log_safe(""), "");
}

TEST(LogSafe, a_forged_line_stays_on_one_line) {
  const std::string forged = "ok\n2099-01-01T00:00:00.000000Z info  FAKE injected line";
  EXPECT_EQ(log_safe(forged), "ok\\n2099-01-01T00:00:00.000000Z info  FAKE injected line");
  EXPECT_EQ(log_safe("a\r\nb\tc"), "a\\r\\nb\\tc");
}

TEST(LogSafe, other_controls_del_c1_and_invalid_utf8_become_hex) {
  EXPECT_EQ(log_safe("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(log_safe(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(log_safe("x\x7fy"), "x\\x7fy");
  EXPECT_EQ(log_safe("\xc2\x9b"
                     "2J"),
            "\\xc2\\x9b2J");  // C1 CSI as UTF-8
  EXPECT_EQ(log_safe("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(log_safe("\xe2\x82"), "\\xe2\\x82");           // a truncated €
  EXPECT_EQ(log_safe("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(log_safe("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
}

TEST(LogSafe, backslash_is_escaped_unless_asked_not_to) {
  EXPECT_EQ(log_safe("a\\nb"), "a\\\\nb");
  EXPECT_EQ(log_safe("a\\nb", 100, false), "a\\nb");
}

TEST(LogSafe, long_text_is_cut_with_the_count_of_what_was_dropped) {
  const std::string big(100'000'000, 'A');
  const std::string safe = log_safe(big);
  EXPECT_EQ(safe, std::string(kLogFieldMaxBytes, 'A') + "…(+" +
                      std::to_string(100'000'000 - kLogFieldMaxBytes) + " bytes)");
  EXPECT_EQ(log_safe("abcdef", 4), "abcd…(+2 bytes)");
  EXPECT_EQ(log_safe("abcd", 4), "abcd");
  // Never inside a UTF-8 sequence: € is three bytes, the cut falls before it.
  EXPECT_EQ(log_safe("ab€", 3), "ab…(+3 bytes)");
  // The limit counts input bytes; an escaped byte counts once.
  EXPECT_EQ(log_safe("\n\n\n", 2), "\\n\\n…(+1 bytes)");
}

}  // namespace
}  // namespace hedged
