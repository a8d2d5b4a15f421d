// A report whose fiber records are visited one at a time (what `brainvm run`
// writes: Runner::report(ReportFibers::Omitted) with
// Runner::forEachFiberRecord) is the report that lists them, record for
// record and byte for byte.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "brainvm/runner.h"
#include "report_writer.h"
#include "tools_support.h"

namespace brainvm::tools_test {
namespace {

// Done, faulted, cancelled and live fibers, a rule, and fibers ended in
// an order other than their ids'.
constexpr const char* kMixed = R"(
.rule tick_rule
.func main()
  push_const "slow"
  host_call_args spawn 1
  pop
  push_const "fails"
  host_call_args spawn 1
  pop
  push_const "forever"
  host_call_args spawn 1
  host_call_args cancel 1
  pop
  push_const "forever"
  host_call_args spawn 1
  pop
  push_const 42
  ret
.end
.func slow()
  yield
  yield
  push_const "done late"
  ret
.end
.func fails()
  push_const 1
  push_const 0
  host_call_args div 2
  ret
.end
.func forever()
again:
  yield
  jmp again
.end
.func tick_rule()
  push_const nil
  ret
.end
)";

TEST(ReportFibers, VisitedRecordsAreTheListedOnes) {
  auto loaded = LoadedProgram::load(assembleOk(kMixed));
  ASSERT_TRUE(loaded.ok());
  const std::shared_ptr<const LoadedProgram> program = loaded.value();
  RunOptions o;
  o.maxTicks = 4;
  auto r = Runner::create(program, o);
  ASSERT_TRUE(r.ok());
  Runner& runner = *r.value();
  auto full = runner.run();
  ASSERT_TRUE(full.ok());
  const RunReport listed = full.value();
  ASSERT_EQ(listed.fibers.size(), 5u);  // no rule runs among them

  const RunReport omitted = runner.report(ReportFibers::Omitted);
  EXPECT_TRUE(omitted.fibers.empty());
  EXPECT_EQ(omitted.status, listed.status);
  EXPECT_EQ(omitted.rules.size(), listed.rules.size());

  std::vector<FiberRecord> visited;
  runner.forEachFiberRecord(
      [&](const FiberRecord& f) { visited.push_back(f); });
  ASSERT_EQ(visited.size(), listed.fibers.size());
  std::vector<FiberState> states;
  for (size_t i = 0; i < visited.size(); ++i) {
    const FiberRecord &a = visited[i], &b = listed.fibers[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.function, b.function);
    EXPECT_EQ(a.state, b.state);
    EXPECT_EQ(a.result.has_value(), b.result.has_value()) << a.id;
    EXPECT_EQ(a.error.has_value(), b.error.has_value()) << a.id;
    if (i > 0) {
      EXPECT_LT(visited[i - 1].id, a.id);
    }
    states.push_back(a.state);
  }
  // Each kind of record is there (and none carries the previous one's value).
  EXPECT_EQ(states, (std::vector<FiberState>{
                        FiberState::Done, FiberState::Done, FiberState::Fault,
                        FiberState::Cancelled, FiberState::Runnable}));
  EXPECT_FALSE(visited[4].result.has_value());
  EXPECT_FALSE(visited[4].error.has_value());

  const cli::FiberRecordSource source =
      [&](const std::function<void(const FiberRecord&)>& visit) {
        runner.forEachFiberRecord(visit);
      };
  for (bool pretty : {false, true}) {
    std::string fromList, fromVisits, streamed;
    cli::writeReportJson(listed, program->program(), pretty, fromList);
    cli::writeReportJson(omitted, program->program(), pretty, fromVisits,
                         &source);
    const cli::ReportSink sink = [&](std::string_view piece) {
      streamed += piece;
      return true;
    };
    ASSERT_TRUE(cli::writeReportJson(omitted, program->program(), pretty,
                                     sink, &source));
    EXPECT_NE(fromList.find("\"done late\""), std::string::npos);
    EXPECT_EQ(fromVisits, fromList);
    EXPECT_EQ(streamed, fromList);
  }
}

}  // namespace
}  // namespace brainvm::tools_test
