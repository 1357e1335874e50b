// Unit tests for config/fix/FIX44.xml: it loads in QuickFIX and accepts or rejects gateway messages
// as FIX 4.4 requires.
#include <quickfix/DataDictionary.h>
#include <quickfix/Exceptions.h>
#include <quickfix/FieldTypes.h>
#include <quickfix/Message.h>
#include <quickfix/Values.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/Logon.h>
#include <quickfix/fix44/MarketDataIncrementalRefresh.h>
#include <quickfix/fix44/MarketDataRequest.h>
#include <quickfix/fix44/MarketDataSnapshotFullRefresh.h>
#include <quickfix/fix44/NewOrderSingle.h>
#include <quickfix/fix44/TradeCaptureReport.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#ifndef HEDGED_SOURCE_DIR
#error "HEDGED_SOURCE_DIR must name the project root"
#endif

namespace {

std::string dictionary_path() {
  return std::string(HEDGED_SOURCE_DIR) + "/config/fix/FIX44.xml";
}

const FIX::DataDictionary& dictionary() {
  static const FIX::DataDictionary dd(dictionary_path());
  return dd;
}

// A fixed instant keeps the wire form of every message reproducible.
FIX::UtcTimeStamp test_time() {
  return FIX::UtcTimeStamp(14, 30, 5, 250, 15, 3, 2024);
}

// Fills the session header fields FIX 4.4 makes mandatory (BodyLength and CheckSum come from
// serialisation).
void stamp_header(FIX::Message& message, int seq_num = 7) {
  FIX::Header& header = message.getHeader();
  header.setField(FIX::SenderCompID("HEDGED"));
  header.setField(FIX::TargetCompID("BROKER"));
  header.setField(FIX::MsgSeqNum(seq_num));
  header.setField(FIX::SendingTime(test_time()));
}

// Round-trips a message through its wire form, parsing groups with the dictionary, as the gateway
// receives it.
FIX::Message from_wire(const FIX::Message& message) {
  FIX::Message parsed;
  parsed.setString(message.toString(), false, &dictionary());
  return parsed;
}

void validate(const FIX::Message& message) {
  dictionary().validate(from_wire(message));
}

// The tag QuickFIX names when it rejects the message with Rejection, or 0 when it accepts it.
template <typename Rejection>
int rejected_tag(const FIX::Message& message) {
  try {
    validate(message);
  } catch (const Rejection& rejection) {
    return rejection.field;
  }
  return 0;
}

void set_option(FIX::FieldMap& map) {
  map.setField(FIX::Symbol("SPX"));
  map.setField(FIX::SecurityType(FIX::SecurityType_OPTION));
  map.setField(FIX::MaturityDate("20240621"));
  map.setField(FIX::PutOrCall(FIX::PutOrCall_CALL));
  map.setField(FIX::StrikePrice(5200));
}

FIX44::NewOrderSingle limit_order() {
  FIX44::NewOrderSingle order(FIX::ClOrdID("H-1"), FIX::Side(FIX::Side_BUY),
                              FIX::TransactTime(test_time()), FIX::OrdType(FIX::OrdType_LIMIT));
  stamp_header(order);
  set_option(order);
  order.set(FIX::Account("HEDGE-01"));
  order.set(FIX::OrderQty(10));
  order.set(FIX::Price(12.35));
  order.set(FIX::TimeInForce(FIX::TimeInForce_DAY));
  return order;
}

FIX44::ExecutionReport fill_report(char exec_type) {
  FIX44::ExecutionReport report(FIX::OrderID("O-77"), FIX::ExecID("E-1"), FIX::ExecType(exec_type),
                                FIX::OrdStatus(FIX::OrdStatus_PARTIALLY_FILLED),
                                FIX::Side(FIX::Side_BUY), FIX::LeavesQty(6), FIX::CumQty(4),
                                FIX::AvgPx(12.3));
  stamp_header(report);
  set_option(report);
  report.set(FIX::ClOrdID("H-1"));
  report.set(FIX::LastQty(4));
  report.set(FIX::LastPx(12.3));
  report.set(FIX::TransactTime(test_time()));
  return report;
}

FIX44::MarketDataSnapshotFullRefresh two_sided_snapshot() {
  FIX44::MarketDataSnapshotFullRefresh snapshot;
  stamp_header(snapshot);
  snapshot.set(FIX::MDReqID("MD-1"));
  set_option(snapshot);

  FIX44::MarketDataSnapshotFullRefresh::NoMDEntries bid;
  bid.set(FIX::MDEntryType(FIX::MDEntryType_BID));
  bid.set(FIX::MDEntryPx(12.30));
  bid.set(FIX::MDEntrySize(25));
  snapshot.addGroup(bid);

  FIX44::MarketDataSnapshotFullRefresh::NoMDEntries offer;
  offer.set(FIX::MDEntryType(FIX::MDEntryType_OFFER));
  offer.set(FIX::MDEntryPx(12.45));
  offer.set(FIX::MDEntrySize(40));
  snapshot.addGroup(offer);
  return snapshot;
}

FIX44::TradeCaptureReport option_trade() {
  FIX44::TradeCaptureReport trade(FIX::TradeReportID("T-9"), FIX::PreviouslyReported(false),
                                  FIX::LastQty(4), FIX::LastPx(12.3), FIX::TradeDate("20240315"),
                                  FIX::TransactTime(test_time()));
  stamp_header(trade);
  set_option(trade);
  trade.set(FIX::ExecID("E-1"));
  return trade;
}

}  // namespace

TEST(FixDictionary, loads_and_reports_fix44_version) {
  FIX::DataDictionary dd;
  ASSERT_NO_THROW(dd = FIX::DataDictionary(dictionary_path()));
  EXPECT_EQ(dd.getVersion(), "FIX.4.4");
}

TEST(FixDictionary, defines_every_message_type_the_gateway_uses) {
  const std::vector<std::string> types = {"0", "1", "2", "3", "4",  "5",  "A", "8", "9", "D",
                                          "F", "G", "H", "j", "AE", "AF", "V", "W", "X", "Y"};
  for (const std::string& type : types) {
    EXPECT_TRUE(dictionary().isMsgType(type)) << "MsgType " << type;
  }
  EXPECT_FALSE(dictionary().isMsgType("B")) << "News is outside the dictionary";
}

TEST(FixDictionary, every_field_has_a_name_and_a_known_type) {
  int fields = 0;
  for (int tag = 1; tag < FIX::FIELD::UserMin; ++tag) {
    if (!dictionary().isField(tag)) continue;
    ++fields;
    std::string name;
    EXPECT_TRUE(dictionary().getFieldName(tag, name)) << "tag " << tag;
    FIX::TYPE::Type type = FIX::TYPE::Unknown;
    EXPECT_TRUE(dictionary().getFieldType(tag, type)) << name;
    EXPECT_NE(type, FIX::TYPE::Unknown) << name << " has a type QuickFIX cannot check";
  }
  EXPECT_GT(fields, 100);
}

TEST(FixDictionary, maps_option_and_order_field_names_to_fix_tags) {
  const std::vector<std::pair<std::string, int>> expected = {
      {"PutOrCall", 201},       {"StrikePrice", 202},
      {"MaturityDate", 541},    {"ExecType", 150},
      {"OrdStatus", 39},        {"CxlRejResponseTo", 434},
      {"MassStatusReqID", 584}, {"MassStatusReqType", 585},
      {"TotNumReports", 911},   {"BusinessRejectRefID", 379},
      {"RefTagID", 371},        {"SessionRejectReason", 373}};
  for (const auto& [name, tag] : expected) {
    int found = 0;
    EXPECT_TRUE(dictionary().getFieldTag(name, found)) << name;
    EXPECT_EQ(found, tag) << name;
  }
}

TEST(FixDictionary, accepts_well_formed_new_order_single) {
  EXPECT_NO_THROW(validate(limit_order()));
}

TEST(FixDictionary, rejects_new_order_without_side) {
  FIX44::NewOrderSingle order = limit_order();
  order.removeField(FIX::FIELD::Side);
  EXPECT_EQ(rejected_tag<FIX::RequiredTagMissing>(order), FIX::FIELD::Side);
}

TEST(FixDictionary, rejects_new_order_without_symbol_because_instrument_is_required) {
  FIX44::NewOrderSingle order = limit_order();
  order.removeField(FIX::FIELD::Symbol);
  EXPECT_EQ(rejected_tag<FIX::RequiredTagMissing>(order), FIX::FIELD::Symbol);
}

TEST(FixDictionary, rejects_new_order_with_side_outside_enum) {
  FIX44::NewOrderSingle order = limit_order();
  order.setField(FIX::Side('Z'));
  EXPECT_EQ(rejected_tag<FIX::IncorrectTagValue>(order), FIX::FIELD::Side);
}

TEST(FixDictionary, accepts_every_fix44_exec_type) {
  for (const char exec_type : std::string("03456789ABCDEFGHI")) {
    EXPECT_NO_THROW(validate(fill_report(exec_type))) << "ExecType " << exec_type;
  }
}

TEST(FixDictionary, rejects_execution_report_with_exec_type_outside_enum) {
  EXPECT_EQ(rejected_tag<FIX::IncorrectTagValue>(fill_report('Z')), FIX::FIELD::ExecType);
}

TEST(FixDictionary, rejects_execution_report_without_leaves_qty) {
  FIX44::ExecutionReport report = fill_report(FIX::ExecType_TRADE);
  report.removeField(FIX::FIELD::LeavesQty);
  EXPECT_EQ(rejected_tag<FIX::RequiredTagMissing>(report), FIX::FIELD::LeavesQty);
}

TEST(FixDictionary, rejects_message_type_outside_dictionary) {
  FIX::Message news;
  news.getHeader().setField(FIX::BeginString(FIX::BeginString_FIX44));
  news.getHeader().setField(FIX::MsgType("B"));
  stamp_header(news);
  news.setField(FIX::Text("headline"));
  EXPECT_THROW(validate(news), FIX::InvalidMessageType);
}

TEST(FixDictionary, accepts_logon_with_credentials_and_sequence_reset) {
  FIX44::Logon logon(FIX::EncryptMethod(FIX::EncryptMethod_NONE_OTHER), FIX::HeartBtInt(30));
  stamp_header(logon, 1);
  logon.set(FIX::ResetSeqNumFlag(true));
  logon.set(FIX::NextExpectedMsgSeqNum(1));
  logon.set(FIX::Username("hedged"));
  logon.set(FIX::Password("secret"));
  EXPECT_NO_THROW(validate(logon));
}

TEST(FixDictionary, parses_snapshot_with_two_md_entries) {
  const std::string wire = two_sided_snapshot().toString();

  const FIX::Message parsed(wire, dictionary(), true);
  ASSERT_EQ(parsed.groupCount(FIX::FIELD::NoMDEntries), 2U);

  FIX44::MarketDataSnapshotFullRefresh::NoMDEntries entry;
  parsed.getGroup(2, entry);
  FIX::MDEntryType type;
  FIX::MDEntryPx price;
  entry.get(type);
  entry.get(price);
  EXPECT_EQ(type.getValue(), FIX::MDEntryType_OFFER);
  EXPECT_DOUBLE_EQ(price.getValue(), 12.45);
  EXPECT_NO_THROW(dictionary().validate(parsed));
}

TEST(FixDictionary, accepts_market_data_request_with_related_symbols) {
  FIX44::MarketDataRequest request(
      FIX::MDReqID("MD-1"),
      FIX::SubscriptionRequestType(FIX::SubscriptionRequestType_SNAPSHOT_PLUS_UPDATES),
      FIX::MarketDepth(1));
  stamp_header(request);
  request.set(FIX::MDUpdateType(FIX::MDUpdateType_INCREMENTAL_REFRESH));

  for (const char entry_type : {FIX::MDEntryType_BID, FIX::MDEntryType_OFFER}) {
    FIX44::MarketDataRequest::NoMDEntryTypes types;
    types.set(FIX::MDEntryType(entry_type));
    request.addGroup(types);
  }
  for (const char* symbol : {"SPX", "SPY"}) {
    FIX44::MarketDataRequest::NoRelatedSym related;
    related.set(FIX::Symbol(symbol));
    related.set(FIX::SecurityType(FIX::SecurityType_OPTION));
    request.addGroup(related);
  }

  const FIX::Message parsed = from_wire(request);
  EXPECT_EQ(parsed.groupCount(FIX::FIELD::NoRelatedSym), 2U);
  EXPECT_NO_THROW(dictionary().validate(parsed));
}

TEST(FixDictionary, accepts_incremental_refresh_with_entry_ids) {
  FIX44::MarketDataIncrementalRefresh refresh;
  stamp_header(refresh);
  refresh.set(FIX::MDReqID("MD-1"));

  FIX44::MarketDataIncrementalRefresh::NoMDEntries change;
  change.set(FIX::MDUpdateAction(FIX::MDUpdateAction_CHANGE));
  change.set(FIX::MDEntryType(FIX::MDEntryType_BID));
  change.set(FIX::MDEntryID("B-1"));
  change.set(FIX::Symbol("SPX"));
  change.set(FIX::MDEntryPx(12.30));
  change.set(FIX::MDEntrySize(30));
  refresh.addGroup(change);

  FIX44::MarketDataIncrementalRefresh::NoMDEntries removal;
  removal.set(FIX::MDUpdateAction(FIX::MDUpdateAction_DELETE));
  removal.set(FIX::MDEntryID("A-4"));
  refresh.addGroup(removal);

  const FIX::Message parsed = from_wire(refresh);
  EXPECT_EQ(parsed.groupCount(FIX::FIELD::NoMDEntries), 2U);
  EXPECT_NO_THROW(dictionary().validate(parsed));
}

TEST(FixDictionary, accepts_option_trade_capture_report) {
  FIX44::TradeCaptureReport trade = option_trade();
  FIX44::TradeCaptureReport::NoSides side;
  side.set(FIX::Side(FIX::Side_SELL));
  side.set(FIX::OrderID("O-77"));
  trade.addGroup(side);
  EXPECT_NO_THROW(validate(trade));
}

TEST(FixDictionary, rejects_trade_capture_side_without_order_id) {
  FIX44::TradeCaptureReport trade = option_trade();
  FIX44::TradeCaptureReport::NoSides side;
  side.set(FIX::Side(FIX::Side_SELL));
  trade.addGroup(side);
  EXPECT_EQ(rejected_tag<FIX::RequiredTagMissing>(trade), FIX::FIELD::OrderID);
}
