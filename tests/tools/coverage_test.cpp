// Exact coverage counts: lines entered, functions entered, branch outcomes,
// for loops, calls, recursion, exceptions, faults, fibers, awaits and rules.
#include <gtest/gtest.h>

#include "tools_support.h"

namespace brainvm::tools_test {
namespace {

const char* kLoopAndCall = R"(.func main()
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
)";

TEST(Coverage, ALoopWithACallCountsLinesFunctionsAndBranches) {
  ToolRun t = runWithTools(kLoopAndCall);
  const std::string lcov = t.lcov();
  EXPECT_EQ(lcov,
            "TN:\n"
            "SF:t.bvasm\n"
            "FN:3,main\n"
            "FN:24,twice\n"
            "FNDA:1,main\n"
            "FNDA:3,twice\n"
            "FNF:2\n"
            "FNH:2\n"
            "BRDA:9,0,0,1\n"
            "BRDA:9,0,1,3\n"
            "BRF:2\n"
            "BRH:2\n"
            "DA:3,1\nDA:4,1\n"
            "DA:6,4\nDA:7,4\nDA:8,4\nDA:9,4\n"
            "DA:10,3\nDA:11,3\nDA:12,3\nDA:13,3\nDA:14,3\nDA:15,3\nDA:16,3\n"
            "DA:17,3\n"
            "DA:19,1\nDA:20,1\n"
            "DA:24,3\nDA:25,3\nDA:26,3\nDA:27,3\n"
            "LF:20\n"
            "LH:20\n"
            "end_of_record\n");
}

// Several instructions on one line (.line): the line is entered when its
// first instruction runs after another line, or when a jump lands anywhere
// in it, not once per instruction.
TEST(Coverage, ALineIsCountedOncePerEntryAlsoWhenAJumpLandsInItsMiddle) {
  ToolRun t = runWithTools(R"(.func main()
  .local i
  push_const 0
  store_local i
.line 10
  push_const 1
.line 10
  pop
top:
.line 10
  load_local i
.line 10
  push_const 3
.line 10
  host_call_args lt 2
.line 10
  jmp_if_false done
  load_local i
  push_const 1
  host_call_args add 2
  store_local i
  jmp top
done:
  load_local i
  ret
.end
)");
  const std::string lcov = t.lcov();
  EXPECT_EQ(records(lcov, "DA:"),
            "3,1 4,1 10,4 18,3 19,3 20,3 21,3 22,3 24,1 25,1");
  EXPECT_EQ(records(lcov, "BRDA:"), "10,0,0,1 10,0,1,3");
  ASSERT_TRUE(t.report.result);
  EXPECT_EQ(toDisplayString(*t.report.result), "3");
}

TEST(Coverage, ASingleLineLoopCountsEveryTurn) {
  ToolRun t = runWithTools(R"(.func main()
  .local i
  push_const 0
  store_local i
top:
.line 5
  load_local i
.line 5
  push_const 1
.line 5
  host_call_args add 2
.line 5
  dup
.line 5
  store_local i
.line 5
  push_const 4
.line 5
  host_call_args lt 2
.line 5
  jmp_if_true top
  load_local i
  ret
.end
)");
  EXPECT_EQ(records(t.lcov(), "DA:"), "3,1 4,1 5,4 22,1 23,1");
  EXPECT_EQ(records(t.lcov(), "BRDA:"), "5,0,0,3 5,0,1,1");
}

TEST(Coverage, RecursionCountsEveryEntry) {
  ToolRun t = runWithTools(R"(.func main()
  push_const 5
  call fib
  ret
.end
.func fib(n)
  load_local n
  push_const 2
  host_call_args lt 2
  jmp_if_false rec
  load_local n
  ret
rec:
  load_local n
  push_const 1
  host_call_args sub 2
  call fib
  load_local n
  push_const 2
  host_call_args sub 2
  call fib
  host_call_args add 2
  ret
.end
)");
  ASSERT_TRUE(t.report.result);
  EXPECT_EQ(toDisplayString(*t.report.result), "5");
  const std::string lcov = t.lcov();
  EXPECT_EQ(records(lcov, "FNDA:"), "1,main 15,fib");
  // 15 calls: 8 reach the base case (n < 2), 7 recurse.
  EXPECT_EQ(records(lcov, "BRDA:"), "10,0,0,7 10,0,1,8");
  EXPECT_EQ(records(lcov, "DA:"),
            "2,1 3,1 4,1 7,15 8,15 9,15 10,15 11,8 12,8 14,7 15,7 16,7 17,7 "
            "18,7 19,7 20,7 21,7 22,7 23,7");
}

TEST(Coverage, ACatchLandingEntersItsLineAndSkippedLinesStayAtZero) {
  ToolRun t = runWithTools(R"(.func main()
  try catch
  call thrower
  pop
  end_try
  push_const "no"
  ret
catch:
  host_call_args error_message 1
  ret
.end
.func thrower()
  push_const err(HostError, "x")
  throw
  push_const 1
  ret
.end
)");
  ASSERT_TRUE(t.report.result);
  EXPECT_EQ(toDisplayString(*t.report.result), "x");
  EXPECT_EQ(records(t.lcov(), "DA:"),
            "2,1 3,1 4,0 5,0 6,0 7,0 9,1 10,1 13,1 14,1 15,0 16,0");
  EXPECT_EQ(records(t.lcov(), "LH:"), "6");
}

TEST(Coverage, AFiberThatFaultsMidLineStillCountsTheLine) {
  ToolRun t = runWithTools(R"(.func main()
  push_const 1
  push_const 0
  host_call_args div 2
  ret
.end
)");
  ASSERT_EQ(t.report.fibers.size(), 1u);
  EXPECT_EQ(t.report.fibers[0].state, FiberState::Fault);
  EXPECT_EQ(records(t.lcov(), "DA:"), "2,1 3,1 4,1 5,0");
}

TEST(Coverage, RulesFibersAndAwaitsOverSeveralTicks) {
  RunOptions o;
  o.maxTicks = 5;
  ToolRun t = runWithTools(R"(.var n 0
.rule tick_rule
.spawn waiter
.func tick_rule()
  when_start
  load_var n
  push_const 3
  host_call_args lt 2
  when_end skip
  do_start
  load_var n
  push_const 1
  host_call_args add 2
  store_var n
  do_end
skip:
  push_const nil
  ret
.end
.func waiter()
  push_const 2
  host_call_args_async sleep 1
  await
  push_const "woke"
  ret
.end
)",
                           o);
  EXPECT_EQ(t.report.status, RunOutcome::Ticks);
  ASSERT_EQ(t.report.rules.size(), 1u);
  EXPECT_EQ(t.report.rules[0].runs, 5u);
  const std::string lcov = t.lcov();
  EXPECT_EQ(records(lcov, "FNDA:"), "5,tick_rule 1,waiter");
  EXPECT_EQ(records(lcov, "BRDA:"), "9,0,0,2 9,0,1,3");
  // The await resumes two ticks later on the next line: entered once.
  EXPECT_EQ(records(lcov, "DA:"),
            "5,5 6,5 7,5 8,5 9,5 10,3 11,3 12,3 13,3 14,3 15,3 17,5 18,5 "
            "21,1 22,1 23,1 24,1 25,1");
}

TEST(Coverage, ABranchOnALineThatNeverRanIsDash) {
  ToolRun t = runWithTools(R"(.func main()
  push_const 1
  ret
.end
.func never()
  push_const true
  jmp_if_false out
out:
  push_const nil
  ret
.end
)");
  EXPECT_EQ(records(t.lcov(), "BRDA:"), "7,0,0,- 7,0,1,-");
  EXPECT_EQ(records(t.lcov(), "FNDA:"), "1,main 0,never");
  EXPECT_EQ(records(t.lcov(), "FNH:"), "1");
  EXPECT_EQ(records(t.lcov(), "BRH:"), "0");
}

TEST(Coverage, WithoutDebugInfoOnlyFunctionsAreCovered) {
  Program p = assembleOk(kLoopAndCall, /*debugInfo=*/false);
  ToolRun t = runWithTools(std::move(p));
  LcovReport report;
  EXPECT_FALSE(report.add(t.program(), *t.coverage, "prog.bvm"));
  const std::string lcov = report.text();
  EXPECT_EQ(records(lcov, "SF:"), "prog.bvm");
  EXPECT_EQ(records(lcov, "FN:"), "0,main 0,twice");
  EXPECT_EQ(records(lcov, "FNDA:"), "1,main 3,twice");
  EXPECT_EQ(records(lcov, "DA:"), "");
  EXPECT_EQ(records(lcov, "LF:"), "0");
}

TEST(Coverage, RunsAddUpAndMergingIsOrderIndependent) {
  ToolRun a = runWithTools(kLoopAndCall);
  ToolRun b = runWithTools(assembleOk(R"(.func main()
  push_const 1
  ret
.end
)",
                                      true, "other.bvasm"));
  LcovReport ab, ba, twice;
  ab.add(a.program(), *a.coverage);
  ab.add(b.program(), *b.coverage);
  ba.add(b.program(), *b.coverage);
  ba.add(a.program(), *a.coverage);
  EXPECT_EQ(ab.text(), ba.text());
  EXPECT_NE(ab.text().find("SF:other.bvasm"), std::string::npos);
  LcovReport merged;
  merged.merge(ba);
  EXPECT_EQ(merged.text(), ab.text());
  twice.add(a.program(), *a.coverage);
  twice.add(a.program(), *a.coverage);
  EXPECT_EQ(records(twice.text(), "FNDA:"), "2,main 6,twice");
  EXPECT_EQ(records(twice.text(), "BRDA:"), "9,0,0,2 9,0,1,6");
}

}  // namespace
}  // namespace brainvm::tools_test
