// The report as `brainvm run` streams it: the layout is nlohmann's dump()
// (compact and --pretty give the same document, each is the dump of its own
// parse), a large report arrives in chunks that add up to the whole, and a
// failed write stops the stream and ends in exit 74.
#include "report_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "exit_codes.h"
#include "io.h"
#include "run_command.h"

namespace brainvm::cli {
namespace {

using Json = nlohmann::ordered_json;
using namespace std::string_literals;

RunInvocation runText(const std::string& name, std::string_view source,
                      bool pretty, RunCliOptions options = {}) {
  options.pretty = pretty;
  return executeRun(options, name, source, 0, false);
}

// The text with which nlohmann would write the document the text holds.
std::string redumped(const std::string& text, bool pretty) {
  return Json::parse(text).dump(pretty ? 2 : -1, ' ', false,
                                Json::error_handler_t::replace) +
         "\n";
}

// Compact and indented reports of one run: each in nlohmann's layout, both
// the same document. Returns the document.
Json expectConsistentReports(const std::string& name, std::string_view source,
                             const RunCliOptions& options = {}) {
  RunInvocation compact = runText(name, source, false, options);
  RunInvocation pretty = runText(name, source, true, options);
  EXPECT_TRUE(compact.hasReport) << name << ": " << compact.diagnostics;
  EXPECT_EQ(compact.exitCode, pretty.exitCode) << name;
  if (!compact.hasReport || !pretty.hasReport) return Json();
  EXPECT_EQ(compact.reportText.find('\n'), compact.reportText.size() - 1)
      << name;
  EXPECT_EQ(compact.reportText, redumped(compact.reportText, false)) << name;
  EXPECT_EQ(pretty.reportText, redumped(pretty.reportText, true)) << name;
  Json doc = Json::parse(compact.reportText);
  EXPECT_EQ(doc, Json::parse(pretty.reportText)) << name;
  return doc;
}

// Fibers, rules and variables holding every kind of value, strings that need
// escaping, non-integral and non-finite numbers, faults with traces, a
// cancelled fiber, a rule that faults and one still waiting at the end.
constexpr const char* kEveryValue = R"(.var s "quote \" back \\ tab\t nl\n nul\0 \u{1} é \u{1F600}"
.var big 1e300
.var frac 0.1
.var negzero -0
.var huge 9007199254740993
.var nothing nil
.var yes true
.func nested()
  list_new
  push_const 1.5
  list_push
  map_new
  push_const "k\n"
  list_new
  map_set
  push_const 2
  map_new
  map_set
  list_push
  push_const "x"
  push_const 0.25
  push_const "y"
  list_new
  struct_new 2 "P\"t"
  list_push
  push_const "zz"
  push_const nil
  struct_new 1
  list_push
  ret
.end
.func nan()
  push_const 0
  push_const 0
  host_call_args div 2
  ret
.end
.func inf()
  push_const -1
  push_const 0
  host_call_args div 2
  ret
.end
.func fails()
  push_const "bad \u{7f} thing"
  host_call_args error 1
  throw
.end
.func throws_number()
  push_const 3.75
  throw
.end
.func waits()
  push_const 1000
  host_call_args_async sleep 1
  await
  ret
.end
.func handle()
  push_const 1000
  host_call_args_async sleep 1
  ret
.end
.func cyclic()
  .local xs
  list_new
  store_local xs
  load_local xs
  load_local xs
  list_push
  ret
.end
.func r1()
  push_const "rule \u{2028} fault"
  host_call_args error 1
  throw
.end
.func r2()
  push_const 1
  host_call_args_async sleep 1
  await
  ret
.end
.func seven()
  push_const 7
  ret
.end
.func yes_fn()
  push_const true
  ret
.end
.func nil_fn()
  push_const nil
  ret
.end
.func big_fn()
  push_const -123456789012
  ret
.end
.rule r1
.rule r2
.func main()
  .local w
  push_const "seven"
  host_call_args spawn 1
  pop
  push_const "yes_fn"
  host_call_args spawn 1
  pop
  push_const "nil_fn"
  host_call_args spawn 1
  pop
  push_const "big_fn"
  host_call_args spawn 1
  pop
  push_const "nested"
  host_call_args spawn 1
  pop
  push_const "nan"
  host_call_args spawn 1
  pop
  push_const "inf"
  host_call_args spawn 1
  pop
  push_const "fails"
  host_call_args spawn 1
  pop
  push_const "throws_number"
  host_call_args spawn 1
  pop
  push_const "waits"
  host_call_args spawn 1
  store_local w
  push_const "waits"
  host_call_args spawn 1
  pop
  push_const "handle"
  host_call_args spawn 1
  pop
  push_const "cyclic"
  host_call_args spawn 1
  pop
  yield
  load_local w
  host_call_args cancel 1
  pop
  push_const "out\t\"line\" \u{e9}"
  host_call_args print 1
  pop
  push_const ""
  host_call_args print 1
  pop
  load_var s
  ret
.end
)";

TEST(ReportWriter, EveryKindOfValue) {
  RunCliOptions options;
  options.ticks = 50;
  Json doc = expectConsistentReports("every.bvasm", kEveryValue, options);
  EXPECT_EQ(doc["status"], "ticks");
  EXPECT_EQ(doc["result"],
            "quote \" back \\ tab\t nl\n nul\0 \x01 \u00e9 \U0001F600"s);
  const Json& fibers = doc["fibers"];
  ASSERT_EQ(fibers.size(), 14u);
  EXPECT_EQ(fibers[5]["result"].dump(),
            R"([1.5,{"$map":[["k\n",[]],[2,{"$map":[]}]]},)"
            R"({"$struct":"P\"t","fields":{"x":0.25,"y":[]}},)"
            R"({"$struct":null,"fields":{"zz":null}}])");
  EXPECT_EQ(fibers[6]["error"]["trace"][0].dump(),
            R"({"function":"nan","pc":2,"line":35})");
  EXPECT_EQ(fibers[8]["error"]["message"], "bad \x7f thing");
  EXPECT_EQ(fibers[10]["state"], "CANCELLED");
  EXPECT_EQ(fibers[11].dump(),
            R"({"id":14,"function":"waits","state":"WAITING"})");
  EXPECT_EQ(fibers[12]["result"].dump(), R"({"$handle":4})");
  EXPECT_EQ(fibers[13]["result"].dump(), R"([{"$cycle":true}])");
  EXPECT_EQ(doc["rules"][0]["error"]["message"], "rule \u2028 fault");
  EXPECT_EQ(doc["variables"].dump(),
            R"({"big":1e+300,"frac":0.1,"huge":9.007199254740992e+15,)"
            R"("negzero":0,"nothing":null,"s":)" +
                doc["result"].dump() + R"(,"yes":true})");
  EXPECT_EQ(doc["output"], Json::parse(R"(["out\t\"line\" \u00e9", ""])"));

  options.vars = {R"(extra={"a": [1, 2.5, {"$number": "NaN"}]})"};
  doc = expectConsistentReports("every.bvasm", kEveryValue, options);
  EXPECT_EQ(doc["variables"]["extra"].dump(),
            R"({"$map":[["a",[1,2.5,{"$number":"NaN"}]]]})");
}

TEST(ReportWriter, EmptyContainersAndNoEntryResult) {
  Json doc = expectConsistentReports(
      "empty.bvasm", ".func main()\n  yield\n  push_const nil\n  ret\n.end\n");
  EXPECT_EQ(doc["result"], nullptr);
  RunCliOptions options;
  options.maxInstructions = 1000;
  doc = expectConsistentReports(
      "spin.bvasm", ".func main()\ntop:\n  jmp top\n.end\n", options);
  EXPECT_FALSE(doc.contains("result"));
  EXPECT_EQ(doc["status"], "limit");
}

TEST(ReportWriter, SamplesAndGoldenPrograms) {
  int checked = 0;
  for (const char* dir : {"samples", "tests/golden"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(
             std::filesystem::path(BRAINVM_SOURCE_DIR) / dir)) {
      if (entry.path().extension() != ".bvasm") continue;
      const std::string path = entry.path().string();
      if (!runText(path, {}, false).hasReport) continue;  // expect-error:
      expectConsistentReports(path, {});  // no source text: reads the file
      ++checked;
    }
  }
  EXPECT_GE(checked, 25);
}

// 3000 fibers, half of them with a result the fast path leaves to the
// general one: a report of several 64 KiB chunks.
std::string manyFibers() {
  std::string source =
      ".func small()\n  push_const 7\n  ret\n.end\n"
      ".func text()\n  push_const \"t\\n\"\n  ret\n.end\n"
      ".func main()\n  push_const nil\n  ret\n.end\n";
  for (int i = 0; i < 1500; ++i) source += ".spawn small\n.spawn text\n";
  return source;
}

TEST(ReportWriter, ChunksAddUpToTheWholeReport) {
  const std::string source = manyFibers();
  RunCliOptions options;
  options.maxFibersPerTick = 100000;
  for (bool pretty : {false, true}) {
    options.pretty = pretty;
    RunInvocation whole = executeRun(options, "many.bvasm", source, 0, false);
    ASSERT_TRUE(whole.hasReport) << whole.diagnostics;
    EXPECT_EQ(Json::parse(whole.reportText)["fibers"].size(), 3001u);
    std::string joined;
    int chunks = 0;
    const ReportSink sink = [&](std::string_view piece) {
      joined += piece;
      ++chunks;
      return true;
    };
    RunInvocation inv =
        executeRun(options, "many.bvasm", source, 0, false, &sink);
    ASSERT_TRUE(inv.hasReport);
    EXPECT_FALSE(inv.reportSinkFailed);
    EXPECT_TRUE(inv.reportText.empty());
    EXPECT_GT(chunks, 2);
    EXPECT_EQ(joined, whole.reportText);
  }
}

TEST(ReportWriter, AFailedWriteStopsTheStream) {
  const std::string source = manyFibers();
  RunCliOptions options;
  options.maxFibersPerTick = 100000;
  int calls = 0;
  const ReportSink failing = [&](std::string_view) {
    ++calls;
    return false;
  };
  RunInvocation inv =
      executeRun(options, "many.bvasm", source, 0, false, &failing);
  EXPECT_TRUE(inv.reportSinkFailed);
  EXPECT_EQ(calls, 1);  // nothing more is offered after a failure

  // What `brainvm run -o /dev/full` does: exit 74 with a message.
  ChunkedOutput output("/dev/full");
  const ReportSink full = [&](std::string_view piece) {
    return output.write(piece);
  };
  inv = executeRun(options, "many.bvasm", source, 0, false, &full);
  EXPECT_TRUE(inv.reportSinkFailed);
  std::string diagnostics;
  EXPECT_EQ(output.finish(diagnostics), kExitIoError);
  EXPECT_NE(diagnostics.find("cannot write '/dev/full'"), std::string::npos)
      << diagnostics;
}

}  // namespace
}  // namespace brainvm::cli
