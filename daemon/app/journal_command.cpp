#include "daemon/app/journal_command.hpp"

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "adapters/journal/journal.hpp"
#include "adapters/journal/segment_files.hpp"
#include "core/model/log_text.hpp"
#include "daemon/config/config.hpp"
#include "daemon/runtime/agent.hpp"

namespace hedged::app {
namespace {

void usage(std::FILE* out) {
  std::fputs(
      "usage: hedged journal verify DIR\n"
      "       hedged journal inspect DIR [-c CONFIG]\n"
      "       hedged journal tail DIR [-c CONFIG] [-n N] [--follow]\n"
      "\n"
      "verify checks every segment and record and prints a summary (exit 0 clean, 1 torn tail\n"
      "or corrupt); inspect prints every record; tail prints the last N (default 20) and with\n"
      "--follow keeps printing new ones. CONFIG (the daemon's config that wrote the journal)\n"
      "names instruments by symbol; without it they are printed by number. A DIR that does not\n"
      "exist, is not a directory or holds no journal segment is an error (exit 2).\n",
      out);
}

// Instrument symbols by id, from the daemon's config; empty without one.
std::unordered_map<InstrumentId, std::string> symbols;

// Underlying names by index (hedge decisions and trading states name an underlying).
std::vector<std::string> underlying_names;

std::string instrument_name(InstrumentId id) {
  const auto it = symbols.find(id);
  if (it != symbols.end()) return it->second;
  return "instrument " + std::to_string(id);
}

std::string underlying_name(std::uint32_t index) {
  if (index < underlying_names.size()) return underlying_names[index];
  return "underlying " + std::to_string(index);
}

// Empty when DIR holds a journal; otherwise why not, for the operator.
std::string check_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  const auto status = std::filesystem::status(dir, ec);
  if (!std::filesystem::exists(status)) return dir.string() + ": no such directory";
  if (!std::filesystem::is_directory(status)) return dir.string() + ": not a directory";
  try {
    if (journal::list_segments(dir).empty()) {
      return dir.string() + ": no journal segments (journal-<sequence>.log) in this directory";
    }
  } catch (const std::exception& e) {
    return dir.string() + ": " + e.what();
  }
  return {};
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
        std::snprintf(buf, sizeof buf, "order %" PRIu64 " %s %" PRId64 " %s @ %.6g", o->cl_ord_id,
                      to_string(o->side), o->qty, instrument_name(o->instrument).c_str(), o->price);
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
                      e->cum_qty, e->last_qty, e->last_px, log_safe(e->exec_id.c_str()).c_str(),
                      e->text.empty() ? "" : ": ", log_safe(e->text.c_str()).c_str());
      }
      break;
    case journal::RecordType::kOptionTrade:
      if (const auto t = decode<OptionTradeEvent>(r)) {
        std::snprintf(buf, sizeof buf, "option trade %+" PRId64 " %s @ %.6g exec %s", t->qty,
                      instrument_name(t->instrument).c_str(), t->price,
                      log_safe(t->exec_id.c_str()).c_str());
      }
      break;
    case journal::RecordType::kStateChange:
      if (const auto s = decode<StateNotice>(r)) {
        std::snprintf(buf, sizeof buf, "state %s %s -> %s: %s",
                      s->underlying == kBookScope ? "book" : underlying_name(s->underlying).c_str(),
                      to_string(s->from), to_string(s->to), log_safe(s->cause.c_str()).c_str());
      }
      break;
    case journal::RecordType::kHedgeDecision:
      if (const auto h = decode<HedgeDecision>(r)) {
        std::snprintf(buf, sizeof buf,
                      "hedge %s: %s %" PRId64 " @ %.6g order %" PRIu64
                      " option delta %.1f position %" PRId64,
                      underlying_name(h->underlying).c_str(), to_string(h->side), h->qty, h->price,
                      h->cl_ord_id, h->portfolio_delta_shares, h->hedge_position);
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
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h" || a == "help") {
      usage(stdout);
      return 0;
    }
  }
  if (args.empty()) {
    usage(stderr);
    return 64;
  }
  const std::string& what = args[0];
  if (what != "verify" && what != "inspect" && what != "tail") {
    std::fprintf(stderr, "hedged journal: unknown subcommand '%s'\n", what.c_str());
    usage(stderr);
    return 64;
  }
  std::filesystem::path dir;
  std::string config_path;
  std::size_t count = 20;
  bool follow = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (what != "verify" && (a == "-c" || a == "--config") && i + 1 < args.size()) {
      config_path = args[++i];
    } else if (what == "tail" && a == "-n" && i + 1 < args.size()) {
      const std::string& n = args[++i];
      if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos) {
        std::fprintf(stderr, "hedged journal tail: -n wants a count of records, not '%s'\n",
                     n.substr(0, 40).c_str());
        return 64;
      }
      count = static_cast<std::size_t>(std::stoul(n));
    } else if (what == "tail" && (a == "--follow" || a == "-f")) {
      follow = true;
    } else if (!a.empty() && a[0] != '-' && dir.empty()) {
      dir = a;
    } else {
      std::fprintf(stderr, "hedged journal %s: unexpected argument '%s'\n", what.c_str(),
                   a.substr(0, 80).c_str());
      usage(stderr);
      return 64;
    }
  }
  if (dir.empty()) {
    usage(stderr);
    return 64;
  }
  if (const std::string problem = check_directory(dir); !problem.empty()) {
    std::fprintf(stderr, "hedged journal %s: %s\n", what.c_str(), problem.c_str());
    return 2;
  }
  if (!config_path.empty()) {
    const auto loaded = config::load_file(config_path, runtime::wall_clock_ns());
    if (!loaded.config) {
      std::fprintf(stderr, "hedged journal %s: configuration rejected: %s\n", what.c_str(),
                   loaded.error.c_str());
      return 2;
    }
    for (const InstrumentSpec& spec : loaded.config->engine.instruments) {
      symbols.emplace(spec.id, spec.symbol);
    }
    for (const UnderlyingConfig& u : loaded.config->engine.underlyings) {
      underlying_names.push_back(u.name);
    }
  }
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
