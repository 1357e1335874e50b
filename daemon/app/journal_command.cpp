#include "daemon/app/journal_command.hpp"

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <string>
#include <thread>

#include "adapters/journal/journal.hpp"

namespace hedged::app {
namespace {

void usage(std::FILE* out) {
  std::fputs(
      "usage: hedged journal verify DIR\n"
      "       hedged journal inspect DIR\n"
      "       hedged journal tail DIR [-n N] [--follow]\n",
      out);
}

std::string time_text(TimeNs ns) {
  const std::time_t seconds = static_cast<std::time_t>(ns / kNanosPerSecond);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06" PRId64 "Z", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                (ns % kNanosPerSecond) / 1000);
  return buf;
}

// What one record says, for a person.
std::string describe_record(const journal::RecordView& r) {
  char buf[256];
  buf[0] = '\0';
  using journal::decode;
  switch (r.type) {
    case journal::RecordType::kNewOrder:
      if (const auto o = decode<NewChildOrder>(r)) {
        std::snprintf(buf, sizeof buf, "order %" PRIu64 " %s %" PRId64 " of instrument %u @ %.6g",
                      o->cl_ord_id, to_string(o->side), o->qty, o->instrument, o->price);
      }
      break;
    case journal::RecordType::kCancelOrder:
      if (const auto c = decode<CancelOrder>(r)) {
        std::snprintf(buf, sizeof buf, "cancel %" PRIu64 " of order %" PRIu64, c->cl_ord_id,
                      c->orig_cl_ord_id);
      }
      break;
    case journal::RecordType::kReplaceOrder:
      if (const auto c = decode<ReplaceOrder>(r)) {
        std::snprintf(buf, sizeof buf, "replace %" PRIu64 " -> %" PRIu64 " %" PRId64 " @ %.6g",
                      c->orig_cl_ord_id, c->cl_ord_id, c->qty, c->price);
      }
      break;
    case journal::RecordType::kExecReport:
      if (const auto e = decode<ExecReportEvent>(r)) {
        std::snprintf(buf, sizeof buf,
                      "report for order %" PRIu64 " kind %d status %d cum %" PRId64 " last %" PRId64
                      " @ %.6g exec %s%s%s",
                      e->cl_ord_id, static_cast<int>(e->kind), static_cast<int>(e->status),
                      e->cum_qty, e->last_qty, e->last_px, e->exec_id.c_str(),
                      e->text.empty() ? "" : ": ", e->text.c_str());
      }
      break;
    case journal::RecordType::kOptionTrade:
      if (const auto t = decode<OptionTradeEvent>(r)) {
        std::snprintf(buf, sizeof buf, "option trade %+" PRId64 " of instrument %u @ %.6g exec %s",
                      t->qty, t->instrument, t->price, t->exec_id.c_str());
      }
      break;
    case journal::RecordType::kStateChange:
      if (const auto s = decode<StateNotice>(r)) {
        std::snprintf(buf, sizeof buf, "state %s %s -> %s: %s",
                      s->underlying == kBookScope
                          ? "book"
                          : ("underlying " + std::to_string(s->underlying)).c_str(),
                      to_string(s->from), to_string(s->to), s->cause.c_str());
      }
      break;
    case journal::RecordType::kHedgeDecision:
      if (const auto h = decode<HedgeDecision>(r)) {
        std::snprintf(buf, sizeof buf,
                      "hedge underlying %u: %s %" PRId64 " @ %.6g order %" PRIu64
                      " option delta %.1f position %" PRId64,
                      h->underlying, to_string(h->side), h->qty, h->price, h->cl_ord_id,
                      h->portfolio_delta_shares, h->hedge_position);
      }
      break;
    case journal::RecordType::kLimitChange:
      if (const auto l = journal::decode_limit_change(r)) {
        std::snprintf(buf, sizeof buf, "limits v%" PRIu64 " in force", l->version);
      }
      break;
    default: std::snprintf(buf, sizeof buf, "%zu bytes", r.payload.size()); break;
  }
  return buf;
}

std::string line(const journal::RecordView& r) {
  return std::to_string(r.sequence) + "  " + time_text(r.time_ns) + "  " +
         std::string(journal::to_string(r.type)) + "  " + describe_record(r);
}

int report_problem(const journal::ReadResult& result) {
  if (result.status == journal::ReadStatus::kClean) return 0;
  std::fprintf(stderr, "hedged journal: %s at byte %" PRIu64 " of %s: %s\n",
               result.status == journal::ReadStatus::kTornTail ? "torn tail" : "corrupt",
               result.offset, result.segment.string().c_str(), result.error.c_str());
  return 1;
}

}  // namespace

int journal_command(const std::vector<std::string>& args) {
  if (args.size() < 2) {
    usage(stderr);
    return 64;
  }
  const std::string& what = args[0];
  const std::filesystem::path dir = args[1];
  if (what == "verify") {
    const journal::JournalSummary summary = journal::verify(dir);
    std::fputs(journal::describe(summary).c_str(), stdout);
    return summary.result.status == journal::ReadStatus::kClean ? 0 : 1;
  }
  if (what == "inspect") {
    const journal::ReadResult result = journal::read_journal(
        dir, [](const journal::RecordView& r) { std::printf("%s\n", line(r).c_str()); });
    return report_problem(result);
  }
  if (what == "tail") {
    std::size_t count = 20;
    bool follow = false;
    for (std::size_t i = 2; i < args.size(); ++i) {
      if (args[i] == "-n" && i + 1 < args.size()) {
        count = static_cast<std::size_t>(std::stoul(args[++i]));
      } else if (args[i] == "--follow" || args[i] == "-f") {
        follow = true;
      } else {
        usage(stderr);
        return 64;
      }
    }
    std::deque<std::string> last;
    std::uint64_t printed = 0;
    const journal::ReadResult first = journal::read_journal(dir, [&](const journal::RecordView& r) {
      last.push_back(line(r));
      if (last.size() > count) last.pop_front();
      printed = r.sequence;
    });
    for (const std::string& l : last) std::printf("%s\n", l.c_str());
    std::fflush(stdout);
    if (!follow) return report_problem(first);
    // Following: read again every 200 ms and print what is new (a torn tail is the writer's
    // record in progress, not an error here).
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      const journal::ReadResult again =
          journal::read_journal(dir, [&](const journal::RecordView& r) {
            if (r.sequence <= printed) return;
            std::printf("%s\n", line(r).c_str());
            printed = r.sequence;
          });
      std::fflush(stdout);
      if (again.status == journal::ReadStatus::kCorrupt) return report_problem(again);
    }
  }
  usage(stderr);
  return 64;
}

}  // namespace hedged::app
