// Profiles: instructions per call stack, exact, summing to the run's
// instruction count; host leaves; the top table; host time.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tools_support.h"

namespace brainvm::tools_test {
namespace {

uint64_t sumOfFolded(const std::string& folded) {
  uint64_t sum = 0;
  std::istringstream in(folded);
  std::string line;
  while (std::getline(in, line))
    sum += std::stoull(line.substr(line.rfind(' ') + 1));
  return sum;
}

TEST(Profile, FoldedStacksOfALoopWithACall) {
  ToolRun t = runWithTools(R"(.func main()
  .local i
  push_const 0
  store_local i
top:
  load_local i
  push_const 3
  host_call_args lt 2
  jmp_if_false done
  load_local i
  call twice
  pop
  load_local i
  push_const 1
  host_call_args add 2
  store_local i
  jmp top
done:
  push_const "ok"
  ret
.end
.func twice(x)
  load_local x
  push_const 2
  host_call_args mul 2
  ret
.end
)");
  // main: 2 + 4 checks of 3 (the 4th instruction, lt, is a host leaf) + 3
  // bodies of 7 (+ add) + 2 = 37; twice: 3 runs of 3 (+ mul).
  EXPECT_EQ(t.folded(),
            "main 37\n"
            "main;host:add 3\n"
            "main;host:lt 4\n"
            "main;twice 9\n"
            "main;twice;host:mul 3\n");
  EXPECT_EQ(t.report.instructions, 56u);
  EXPECT_EQ(t.profile->totalInstructions(), 56u);

  const std::vector<ProfileRow> rows = profileTable(*t.profile, t.program());
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].name, "main");
  EXPECT_EQ(rows[0].self, 37u);
  EXPECT_EQ(rows[0].total, 56u);
  EXPECT_EQ(rows[1].name, "twice");
  EXPECT_EQ(rows[1].self, 9u);
  EXPECT_EQ(rows[1].total, 12u);
  EXPECT_EQ(rows[2].name, "host:lt");
}

TEST(Profile, RecursionNestsStacksAndCountsEachStackOnceInTotals) {
  ToolRun t = runWithTools(R"(.func main()
  push_const 3
  call down
  ret
.end
.func down(n)
  load_local n
  jmp_if_false out
  load_local n
  push_const 1
  host_call_args sub 2
  call down
  ret
out:
  push_const 0
  ret
.end
)");
  EXPECT_EQ(t.folded(),
            "main 3\n"
            "main;down 6\n"
            "main;down;down 6\n"
            "main;down;down;down 6\n"
            "main;down;down;down;down 4\n"
            "main;down;down;down;host:sub 1\n"
            "main;down;down;host:sub 1\n"
            "main;down;host:sub 1\n");
  const std::vector<ProfileRow> rows = profileTable(*t.profile, t.program());
  ASSERT_GE(rows.size(), 2u);
  EXPECT_EQ(rows[0].name, "down");
  EXPECT_EQ(rows[0].self, 22u);
  EXPECT_EQ(rows[0].total, 25u);  // not 22 + 19 + 13 + 4: once per stack
}

// Every budget unit is counted, also the one a rejected await's throw
// costs, exceptions unwinding frames, fibers, rules and faults.
TEST(Profile, SumsExactlyToTheRunsInstructions) {
  const char* programs[] = {
      R"(.func main()
  try c
  call deep
  ret
c:
  pop
  push_const 0
  push_const "boom"
  host_call_args_async fail_after 2
  try c2
  await
  ret
c2:
  ret
.end
.func deep()
  call deeper
  ret
.end
.func deeper()
  push_const err(ScriptError, "x")
  throw
.end
)",
      R"(.rule r
.spawn s
.func r()
  when_start
  push_const true
  when_end skip
  do_start
  do_end
skip:
  push_const nil
  ret
.end
.func s()
  push_const 1
  host_call_args_async sleep 1
  await
  push_const 1
  push_const 0
  host_call_args div 2
  ret
.end
)"};
  for (const char* text : programs) {
    RunOptions o;
    o.maxTicks = 4;
    o.runtime.defaultBudget = 3;  // many slices
    ToolRun t = runWithTools(text, o);
    EXPECT_EQ(t.profile->totalInstructions(), t.report.instructions);
    EXPECT_EQ(sumOfFolded(t.folded()), t.report.instructions);
  }
}

TEST(Profile, RootsAreTheFibersFunctions) {
  RunOptions o;
  o.maxTicks = 2;
  ToolRun t = runWithTools(R"(.rule think
.spawn worker
.func think()
  push_const nil
  ret
.end
.func worker()
  push_const "w"
  ret
.end
)",
                           o);
  EXPECT_EQ(t.folded(), "think 4\nworker 2\n");
}

TEST(Profile, HostTimeIsMeasuredOnlyWhenAsked) {
  const char* text = R"(.func main()
  push_const "a"
  push_const "b"
  host_call_args concat 2
  host_call_args print 1
  ret
.end
)";
  ToolRun plain = runWithTools(assembleOk(text), {}, false);
  EXPECT_EQ(plain.folded(true), "");
  ToolRun timed = runWithTools(assembleOk(text), {}, true);
  const std::string hostTime = timed.folded(true);
  EXPECT_NE(hostTime.find("main;host:concat "), std::string::npos);
  EXPECT_NE(hostTime.find("main;host:print "), std::string::npos);
  EXPECT_EQ(hostTime.find("main "), std::string::npos);  // host leaves only
  EXPECT_EQ(timed.folded(), plain.folded());  // instructions unchanged
}

TEST(Profile, FrameNamesCannotBreakTheFoldedFormat) {
  Program p = assembleOk(".func main()\n  push_const 1\n  ret\n.end\n");
  p.functions[0].name = "odd name;x";
  EXPECT_EQ(profileFrameName(p, 0), "odd_name_x");
}

// The instrumented loop must behave exactly as the plain one: the same
// reports for every sample and golden program.
TEST(Profile, InstrumentedRunsGiveTheSameReportsAsPlainOnes) {
  namespace fs = std::filesystem;
  const fs::path root(BRAINVM_SOURCE_DIR);
  int compared = 0;
  for (const char* dir : {"samples", "tests/golden"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      if (entry.path().extension() != ".bvasm") continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      AssembleOptions ao;
      ao.fileName = entry.path().filename().string();
      auto program = assemble(text.str(), ao);
      if (!program) continue;  // assembly-error fixtures
      Program copy = program.value();
      RunOptions o;
      o.maxTicks = 50;
      o.runtime.maxInstructions = 200000;
      auto plain = Runner::create(std::move(program.value()), o);
      if (!plain) continue;  // verification-error fixtures
      auto a = plain.value()->run();
      ToolRun b = runWithTools(std::move(copy), o);
      ASSERT_TRUE(a.ok());
      const RunReport& x = a.value();
      const RunReport& y = b.report;
      SCOPED_TRACE(entry.path().string());
      EXPECT_EQ(x.status, y.status);
      EXPECT_EQ(x.ticks, y.ticks);
      EXPECT_EQ(x.instructions, y.instructions);
      EXPECT_EQ(x.slices, y.slices);
      EXPECT_EQ(x.output, y.output);
      EXPECT_EQ(x.fibers.size(), y.fibers.size());
      for (size_t i = 0; i < x.fibers.size() && i < y.fibers.size(); ++i) {
        EXPECT_EQ(x.fibers[i].state, y.fibers[i].state);
        if (x.fibers[i].result && y.fibers[i].result) {
          EXPECT_EQ(toDisplayString(*x.fibers[i].result),
                    toDisplayString(*y.fibers[i].result));
        }
      }
      EXPECT_EQ(b.profile->totalInstructions(), y.instructions);
      ++compared;
    }
  }
  EXPECT_GT(compared, 20);
}

// Superinstructions count once and the counters spread that over what they
// cover: coverage and profiles must not depend on them.
TEST(Profile, CoverageAndProfilesAreTheSameWithAndWithoutSuperinstructions) {
  namespace fs = std::filesystem;
  const fs::path root(BRAINVM_SOURCE_DIR);
  int compared = 0;
  for (const char* dir : {"samples", "tests/golden", "bench"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      if (entry.path().extension() != ".bvasm") continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      AssembleOptions ao;
      ao.fileName = entry.path().filename().string();
      auto program = assemble(text.str(), ao);
      if (!program) continue;
      if (!LoadedProgram::load(program.value())) continue;
      // Programs for hosts of their own (bench/brains.bvasm) are not run here.
      BuiltinHost builtins;
      HostRegistry registry;
      ASSERT_TRUE(builtins.registerInto(registry).ok());
      if (!checkImports(program.value(), registry)) continue;
      RunOptions o;
      o.maxTicks = 30;
      o.runtime.maxInstructions = 300000;
      o.runtime.defaultBudget = 97;  // slices end inside fused sequences
      ToolRun fused = runWithTools(program.value(), o, false, true);
      ToolRun plain = runWithTools(program.value(), o, false, false);
      SCOPED_TRACE(entry.path().string());
      EXPECT_EQ(fused.lcov(), plain.lcov());
      EXPECT_EQ(fused.folded(), plain.folded());
      EXPECT_EQ(fused.report.instructions, plain.report.instructions);
      ++compared;
    }
  }
  EXPECT_GT(compared, 25);
}

}  // namespace
}  // namespace brainvm::tools_test
