// Unit tests for the FIX gateway's translation helpers: ExecType and OrdStatus mapping, ClOrdID
// parsing.
#include <gtest/gtest.h>

#include <string>

#include "adapters/fix/fix_gateway.hpp"

namespace {

using hedged::ExecKind;
using hedged::OrderId;
using hedged::OrdStatus;
using hedged::fix::exec_kind_from_fix;
using hedged::fix::ord_status_from_fix;
using hedged::fix::parse_order_id;

TEST(ExecKindFromFix, new_acknowledgement_is_new) {
  EXPECT_EQ(exec_kind_from_fix('0'), ExecKind::kNew);
}

TEST(ExecKindFromFix, trade_and_older_fill_codes_are_trades) {
  EXPECT_EQ(exec_kind_from_fix('F'), ExecKind::kTrade);
  EXPECT_EQ(exec_kind_from_fix('1'), ExecKind::kTrade);
  EXPECT_EQ(exec_kind_from_fix('2'), ExecKind::kTrade);
  EXPECT_EQ(exec_kind_from_fix('3'), ExecKind::kDoneForDay);
  EXPECT_EQ(exec_kind_from_fix('5'), ExecKind::kReplaced);
  EXPECT_EQ(exec_kind_from_fix('E'), ExecKind::kPendingReplace);
  EXPECT_EQ(exec_kind_from_fix('D'), ExecKind::kRestated);
  EXPECT_EQ(exec_kind_from_fix('I'), ExecKind::kOrderStatus);
}

TEST(ExecKindFromFix, terminal_and_pending_states_map_one_to_one) {
  EXPECT_EQ(exec_kind_from_fix('4'), ExecKind::kCanceled);
  EXPECT_EQ(exec_kind_from_fix('6'), ExecKind::kPendingCancel);
  EXPECT_EQ(exec_kind_from_fix('8'), ExecKind::kRejected);
  EXPECT_EQ(exec_kind_from_fix('C'), ExecKind::kExpired);
}

TEST(ExecKindFromFix, every_other_exec_type_is_a_status_report) {
  // Stopped, suspended, pending new, calculated, trade correct, trade cancel, order status; then
  // codes FIX does not define. (Done for day, replaced, restated and pending replace have their
  // own kinds, above.)
  for (const char code : {'7', '9', 'A', 'B', 'G', 'H', 'I', 'c', 'f', 'Z', ' ', '\0'}) {
    EXPECT_EQ(exec_kind_from_fix(code), ExecKind::kOrderStatus) << "ExecType '" << code << "'";
  }
}

TEST(ExecKindFromFix, no_code_becomes_a_cancel_reject) {
  for (int code = 0; code < 256; ++code) {
    EXPECT_NE(exec_kind_from_fix(static_cast<char>(code)), ExecKind::kCancelReject) << code;
  }
}

TEST(OrdStatusFromFix, each_fix_status_maps_to_its_state) {
  EXPECT_EQ(ord_status_from_fix('0'), OrdStatus::kNew);
  EXPECT_EQ(ord_status_from_fix('1'), OrdStatus::kPartiallyFilled);
  EXPECT_EQ(ord_status_from_fix('2'), OrdStatus::kFilled);
  EXPECT_EQ(ord_status_from_fix('4'), OrdStatus::kCanceled);
  EXPECT_EQ(ord_status_from_fix('6'), OrdStatus::kPendingCancel);
  EXPECT_EQ(ord_status_from_fix('8'), OrdStatus::kRejected);
  EXPECT_EQ(ord_status_from_fix('C'), OrdStatus::kExpired);
  EXPECT_EQ(ord_status_from_fix('A'), OrdStatus::kPendingNew);
  EXPECT_EQ(ord_status_from_fix('3'), OrdStatus::kDoneForDay);
  EXPECT_EQ(ord_status_from_fix('E'), OrdStatus::kPendingReplace);
}

TEST(OrdStatusFromFix, unmapped_status_falls_back_to_new) {
  for (const char code : {'5', '7', '9', 'B', 'D', 'F', 'c', 'a', '\0'}) {
    EXPECT_EQ(ord_status_from_fix(code), OrdStatus::kNew) << "OrdStatus '" << code << "'";
  }
}

TEST(ParseOrderId, accepts_positive_decimal_ids) {
  OrderId id = 0;
  ASSERT_TRUE(parse_order_id("123", id));
  EXPECT_EQ(id, 123u);
  ASSERT_TRUE(parse_order_id("1", id));
  EXPECT_EQ(id, 1u);
  ASSERT_TRUE(parse_order_id("18446744073709551615", id));
  EXPECT_EQ(id, 18'446'744'073'709'551'615u);
  ASSERT_TRUE(parse_order_id("007", id));
  EXPECT_EQ(id, 7u);
}

TEST(ParseOrderId, rejects_empty_zero_signed_partial_and_overflowing_text) {
  for (const char* bad : {"", "0", "000", "12a", "a12", "-5", "+5", " 5", "5 ", "1.0", "0x10",
                          "18446744073709551616", "99999999999999999999999"}) {
    OrderId id = 42;
    EXPECT_FALSE(parse_order_id(bad, id)) << "'" << bad << "'";
  }
}

TEST(ParseOrderId, reads_only_the_whole_string_it_is_given) {
  OrderId id = 0;
  const std::string with_nul(
      "12\0"
      "3",
      4);
  EXPECT_FALSE(parse_order_id(with_nul, id));
}

}  // namespace
