// Unit tests for the FIX gateway's translation helpers: ExecType and OrdStatus mapping, ClOrdID
// parsing.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "adapters/fix/fix_gateway.hpp"

namespace {

using hedged::ExecKind;
using hedged::OrderId;
using hedged::OrdStatus;
using hedged::fix::exec_kind_from_fix;
using hedged::fix::FieldProblem;
using hedged::fix::ord_status_from_fix;
using hedged::fix::parse_order_id;
using hedged::fix::parse_price;
using hedged::fix::parse_quantity;

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

// Quantities are facts: whole numbers are taken as they are ("100.0" included); 0.5 is refused,
// never truncated to 0, and so is anything negative, not finite or beyond 2^53.
TEST(ParseQuantity, takes_whole_numbers_and_refuses_fractions_and_the_rest) {
  std::int64_t q = -1;
  EXPECT_EQ(parse_quantity("100", q), FieldProblem::kOk);
  EXPECT_EQ(q, 100);
  EXPECT_EQ(parse_quantity("100.0", q), FieldProblem::kOk);
  EXPECT_EQ(q, 100);
  EXPECT_EQ(parse_quantity("0", q), FieldProblem::kOk);
  EXPECT_EQ(q, 0);
  EXPECT_EQ(parse_quantity("9007199254740992", q), FieldProblem::kOk);
  EXPECT_EQ(q, std::int64_t{1} << 53);
  q = 42;
  for (const char* fractional : {"0.5", "1.5", "99.999", "0.0001"}) {
    EXPECT_EQ(parse_quantity(fractional, q), FieldProblem::kFractional) << fractional;
  }
  EXPECT_EQ(q, 42);  // untouched on refusal
  EXPECT_EQ(parse_quantity("-1", q), FieldProblem::kNegative);
  EXPECT_EQ(parse_quantity("1e30", q), FieldProblem::kOutOfRange);
  EXPECT_EQ(parse_quantity("1e400", q), FieldProblem::kOutOfRange);
  EXPECT_EQ(parse_quantity("inf", q), FieldProblem::kNotFinite);
  EXPECT_EQ(parse_quantity("nan", q), FieldProblem::kNotFinite);
  for (const char* bad : {"", "abc", "12a", " 5", "5 ", "1,5"}) {
    EXPECT_EQ(parse_quantity(bad, q), FieldProblem::kMalformed) << "'" << bad << "'";
  }
  EXPECT_EQ(q, 42);
}

// A fill's price must be a positive finite number; whether it is plausible is the engine's
// judgement (1e9 passes here). Other prices (AvgPx, a status report's LastPx of 0) only need
// to be finite.
TEST(ParsePrice, a_fill_needs_a_positive_finite_price) {
  double px = -1.0;
  EXPECT_EQ(parse_price("101.25", true, px), FieldProblem::kOk);
  EXPECT_DOUBLE_EQ(px, 101.25);
  EXPECT_EQ(parse_price("1e9", true, px), FieldProblem::kOk);
  EXPECT_DOUBLE_EQ(px, 1e9);
  px = 7.0;
  EXPECT_EQ(parse_price("0", true, px), FieldProblem::kNonPositivePrice);
  EXPECT_EQ(parse_price("-5", true, px), FieldProblem::kNonPositivePrice);
  EXPECT_EQ(parse_price("-0.0", true, px), FieldProblem::kNonPositivePrice);
  EXPECT_EQ(parse_price("inf", true, px), FieldProblem::kNotFinite);
  EXPECT_EQ(parse_price("nan", true, px), FieldProblem::kNotFinite);
  EXPECT_EQ(parse_price("1e400", true, px), FieldProblem::kNotFinite);
  EXPECT_EQ(parse_price("", true, px), FieldProblem::kMalformed);
  EXPECT_EQ(parse_price("5x", true, px), FieldProblem::kMalformed);
  EXPECT_DOUBLE_EQ(px, 7.0);
  EXPECT_EQ(parse_price("0", false, px), FieldProblem::kOk);
  EXPECT_DOUBLE_EQ(px, 0.0);
  EXPECT_EQ(parse_price("nan", false, px), FieldProblem::kNotFinite);
}

}  // namespace
