// The streamed report (what `brainvm run` prints) must be byte for byte the
// JSON document's dump (what `brainvm test` compares), compact and indented.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "report_json.h"
#include "report_writer.h"
#include "run_command.h"

namespace brainvm::cli {
namespace {

void expectSameReport(const std::string& name, const std::string& source,
                      std::vector<std::string> args = {}) {
  RunCliOptions options;
  options.ticks = 50;
  for (size_t i = 0; i + 1 < args.size(); i += 2)
    if (args[i] == "--var") options.vars.push_back(args[i + 1]);
  RunInvocation doc =
      executeRun(options, name, source, 0, false, ReportForm::Document);
  RunInvocation text =
      executeRun(options, name, source, 0, false, ReportForm::Text);
  RunInvocation pretty =
      executeRun(options, name, source, 0, false, ReportForm::PrettyText);
  ASSERT_EQ(doc.hasReport, text.hasReport) << name;
  ASSERT_EQ(doc.exitCode, text.exitCode) << name;
  ASSERT_EQ(doc.exitCode, pretty.exitCode) << name;
  ASSERT_TRUE(doc.hasReport) << doc.diagnostics;
  ASSERT_TRUE(doc.report);
  EXPECT_EQ(text.reportText, dumpJson(*doc.report, false)) << name;
  EXPECT_EQ(pretty.reportText, dumpJson(*doc.report, true)) << name;
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

TEST(ReportWriter, EveryKindOfValueMatchesTheDocument) {
  expectSameReport("every.bvasm", kEveryValue);
  expectSameReport("every.bvasm", kEveryValue,
                   {"--var", R"(extra={"a": [1, 2.5, {"$number": "NaN"}]})"});
}

TEST(ReportWriter, EmptyContainersAndNoEntryResult) {
  expectSameReport("empty.bvasm", ".func main()\n  yield\n  push_const nil\n"
                                  "  ret\n.end\n");
  expectSameReport("spin.bvasm", ".func main()\ntop:\n  jmp top\n.end\n");
}

TEST(ReportWriter, SamplesAndGoldenProgramsMatchTheDocument) {
  int checked = 0;
  for (const char* dir : {"samples", "tests/golden"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(
             std::filesystem::path(BRAINVM_SOURCE_DIR) / dir)) {
      if (entry.path().extension() != ".bvasm") continue;
      std::string path = entry.path().string();
      RunCliOptions options;
      RunInvocation a = executeRun(options, path, {}, 0, false);
      RunInvocation b =
          executeRun(options, path, {}, 0, false, ReportForm::PrettyText);
      ASSERT_EQ(a.hasReport, b.hasReport) << path;
      if (a.hasReport) {
        EXPECT_EQ(b.reportText, dumpJson(*a.report, true)) << path;
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 25);
}

// A report large enough to go to the sink in several chunks arrives whole,
// and a failing sink is reported.
TEST(ReportWriter, ChunkedOutputMatchesTheDocument) {
  const std::string source = R"(.func child(x)
  push_const "child"
  load_local x
  host_call_args print 2
  pop
  load_local x
  ret
.end
.func main()
  .local i
  push_const 0
  store_local i
loop:
  load_local i
  push_const 3000
  host_call_args lt 2
  jmp_if_false done
  push_const "child"
  load_local i
  host_call_args spawn 2
  pop
  load_local i
  push_const 1
  host_call_args add 2
  store_local i
  jmp loop
done:
  push_const nil
  ret
.end
)";
  RunCliOptions options;
  options.maxFibersPerTick = 100000;
  options.budget = 1000000;
  RunInvocation doc = executeRun(options, "many.bvasm", source, 0, false);
  ASSERT_TRUE(doc.report) << doc.diagnostics;
  for (bool pretty : {false, true}) {
    std::string joined;
    int chunks = 0;
    const ReportSink sink = [&](std::string_view piece) {
      joined += piece;
      ++chunks;
      return true;
    };
    RunInvocation inv = executeRun(
        options, "many.bvasm", source, 0, false,
        pretty ? ReportForm::PrettyText : ReportForm::Text, &sink);
    ASSERT_TRUE(inv.hasReport);
    EXPECT_FALSE(inv.reportSinkFailed);
    EXPECT_TRUE(inv.reportText.empty());
    EXPECT_GT(chunks, 2);
    EXPECT_EQ(joined, dumpJson(*doc.report, pretty));
  }
  int calls = 0;
  const ReportSink failing = [&](std::string_view) {
    ++calls;
    return false;
  };
  RunInvocation inv = executeRun(options, "many.bvasm", source, 0, false,
                                 ReportForm::Text, &failing);
  EXPECT_TRUE(inv.reportSinkFailed);
  EXPECT_EQ(calls, 1);  // nothing more is offered after a failure
}

}  // namespace
}  // namespace brainvm::cli
