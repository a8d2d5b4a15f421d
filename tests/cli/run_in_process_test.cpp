// In-process runs through runInProcess (the entry point `brainvm test` uses).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "exit_codes.h"
#include "run_command.h"

namespace brainvm::cli {
namespace {

constexpr const char* kProgram = R"(.var limit 10
.func main()
  push_const "limit is"
  load_var limit
  host_call_args print 2
  pop
  load_var limit
  ret
.end
.func spin()
top:
  jmp top
.end
)";

// The report text of a run, parsed.
nlohmann::ordered_json reportOf(const RunInvocation& inv) {
  EXPECT_TRUE(inv.hasReport) << inv.diagnostics;
  return nlohmann::ordered_json::parse(inv.reportText);
}

TEST(RunInProcess, ReturnsTheReport) {
  RunInvocation inv = runInProcess("prog.bvasm", kProgram, {}, 0);
  ASSERT_EQ(inv.exitCode, kExitOk) << inv.diagnostics;
  // Indented as by --pretty, whatever the arguments say.
  EXPECT_EQ(inv.reportText.rfind("{\n  \"brainvm\": \"run/1\",\n", 0), 0u);
  const nlohmann::ordered_json r = reportOf(inv);
  EXPECT_EQ(r["brainvm"], "run/1");
  EXPECT_EQ(r["status"], "done");
  EXPECT_EQ(r["result"], 10);
  EXPECT_EQ(r["output"].dump(), R"(["limit is 10"])");
}

TEST(RunInProcess, ParsesRunOptions) {
  RunInvocation inv =
      runInProcess("prog.bvasm", kProgram,
                   {"--ticks", "5", "--var", "limit=3", "--pretty"}, 0);
  ASSERT_EQ(inv.exitCode, kExitOk) << inv.diagnostics;
  EXPECT_EQ(reportOf(inv)["result"], 3);
  EXPECT_EQ(reportOf(inv)["variables"].dump(), R"({"limit":3})");
}

TEST(RunInProcess, UsageErrors) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--bogus"},
                                             {"--ticks"},
                                             {"--ticks", "x"},
                                             {"--var", "x"},
                                             {"--var", "x={"},
                                             {"--entry", "nope"},
                                             {"extra"}}) {
    RunInvocation inv = runInProcess("prog.bvasm", kProgram, args, 0);
    EXPECT_EQ(inv.exitCode, kExitUsage) << args[0];
    EXPECT_FALSE(inv.hasReport);
    EXPECT_TRUE(inv.reportText.empty());
    EXPECT_FALSE(inv.diagnostics.empty());
  }
}

TEST(RunInProcess, InstructionLimitOnTop) {
  RunInvocation inv =
      runInProcess("prog.bvasm", kProgram, {"--entry", "spin"}, 1000);
  EXPECT_EQ(inv.exitCode, kExitFault);
  EXPECT_EQ(reportOf(inv)["status"], "limit");
  EXPECT_LE(reportOf(inv)["stats"]["instructions"].get<uint64_t>(), 1000u);
  // The smaller of --max-instructions and the cap applies.
  inv = runInProcess("prog.bvasm", kProgram,
                     {"--entry", "spin", "--max-instructions", "100"}, 1000);
  EXPECT_LE(reportOf(inv)["stats"]["instructions"].get<uint64_t>(), 100u);
}

TEST(RunInProcess, AssemblyErrorsCarryCarets) {
  RunInvocation inv =
      runInProcess("bad.bvasm", ".func main()\n  jmp nowhere\n.end\n", {}, 0);
  EXPECT_EQ(inv.exitCode, kExitDataError);
  EXPECT_FALSE(inv.hasReport);
  EXPECT_NE(inv.diagnostics.find("bad.bvasm:2:"), std::string::npos)
      << inv.diagnostics;
  EXPECT_NE(inv.diagnostics.find('^'), std::string::npos);
}

TEST(RunInProcess, ReadsTheFileWhenNoText) {
  RunInvocation inv = runInProcess(
      std::string(BRAINVM_SOURCE_DIR) + "/samples/hello.bvasm", "", {}, 0);
  EXPECT_EQ(inv.exitCode, kExitOk) << inv.diagnostics;
  EXPECT_EQ(reportOf(inv)["result"], 42);
  inv = runInProcess("/nonexistent/x.bvasm", "", {}, 0);
  EXPECT_EQ(inv.exitCode, kExitNoInput);
}

}  // namespace
}  // namespace brainvm::cli
