#include "test_runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "exit_codes.h"

namespace brainvm::cli::testrun {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxShownValue = 400;  // characters of a value in a diff

std::string compact(const Json& value) {
  std::string s = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > kMaxShownValue) {
    s.resize(kMaxShownValue);
    s += "...";
  }
  return s;
}

bool needsQuoting(std::string_view line) {
  if (line.empty()) return false;
  if (line.front() == ' ' || line.front() == '\t' || line.back() == ' ' ||
      line.back() == '\t')
    return true;
  for (char c : line) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

// Splits text into lines (without the newlines; no empty last line).
std::vector<std::string> splitLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    lines.emplace_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

std::string indentLines(std::string_view text, std::string_view indent) {
  std::string out;
  for (const std::string& line : splitLines(text)) {
    out += indent;
    out += line;
    out += '\n';
  }
  return out;
}

bool readFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return false;
  out = std::move(buf).str();
  return true;
}

// Writes via a temporary file and a rename, so a crash never leaves half a
// file behind.
bool writeFileAtomically(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.flush();
    if (!out) return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return false;
  }
  return true;
}

bool numbersEqual(const Json& a, const Json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    bool au = a.is_number_unsigned(), bu = b.is_number_unsigned();
    if (au && bu) return a.get<uint64_t>() == b.get<uint64_t>();
    if (!au && !bu) return a.get<int64_t>() == b.get<int64_t>();
    const Json& s = au ? b : a;
    const Json& u = au ? a : b;
    int64_t sv = s.get<int64_t>();
    return sv >= 0 && static_cast<uint64_t>(sv) == u.get<uint64_t>();
  }
  return a.get<double>() == b.get<double>();
}

bool isPlainKey(const std::string& key) {
  if (key.empty()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string memberPath(const std::string& path, const std::string& key) {
  if (isPlainKey(key)) return path + "." + key;
  return path + "[" +
         Json(key).dump(-1, ' ', false, Json::error_handler_t::replace) + "]";
}

void findDifference(const Json& e, const Json& g, const std::string& path,
                    std::optional<JsonDifference>& out) {
  if (e.is_number() && g.is_number()) {
    if (!numbersEqual(e, g)) out = JsonDifference{path, compact(e), compact(g)};
    return;
  }
  if (e.type() != g.type()) {
    out = JsonDifference{path, compact(e), compact(g)};
    return;
  }
  if (e.is_object()) {
    for (auto it = e.begin(); it != e.end(); ++it) {
      auto gi = g.find(it.key());
      if (gi == g.end()) {
        out = JsonDifference{memberPath(path, it.key()), compact(it.value()),
                             "(absent)"};
        return;
      }
      findDifference(it.value(), *gi, memberPath(path, it.key()), out);
      if (out) return;
    }
    for (auto it = g.begin(); it != g.end(); ++it) {
      if (e.find(it.key()) == e.end()) {
        out = JsonDifference{memberPath(path, it.key()), "(absent)",
                             compact(it.value())};
        return;
      }
    }
    return;
  }
  if (e.is_array()) {
    size_t n = std::min(e.size(), g.size());
    for (size_t i = 0; i < n; ++i) {
      findDifference(e[i], g[i], path + "[" + std::to_string(i) + "]", out);
      if (out) return;
    }
    if (e.size() != g.size()) {
      std::string p = path + "[" + std::to_string(n) + "]";
      out = JsonDifference{p, n < e.size() ? compact(e[n]) : "(absent)",
                           n < g.size() ? compact(g[n]) : "(absent)"};
    }
    return;
  }
  if (e != g) out = JsonDifference{path, compact(e), compact(g)};
}

// "- expected: X" / "+ got:      Y".
std::string expectedGot(std::string_view expected, std::string_view got) {
  std::string out = "- expected: ";
  out += expected;
  out += "\n+ got:      ";
  out += got;
  out += '\n';
  return out;
}

// The faults of a report: "fiber 2 (worker): HostError: message".
struct ReportFault {
  std::string where;
  std::string tag;
  std::string message;
};

std::vector<ReportFault> faultsOf(const Json& report) {
  std::vector<ReportFault> faults;
  auto errorParts = [](const Json& error, ReportFault& f) {
    if (error.is_object()) {
      auto t = error.find("tag");
      auto m = error.find("message");
      if (t != error.end() && t->is_string()) f.tag = t->get<std::string>();
      if (m != error.end() && m->is_string()) f.message = m->get<std::string>();
    } else {
      f.tag = "(not an error)";
      f.message = compact(error);
    }
  };
  auto fibers = report.find("fibers");
  if (fibers != report.end() && fibers->is_array()) {
    for (const Json& fiber : *fibers) {
      if (!fiber.is_object()) continue;
      auto state = fiber.find("state");
      auto error = fiber.find("error");
      if (state == fiber.end() || *state != "FAULT" || error == fiber.end())
        continue;
      ReportFault f;
      f.where = "fiber " + compact(fiber.value("id", Json())) + " (" +
                fiber.value("function", std::string("?")) + ")";
      errorParts(*error, f);
      faults.push_back(std::move(f));
    }
  }
  auto rules = report.find("rules");
  if (rules != report.end() && rules->is_array()) {
    for (const Json& rule : *rules) {
      if (!rule.is_object()) continue;
      auto error = rule.find("error");
      if (error == rule.end()) continue;
      ReportFault f;
      f.where = "rule " + rule.value("function", std::string("?"));
      errorParts(*error, f);
      faults.push_back(std::move(f));
    }
  }
  return faults;
}

std::string describeFaults(const std::vector<ReportFault>& faults) {
  if (faults.empty()) return "(no fiber or rule faulted)";
  std::string out;
  for (size_t i = 0; i < faults.size(); ++i) {
    if (i > 0) out += "\n            ";
    out += faults[i].where + ": " + faults[i].tag + ": " + faults[i].message;
  }
  return out;
}

std::string statusOf(const Json& report) {
  auto s = report.find("status");
  return s != report.end() && s->is_string() ? s->get<std::string>() : "?";
}

// The source line an error diagnostic names: the last one or two numeric
// components before ": error:" ("file:12:5: error:" and "file:12: error:"
// both give 12). 0 if none.
uint32_t diagnosticLine(std::string_view line) {
  size_t at = line.find(": error:");
  if (at == std::string_view::npos) {
    if (line.substr(0, 7) == "error: ") return 0;
    return 0;
  }
  std::string_view prefix = line.substr(0, at);
  // Drop an ":offset N" part (image errors).
  size_t off = prefix.rfind(":offset ");
  if (off != std::string_view::npos) prefix = prefix.substr(0, off);
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (true) {
    size_t c = prefix.find(':', pos);
    parts.push_back(prefix.substr(
        pos, c == std::string_view::npos ? std::string_view::npos : c - pos));
    if (c == std::string_view::npos) break;
    pos = c + 1;
  }
  auto numeric = [](std::string_view s) {
    return !s.empty() && s.size() <= 9 &&
           s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  size_t n = parts.size();
  std::string_view num;
  if (n >= 2 && numeric(parts[n - 1]) && numeric(parts[n - 2]))
    num = parts[n - 2];
  else if (numeric(parts[n - 1]))
    num = parts[n - 1];
  if (num.empty()) return 0;
  return static_cast<uint32_t>(std::stoul(std::string(num)));
}

std::vector<std::string> errorLines(std::string_view diagnostics) {
  std::vector<std::string> out;
  for (std::string& line : splitLines(diagnostics))
    if (line.find("error:") != std::string::npos)
      out.push_back(std::move(line));
  return out;
}

std::string exitMeaning(int code) {
  switch (code) {
    case kExitOk:
      return "ok";
    case kExitUsage:
      return "usage error";
    case kExitDataError:
      return "the program does not load";
    case kExitNoInput:
      return "an input cannot be read";
    case kExitFault:
      return "a fiber faulted or the run hit its limit";
    case kExitIoError:
      return "an output cannot be written";
    default:
      return "unexpected";
  }
}

std::string describeExit(const RunInvocation& run) {
  return "exit " + std::to_string(run.exitCode) + ": " +
         exitMeaning(run.exitCode);
}

TestOutcome failWith(std::string block) {
  TestOutcome o;
  o.passed = false;
  o.failures.push_back(std::move(block));
  return o;
}

}  // namespace

// ---- discovery -------------------------------------------------------------

Discovery discoverTests(const std::vector<std::string>& paths) {
  Discovery d;
  auto addTest = [&d](const fs::path& file, const std::string& rel) {
    TestCase t;
    t.path = file.lexically_normal().generic_string();
    t.relPath = rel;
    fs::path parent = fs::path(t.path).parent_path();
    t.classname = parent.empty() ? "." : parent.generic_string();
    t.name = fs::path(t.path).filename().generic_string();
    d.tests.push_back(std::move(t));
  };
  for (const std::string& arg : paths) {
    std::error_code ec;
    fs::file_status st = fs::status(arg, ec);
    if (ec || !fs::exists(st)) {
      d.errors.push_back("no such file or directory: " + arg);
      continue;
    }
    if (!fs::is_directory(st)) {
      addTest(fs::path(arg), fs::path(arg).lexically_normal().generic_string());
      continue;
    }
    fs::recursive_directory_iterator it(
        arg, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
      d.errors.push_back("cannot list " + arg + ": " + ec.message());
      continue;
    }
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      const fs::directory_entry& entry = *it;
      std::error_code fec;
      if (!entry.is_regular_file(fec) || entry.path().extension() != ".bvasm")
        continue;
      fs::path rel = entry.path().lexically_relative(arg);
      addTest(entry.path(), rel.generic_string());
    }
    if (ec) d.errors.push_back("cannot list " + arg + ": " + ec.message());
  }
  std::stable_sort(
      d.tests.begin(), d.tests.end(),
      [](const TestCase& a, const TestCase& b) { return a.path < b.path; });
  std::set<std::string> seen;
  std::vector<TestCase> unique;
  for (TestCase& t : d.tests) {
    std::error_code ec;
    fs::path canon = fs::weakly_canonical(t.path, ec);
    std::string key = ec ? t.path : canon.generic_string();
    if (seen.insert(key).second) unique.push_back(std::move(t));
  }
  d.tests = std::move(unique);
  return d;
}

// ---- sharding --------------------------------------------------------------

std::optional<ShardSpec> parseShard(std::string_view text, std::string& error) {
  size_t slash = text.find('/');
  auto parse = [](std::string_view s, uint64_t& v) {
    if (s.empty() || s.size() > 18 ||
        s.find_first_not_of("0123456789") != std::string_view::npos)
      return false;
    v = std::stoull(std::string(s));
    return true;
  };
  ShardSpec spec;
  if (slash == std::string_view::npos ||
      !parse(text.substr(0, slash), spec.index) ||
      !parse(text.substr(slash + 1), spec.total)) {
    error = "expected K/N (0-based shard K of N shards), got '" +
            std::string(text) + "'";
    return std::nullopt;
  }
  if (spec.total == 0 || spec.index >= spec.total) {
    error = "shard index must be in 0.." +
            (spec.total == 0 ? std::string("N-1")
                             : std::to_string(spec.total - 1)) +
            " (0-based), got '" + std::string(text) + "'";
    return std::nullopt;
  }
  return spec;
}

// ---- comparing and rendering -----------------------------------------------

std::optional<JsonDifference> firstJsonDifference(const Json& expected,
                                                  const Json& got) {
  std::optional<JsonDifference> out;
  findDifference(expected, got, "$", out);
  return out;
}

bool jsonEquivalent(const Json& expected, const Json& got) {
  return !firstJsonDifference(expected, got).has_value();
}

std::string displayLine(std::string_view line) {
  if (!needsQuoting(line)) return std::string(line);
  std::string quoted = Json(std::string(line))
                           .dump(-1, ' ', false, Json::error_handler_t::replace);
  // JSON leaves DEL as is; make it visible too.
  std::string out;
  for (char c : quoted) {
    if (c == '\x7F')
      out += "\\u007f";
    else
      out += c;
  }
  return out;
}

std::string unifiedDiff(const std::vector<std::string>& expected,
                        const std::vector<std::string>& got, size_t context) {
  if (expected == got) return {};
  // Common prefix and suffix, then an LCS table over the middle (bounded:
  // beyond that the middle is shown as replaced wholesale).
  size_t n = expected.size(), m = got.size();
  size_t pre = 0;
  while (pre < n && pre < m && expected[pre] == got[pre]) ++pre;
  size_t suf = 0;
  while (suf < n - pre && suf < m - pre &&
         expected[n - 1 - suf] == got[m - 1 - suf])
    ++suf;
  size_t en = n - pre - suf, gm = m - pre - suf;

  // ops: ' ' same, '-' expected only, '+' got only; with indexes.
  struct Op {
    char kind;
    size_t e, g;  // index into expected / got (of the line shown)
  };
  std::vector<Op> ops;
  for (size_t i = 0; i < pre; ++i) ops.push_back({' ', i, i});
  if (en * gm <= 4'000'000) {
    std::vector<std::vector<uint32_t>> lcs(en + 1,
                                           std::vector<uint32_t>(gm + 1, 0));
    for (size_t i = en; i-- > 0;)
      for (size_t j = gm; j-- > 0;)
        lcs[i][j] = expected[pre + i] == got[pre + j]
                        ? lcs[i + 1][j + 1] + 1
                        : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    size_t i = 0, j = 0;
    while (i < en || j < gm) {
      if (i < en && j < gm && expected[pre + i] == got[pre + j]) {
        ops.push_back({' ', pre + i, pre + j});
        ++i;
        ++j;
      } else if (j < gm && (i == en || lcs[i][j + 1] > lcs[i + 1][j])) {
        ops.push_back({'+', pre + i, pre + j});
        ++j;
      } else {
        ops.push_back({'-', pre + i, pre + j});
        ++i;
      }
    }
  } else {
    for (size_t i = 0; i < en; ++i) ops.push_back({'-', pre + i, pre});
    for (size_t j = 0; j < gm; ++j) ops.push_back({'+', pre + en, pre + j});
  }
  for (size_t i = 0; i < suf; ++i)
    ops.push_back({' ', n - suf + i, m - suf + i});

  std::string out = "--- expected\n+++ got\n";
  size_t k = 0;
  while (k < ops.size()) {
    // Find the next change.
    size_t first = k;
    while (first < ops.size() && ops[first].kind == ' ') ++first;
    if (first == ops.size()) break;
    size_t start = first >= context ? first - context : 0;
    start = std::max(start, k);
    // Extend the hunk while changes are within 2*context of each other.
    size_t end = first;  // one past the last change
    size_t scan = first;
    while (scan < ops.size()) {
      if (ops[scan].kind != ' ') {
        end = scan + 1;
        ++scan;
        continue;
      }
      size_t run = scan;
      while (run < ops.size() && ops[run].kind == ' ') ++run;
      if (run == ops.size() || run - scan > 2 * context) break;
      scan = run;
    }
    size_t stop = std::min(ops.size(), end + context);
    size_t eStart = ops[start].e, gStart = ops[start].g;
    size_t eCount = 0, gCount = 0;
    for (size_t x = start; x < stop; ++x) {
      if (ops[x].kind != '+') ++eCount;
      if (ops[x].kind != '-') ++gCount;
    }
    auto range = [](size_t s, size_t count) {
      // Unified diff: an empty range is shown as "s,0" with s the line before.
      size_t shown = count == 0 ? s : s + 1;
      return std::to_string(shown) + "," + std::to_string(count);
    };
    out +=
        "@@ -" + range(eStart, eCount) + " +" + range(gStart, gCount) + " @@\n";
    for (size_t x = start; x < stop; ++x) {
      const Op& op = ops[x];
      out += op.kind;
      out += displayLine(op.kind == '+' ? got[op.g] : expected[op.e]);
      out += '\n';
    }
    k = stop;
  }
  return out;
}

// ---- running ---------------------------------------------------------------

namespace {

// NAME + suffix for NAME.bvasm, any other name + suffix.
std::string withSuffix(const std::string& programPath,
                       std::string_view suffix) {
  constexpr std::string_view ext = ".bvasm";
  std::string out = programPath;
  if (out.size() > ext.size() &&
      std::string_view(out).substr(out.size() - ext.size()) == ext)
    out.resize(out.size() - ext.size());
  out += suffix;
  return out;
}

// Writes a --reports file, creating its folders.
bool writeReportFile(const std::string& path, std::string_view text) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  return !ec && writeFileAtomically(path, text);
}

}  // namespace

std::string expectedReportPath(const std::string& programPath) {
  return withSuffix(programPath, ".expected.json");
}

std::string reportFilePath(const std::string& dir,
                           const std::string& programPath) {
  // Without a root and with ".." as "_", every path lands inside `dir`.
  fs::path rel;
  for (const fs::path& part :
       fs::path(programPath).lexically_normal().relative_path())
    rel /= part == ".." ? fs::path("_") : part;
  return (fs::path(dir) / withSuffix(rel.generic_string(), ".json"))
      .generic_string();
}

std::vector<std::string> resolveRunArgPaths(
    const std::vector<std::string>& args, const std::string& programPath) {
  fs::path dir = fs::path(programPath).parent_path();
  auto resolve = [&dir](const std::string& p) {
    if (p.empty() || p == "-" || fs::path(p).is_absolute() || dir.empty())
      return p;
    return (dir / p).lexically_normal().generic_string();
  };
  std::vector<std::string> out;
  out.reserve(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool takesFile = a == "--vars" || a == "--trace";
    if (takesFile && i + 1 < args.size()) {
      out.push_back(a);
      out.push_back(resolve(args[++i]));
      continue;
    }
    bool handled = false;
    for (std::string_view opt : {"--vars=", "--trace="}) {
      if (a.compare(0, opt.size(), opt) == 0) {
        out.push_back(std::string(opt) + resolve(a.substr(opt.size())));
        handled = true;
        break;
      }
    }
    if (!handled) out.push_back(a);
  }
  return out;
}

TestOutcome evaluateRun(const Annotations& ann,
                        const std::optional<Json>& expectedReport,
                        const std::string& expectedReportName,
                        const RunInvocation& run, const TestOptions& options) {
  TestOutcome o;
  // The report as a document: the text `brainvm run` prints, parsed.
  std::optional<Json> parsed;
  if (run.hasReport) {
    try {
      parsed = Json::parse(run.reportText);
    } catch (const Json::exception& e) {
      return failWith(std::string("the report is not valid JSON: ") +
                      e.what() + "\n");
    }
  }

  // expect-error: the program must not load.
  if (!ann.expectErrors.empty()) {
    if (run.exitCode != kExitDataError) {
      std::string block =
          "expected the program to fail to assemble or verify (exit 65), "
          "got " +
          describeExit(run) + "\n";
      for (const ErrorExpectation& e : ann.expectErrors)
        block += "- expected: error at line " + std::to_string(e.line) + ": " +
                 e.text + "\n";
      block +=
          "+ got:      " +
          (parsed ? "a report with status \"" + statusOf(*parsed) + "\""
                  : std::string("no report")) +
          "\n";
      block += indentLines(run.diagnostics, "  ");
      o.failures.push_back(std::move(block));
      return o;
    }
    std::vector<std::string> errors = errorLines(run.diagnostics);
    for (const ErrorExpectation& e : ann.expectErrors) {
      bool found = false;
      for (const std::string& line : errors) {
        if (diagnosticLine(line) != e.line) continue;
        size_t at = line.find("error:");
        if (line.find(e.text, at) != std::string::npos) {
          found = true;
          break;
        }
      }
      if (found) continue;
      std::string block = "no error at line " + std::to_string(e.line) +
                          " containing \"" + e.text + "\"\n";
      block +=
          "- expected: line " + std::to_string(e.line) + ": " + e.text + "\n";
      if (errors.empty()) {
        block += "+ got:      (no error message)\n";
      } else {
        for (size_t i = 0; i < errors.size(); ++i)
          block +=
              (i == 0 ? "+ got:      " : "            ") + errors[i] + "\n";
      }
      o.failures.push_back(std::move(block));
    }
    o.passed = o.failures.empty();
    return o;
  }

  if (!parsed) {
    std::string block = "brainvm run failed (" + describeExit(run) + ")\n";
    block += indentLines(run.diagnostics, "  ");
    o.failures.push_back(std::move(block));
    return o;
  }
  const Json& report = *parsed;
  const std::string status = statusOf(report);

  // The exit code.
  const bool faultsExpected = !ann.expectFaults.empty() ||
                              ann.expectStatus.has_value() ||
                              expectedReport.has_value();
  if (run.exitCode == kExitFault && !faultsExpected) {
    std::string block;
    if (status == "limit") {
      block = "the run hit its instruction limit (status \"limit\", exit 70)";
      uint64_t instructions = 0;
      auto stats = report.find("stats");
      if (stats != report.end() && stats->is_object())
        instructions = stats->value("instructions", uint64_t{0});
      if (options.maxInstructions != 0 &&
          instructions >= options.maxInstructions)
        block += "; the per-test cap is " +
                 std::to_string(options.maxInstructions) +
                 " instructions (--max-instructions-per-test)";
      block += "\n";
    } else {
      block =
          "a fiber or rule faulted (exit 70) and no expect-fault: or "
          "expect-status: annotation expects it\n";
    }
    block += "+ got:      " + describeFaults(faultsOf(report)) + "\n";
    block += indentLines(run.diagnostics, "  ");
    o.failures.push_back(std::move(block));
  } else if (run.exitCode != kExitOk && run.exitCode != kExitFault) {
    std::string block = "brainvm run failed (" + describeExit(run) + ")\n";
    block += indentLines(run.diagnostics, "  ");
    o.failures.push_back(std::move(block));
  }

  if (ann.expectStatus && *ann.expectStatus != status) {
    o.failures.push_back("status differs\n" +
                         expectedGot(*ann.expectStatus, status));
  }

  if (ann.expectResult) {
    auto r = report.find("result");
    if (r == report.end()) {
      o.failures.push_back("result differs (the entry fiber did not finish)\n" +
                           expectedGot(compact(*ann.expectResult),
                                       "(absent; status \"" + status + "\")"));
    } else if (auto diff = firstJsonDifference(*ann.expectResult, *r)) {
      std::string block = "result differs";
      if (diff->path != "$") block += " at " + diff->path;
      block += "\n" + expectedGot(compact(*ann.expectResult), compact(*r));
      o.failures.push_back(std::move(block));
    }
  }

  if (ann.hasExpectOutput) {
    std::vector<std::string> got;
    auto out = report.find("output");
    if (out != report.end() && out->is_array())
      for (const Json& line : *out)
        got.push_back(line.is_string() ? line.get<std::string>()
                                       : compact(line));
    if (got != ann.expectOutput) {
      auto lines = [](size_t k) {
        return std::to_string(k) + (k == 1 ? " line" : " lines");
      };
      std::string block = "output differs (expected " +
                          lines(ann.expectOutput.size()) + ", got " +
                          std::to_string(got.size()) + ")\n";
      block += unifiedDiff(ann.expectOutput, got);
      o.failures.push_back(std::move(block));
    }
  }

  if (!ann.expectFaults.empty()) {
    std::vector<ReportFault> faults = faultsOf(report);
    for (const FaultExpectation& f : ann.expectFaults) {
      bool found =
          std::any_of(faults.begin(), faults.end(), [&f](const ReportFault& r) {
            return r.tag == f.tag &&
                   r.message.compare(0, f.messagePrefix.size(),
                                     f.messagePrefix) == 0;
          });
      if (found) continue;
      std::string want = f.tag + ": " + f.messagePrefix;
      o.failures.push_back("no fiber or rule faulted with " + want + "...\n" +
                           expectedGot(want + "...", describeFaults(faults)));
    }
  }

  if (expectedReport) {
    if (auto diff = firstJsonDifference(*expectedReport, report)) {
      o.failures.push_back(
          "report differs from " + expectedReportName + " at " + diff->path +
          "\n" + expectedGot(diff->expected, diff->got) +
          "  (brainvm test --update rewrites " + expectedReportName + ")\n");
    }
  }

  o.passed = o.failures.empty();
  return o;
}

TestOutcome runTest(const TestCase& test, const TestOptions& options) {
  try {
    std::string source;
    if (!readFile(test.path, source))
      return failWith("cannot read " + test.path + "\n");
    Annotations ann = parseAnnotations(source);
    if (!ann.problems.empty()) {
      std::string block = "invalid annotations\n";
      for (const std::string& p : ann.problems) block += "  " + p + "\n";
      return failWith(std::move(block));
    }

    const std::string expectedPath = expectedReportPath(test.path);
    const std::string expectedName = fs::path(expectedPath).filename().string();
    std::optional<Json> expected;
    std::error_code ec;
    const bool expectedExists = fs::exists(expectedPath, ec);
    if (expectedExists && options.update == UpdateMode::None) {
      std::string text;
      if (!readFile(expectedPath, text))
        return failWith("cannot read " + expectedPath + "\n");
      try {
        expected = Json::parse(text);
      } catch (const std::exception& e) {
        return failWith(expectedName + " is not valid JSON: " + e.what() +
                        "\n");
      }
    }

    RunInvocation run = runInProcess(test.path, source,
                                     resolveRunArgPaths(ann.runArgs, test.path),
                                     options.maxInstructions, options.coverage);

    if (!options.reportsDir.empty() && run.hasReport) {
      const std::string path = reportFilePath(options.reportsDir, test.path);
      if (!writeReportFile(path, run.reportText))
        return failWith("cannot write " + path + "\n");
    }

    bool updated = false;
    const bool mayUpdate =
        options.update == UpdateMode::All ||
        (options.update == UpdateMode::Existing && expectedExists);
    if (mayUpdate && run.hasReport && ann.expectErrors.empty()) {
      const std::string& text = run.reportText;  // indented, as stored
      std::string old;
      if (!expectedExists || !readFile(expectedPath, old) || old != text) {
        if (!writeFileAtomically(expectedPath, text))
          return failWith("cannot write " + expectedPath + "\n");
        updated = true;
      }
      expected = Json::parse(text);
    } else if (expectedExists && !expected) {
      // --update could not rewrite it (no report): compare with what is there.
      std::string text;
      if (readFile(expectedPath, text)) {
        try {
          expected = Json::parse(text);
        } catch (const std::exception&) {
        }
      }
    }

    TestOutcome o = evaluateRun(ann, expected, expectedName, run, options);
    o.updated = updated;
    return o;
  } catch (const std::exception& e) {
    return failWith(std::string("internal error: ") + e.what() + "\n");
  }
}

// ---- the worker pool -------------------------------------------------------

namespace {

using Clock = std::chrono::steady_clock;

struct Pool {
  enum class State { Pending, Running, Done };
  struct Slot {
    State state = State::Pending;
    Clock::time_point start;
    size_t worker = 0;
    TestOutcome outcome;
  };

  std::mutex mutex;
  std::condition_variable changed;
  std::vector<TestCase> tests;
  TestOptions options;
  TestFunction run;
  std::vector<Slot> slots;
  size_t next = 0;
  size_t finished = 0;
  size_t abandoned = 0;  // timed-out tests whose thread is still running
};

std::string timedOutMessage(double limit, double took, bool stillRunning) {
  char buf[160];
  if (stillRunning)
    std::snprintf(buf, sizeof buf,
                  "timed out: still running after %.1f s (--timeout %g); "
                  "abandoned\n",
                  took, limit);
  else
    std::snprintf(buf, sizeof buf,
                  "timed out: took %.1f s, over the %g s limit (--timeout)\n",
                  took, limit);
  return buf;
}

void workerLoop(std::shared_ptr<Pool> pool, size_t worker) {
  std::unique_lock<std::mutex> lock(pool->mutex);
  while (pool->next < pool->slots.size()) {
    size_t index = pool->next++;
    Pool::Slot& slot = pool->slots[index];
    slot.state = Pool::State::Running;
    slot.start = Clock::now();
    slot.worker = worker;
    lock.unlock();

    TestOutcome outcome;
    try {
      outcome = pool->run(pool->tests[index], pool->options);
    } catch (const std::exception& e) {
      outcome = failWith(std::string("internal error: ") + e.what() + "\n");
    } catch (...) {
      outcome = failWith("internal error\n");
    }
    const Clock::time_point end = Clock::now();

    lock.lock();
    if (slot.state != Pool::State::Running) {
      // Reported as timed out meanwhile; a replacement thread took over.
      --pool->abandoned;
      pool->changed.notify_all();
      return;
    }
    outcome.seconds = std::chrono::duration<double>(end - slot.start).count();
    const double limit = pool->options.timeoutSeconds;
    if (limit > 0 && outcome.seconds > limit) {
      outcome.passed = false;
      outcome.failures.insert(outcome.failures.begin(),
                              timedOutMessage(limit, outcome.seconds, false));
    }
    slot.outcome = std::move(outcome);
    slot.state = Pool::State::Done;
    ++pool->finished;
    pool->changed.notify_all();
  }
}

}  // namespace

RunAllResult runTests(const std::vector<TestCase>& tests,
                      const RunAllOptions& options) {
  RunAllResult result;
  const size_t n = tests.size();
  auto pool = std::make_shared<Pool>();
  pool->tests = tests;
  pool->options = options.test;
  pool->run = options.run ? options.run : TestFunction(runTest);
  pool->slots.resize(n);

  std::vector<std::thread> threads;
  const size_t jobs =
      std::max<size_t>(1, std::min<size_t>(options.jobs == 0 ? 1 : options.jobs,
                                           std::max<size_t>(n, 1)));
  if (n > 0)
    for (size_t w = 0; w < jobs; ++w)
      threads.emplace_back(workerLoop, pool, threads.size());

  const double limit = options.test.timeoutSeconds;
  const auto limitDuration = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(limit > 0 ? limit : 0));
  size_t delivered = 0;
  size_t reportedFinished = 0;
  std::unique_lock<std::mutex> lock(pool->mutex);
  while (delivered < n) {
    // Results in discovery order, as soon as they are ready.
    while (delivered < n && pool->slots[delivered].state == Pool::State::Done) {
      const TestOutcome& outcome = pool->slots[delivered].outcome;
      size_t index = delivered++;
      lock.unlock();
      if (options.onResult) options.onResult(index, outcome);
      lock.lock();
    }
    if (pool->finished != reportedFinished) {
      reportedFinished = pool->finished;
      lock.unlock();
      if (options.onProgress) options.onProgress(reportedFinished, n);
      lock.lock();
      continue;  // more may have finished meanwhile
    }
    if (delivered >= n) break;

    if (limit <= 0) {
      pool->changed.wait(lock);
      continue;
    }
    std::optional<Clock::time_point> deadline;
    for (const Pool::Slot& s : pool->slots)
      if (s.state == Pool::State::Running &&
          (!deadline || s.start + limitDuration < *deadline))
        deadline = s.start + limitDuration;
    if (!deadline) {
      pool->changed.wait(lock);
      continue;
    }
    pool->changed.wait_until(lock, *deadline);
    const Clock::time_point now = Clock::now();
    for (Pool::Slot& s : pool->slots) {
      if (s.state != Pool::State::Running || now < s.start + limitDuration)
        continue;
      // Report it now, leave its thread to finish (the instruction cap ends
      // it eventually) and start a replacement for the remaining tests.
      double took = std::chrono::duration<double>(now - s.start).count();
      s.outcome = failWith(timedOutMessage(limit, took, true));
      s.outcome.seconds = took;
      s.state = Pool::State::Done;
      ++pool->finished;
      ++pool->abandoned;
      threads[s.worker].detach();
      if (pool->next < n)
        threads.emplace_back(workerLoop, pool, threads.size());
    }
  }
  result.abandoned = pool->abandoned;
  lock.unlock();
  for (std::thread& t : threads)
    if (t.joinable()) t.join();

  lock.lock();
  result.abandoned = pool->abandoned;
  result.outcomes.reserve(n);
  for (Pool::Slot& s : pool->slots) {
    if (s.outcome.passed)
      ++result.passed;
    else
      ++result.failed;
    result.outcomes.push_back(s.outcome);
  }
  return result;
}

}  // namespace brainvm::cli::testrun
