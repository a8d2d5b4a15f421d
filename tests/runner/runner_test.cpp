// `brainvm test` internals: sharding, comparison, diff rendering, evaluation
// of runs, discovery, --update and the worker pool.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "test_runner.h"

namespace {

namespace fs = std::filesystem;
using namespace brainvm::cli::testrun;
using brainvm::cli::RunInvocation;
using Strings = std::vector<std::string>;

// ---- sharding --------------------------------------------------------------

TEST(Shard, Parse) {
  std::string error;
  auto s = parseShard("2/3", error);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->index, 2u);
  EXPECT_EQ(s->total, 3u);
  EXPECT_TRUE(parseShard("0/1", error));
  for (const char* bad : {"3/3", "1/0", "0/0", "a/b", "", "1", "-1/3", "1/3/4",
                          " 1/3", "1/"}) {
    EXPECT_FALSE(parseShard(bad, error)) << bad;
    EXPECT_FALSE(error.empty());
  }
}

TEST(Shard, RoundRobinCoversEveryTestOnce) {
  const size_t tests = 10;
  ShardSpec spec{0, 3};
  std::vector<size_t> first;
  for (size_t i = 0; i < tests; ++i)
    if (inShard(i, spec)) first.push_back(i);
  EXPECT_EQ(first, (std::vector<size_t>{0, 3, 6, 9}));
  std::multiset<size_t> all;
  for (uint64_t k = 0; k < 3; ++k)
    for (size_t i = 0; i < tests; ++i)
      if (inShard(i, ShardSpec{k, 3})) all.insert(i);
  EXPECT_EQ(all.size(), tests);
  for (size_t i = 0; i < tests; ++i) EXPECT_EQ(all.count(i), 1u);
  // One shard (or none given) takes everything.
  for (size_t i = 0; i < tests; ++i) EXPECT_TRUE(inShard(i, ShardSpec{}));
}

// ---- JSON comparison -------------------------------------------------------

TEST(JsonCompare, Structural) {
  EXPECT_TRUE(jsonEquivalent(Json::parse(R"({"a": 1, "b": [2.0, "x"]})"),
                             Json::parse(R"({"b": [2, "x"], "a": 1.0})")));
  EXPECT_FALSE(jsonEquivalent(Json::parse("[1, 2]"), Json::parse("[2, 1]")));
  EXPECT_FALSE(jsonEquivalent(Json::parse("1"), Json::parse("\"1\"")));
  EXPECT_FALSE(jsonEquivalent(Json::parse("null"), Json::parse("false")));
  EXPECT_TRUE(jsonEquivalent(Json::parse("-3"), Json::parse("-3.0")));
  EXPECT_FALSE(jsonEquivalent(Json::parse("-1"),
                              Json::parse("18446744073709551615")));
  EXPECT_FALSE(jsonEquivalent(Json::parse("0.1"), Json::parse("0.2")));
}

TEST(JsonCompare, FirstDifferencePath) {
  Json expected = Json::parse(
      R"({"status": "done", "fibers": [{"id": 1, "state": "DONE"},
          {"id": 2, "state": "DONE"}], "r": {"$map": [[1, 2]]}})");
  Json got = Json::parse(
      R"({"status": "done", "fibers": [{"id": 1, "state": "DONE"},
          {"id": 2, "state": "FAULT"}], "r": {"$map": [[1, 2]]}})");
  auto d = firstJsonDifference(expected, got);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->path, "$.fibers[1].state");
  EXPECT_EQ(d->expected, "\"DONE\"");
  EXPECT_EQ(d->got, "\"FAULT\"");

  got = expected;
  got["r"]["$map"][0][1] = 3;
  d = firstJsonDifference(expected, got);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->path, "$.r[\"$map\"][0][1]");

  got = expected;
  got.erase("status");
  d = firstJsonDifference(expected, got);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->path, "$.status");
  EXPECT_EQ(d->got, "(absent)");

  got = expected;
  got["extra"] = true;
  d = firstJsonDifference(expected, got);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->path, "$.extra");
  EXPECT_EQ(d->expected, "(absent)");

  got = expected;
  got["fibers"].push_back(Json::object());
  d = firstJsonDifference(expected, got);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->path, "$.fibers[2]");
  EXPECT_EQ(d->expected, "(absent)");
  EXPECT_EQ(d->got, "{}");

  EXPECT_FALSE(firstJsonDifference(expected, expected));
}

// ---- diff rendering --------------------------------------------------------

TEST(Diff, EqualIsEmpty) {
  EXPECT_EQ(unifiedDiff({"a", "b"}, {"a", "b"}), "");
  EXPECT_EQ(unifiedDiff({}, {}), "");
}

TEST(Diff, ChangedLine) {
  EXPECT_EQ(unifiedDiff({"a", "b", "c"}, {"a", "B", "c"}),
            "--- expected\n+++ got\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
}

TEST(Diff, MissingAndExtraLines) {
  EXPECT_EQ(unifiedDiff({"a", "b"}, {"a"}),
            "--- expected\n+++ got\n@@ -1,2 +1,1 @@\n a\n-b\n");
  EXPECT_EQ(unifiedDiff({}, {"x"}), "--- expected\n+++ got\n@@ -0,0 +1,1 @@\n+x\n");
  EXPECT_EQ(unifiedDiff({"x"}, {}), "--- expected\n+++ got\n@@ -1,1 +0,0 @@\n-x\n");
}

TEST(Diff, SeparateHunksWithContext) {
  Strings e, g;
  for (int i = 0; i < 20; ++i) e.push_back(std::to_string(i));
  g = e;
  g[2] = "two";
  g[15] = "fifteen";
  EXPECT_EQ(unifiedDiff(e, g, 1),
            "--- expected\n+++ got\n"
            "@@ -2,3 +2,3 @@\n 1\n-2\n+two\n 3\n"
            "@@ -15,3 +15,3 @@\n 14\n-15\n+fifteen\n 16\n");
  // Close changes share a hunk.
  g = e;
  g[2] = "two";
  g[4] = "four";
  EXPECT_EQ(unifiedDiff(e, g, 1),
            "--- expected\n+++ got\n"
            "@@ -2,5 +2,5 @@\n 1\n-2\n+two\n 3\n-4\n+four\n 5\n");
}

TEST(Diff, InvisibleDifferencesAreQuoted) {
  EXPECT_EQ(displayLine("plain text"), "plain text");
  EXPECT_EQ(displayLine(""), "");
  EXPECT_EQ(displayLine("trailing "), "\"trailing \"");
  EXPECT_EQ(displayLine(" leading"), "\" leading\"");
  EXPECT_EQ(displayLine("tab\there"), "\"tab\\there\"");
  EXPECT_EQ(displayLine("del\x7F"), "\"del\\u007f\"");
  EXPECT_EQ(unifiedDiff({"x", ""}, {"x", " "}),
            "--- expected\n+++ got\n@@ -1,2 +1,2 @@\n x\n-\n+\" \"\n");
}

TEST(Diff, LargeInputsStayBounded) {
  Strings e, g;
  for (int i = 0; i < 5000; ++i) {
    e.push_back("e" + std::to_string(i));
    g.push_back("g" + std::to_string(i));
  }
  std::string d = unifiedDiff(e, g);
  EXPECT_NE(d.find("@@ -1,5000 +1,5000 @@"), std::string::npos);
}

// ---- evaluating runs -------------------------------------------------------

Json report(std::string_view extra = "") {
  std::string text = R"({"brainvm": "run/1", "status": "done", "ticks": 1,)";
  text += extra;
  text += R"("fibers": [], "rules": [], "variables": {}, "output": [],
             "stats": {"instructions": 5, "slices": 1, "handles": 0}})";
  return Json::parse(text);
}

// A run that printed `r` (evaluateRun parses the report text).
RunInvocation ran(const Json& r, int exitCode = 0) {
  RunInvocation inv;
  inv.exitCode = exitCode;
  inv.hasReport = true;
  inv.reportText = r.dump(2) + "\n";
  return inv;
}

std::string joined(const TestOutcome& o) {
  std::string s;
  for (const std::string& b : o.failures) s += b;
  return s;
}

TEST(Evaluate, NoAnnotationsNeedsExitZero) {
  Annotations a;
  EXPECT_TRUE(evaluateRun(a, std::nullopt, "", ran(report()), {}).passed);
  Json faulted = report(
      R"("fibers": [{"id": 1, "function": "main", "state": "FAULT",
          "error": {"tag": "HostError", "message": "boom"}}],)");
  faulted.erase("fibers");
  faulted["fibers"] = Json::parse(
      R"([{"id": 1, "function": "main", "state": "FAULT",
           "error": {"tag": "HostError", "message": "boom"}}])");
  TestOutcome o = evaluateRun(a, std::nullopt, "", ran(faulted, 70), {});
  EXPECT_FALSE(o.passed);
  EXPECT_NE(joined(o).find("+ got:      fiber 1 (main): HostError: boom"),
            std::string::npos);

  a.expectFaults.push_back({"HostError", "bo", 1});
  EXPECT_TRUE(evaluateRun(a, std::nullopt, "", ran(faulted, 70), {}).passed);
  a.expectFaults[0].messagePrefix = "boom!";
  EXPECT_FALSE(evaluateRun(a, std::nullopt, "", ran(faulted, 70), {}).passed);
}

TEST(Evaluate, RuleFaultsCount) {
  Json r = report();
  r["rules"] = Json::parse(
      R"([{"function": "tick", "runs": 2, "fired": 0, "faults": 1,
           "error": {"tag": "ScriptError", "message": "bad rule"}}])");
  Annotations a;
  a.expectFaults.push_back({"ScriptError", "bad", 1});
  EXPECT_TRUE(evaluateRun(a, std::nullopt, "", ran(r, 70), {}).passed);
}

TEST(Evaluate, AbsentResultNeverMatches) {
  Annotations a;
  a.expectResult = Json(nullptr);
  TestOutcome o = evaluateRun(a, std::nullopt, "", ran(report()), {});
  EXPECT_FALSE(o.passed);
  EXPECT_EQ(joined(o),
            "result differs (the entry fiber did not finish)\n"
            "- expected: null\n+ got:      (absent; status \"done\")\n");
  EXPECT_TRUE(evaluateRun(a, std::nullopt, "",
                          ran(report(R"("result": null,)")), {})
                  .passed);
}

TEST(Evaluate, ResultStatusOutput) {
  Annotations a;
  a.expectResult = Json::parse(R"({"$number": "NaN"})");
  a.expectStatus = "ticks";
  a.hasExpectOutput = true;
  a.expectOutput = {"one", ""};
  Json r = report(R"("result": {"$number": "Infinity"},)");
  r["output"] = Json::parse(R"(["one", "", "three"])");
  TestOutcome o = evaluateRun(a, std::nullopt, "", ran(r), {});
  EXPECT_FALSE(o.passed);
  ASSERT_EQ(o.failures.size(), 3u);
  EXPECT_EQ(o.failures[0], "status differs\n- expected: ticks\n+ got:      done\n");
  EXPECT_EQ(o.failures[1],
            "result differs at $[\"$number\"]\n"
            "- expected: {\"$number\":\"NaN\"}\n"
            "+ got:      {\"$number\":\"Infinity\"}\n");
  EXPECT_EQ(o.failures[2],
            "output differs (expected 2 lines, got 3)\n"
            "--- expected\n+++ got\n@@ -1,2 +1,3 @@\n one\n \n+three\n");
}

TEST(Evaluate, ExpectedReport) {
  Json expected = report(R"("result": 1,)");
  Annotations a;
  EXPECT_TRUE(evaluateRun(a, expected, "x.expected.json",
                          ran(report(R"("result": 1.0,)")), {})
                  .passed);
  TestOutcome o = evaluateRun(a, expected, "x.expected.json",
                              ran(report(R"("result": 2,)")), {});
  EXPECT_FALSE(o.passed);
  EXPECT_EQ(o.failures.at(0),
            "report differs from x.expected.json at $.result\n"
            "- expected: 1\n+ got:      2\n"
            "  (brainvm test --update rewrites x.expected.json)\n");
}

TEST(Evaluate, ExpectErrorMatchesLineAndText) {
  Annotations a;
  a.expectErrors.push_back({12, "unknown label", 1});
  RunInvocation inv;
  inv.exitCode = 65;
  inv.diagnostics =
      "p.bvasm:12:7: error: unknown label 'x'\n  jmp x\n      ^\n"
      "p.bvasm:14: error: in function 'main' at pc 3: stack underflow\n";
  EXPECT_TRUE(evaluateRun(a, std::nullopt, "", inv, {}).passed);
  a.expectErrors.push_back({14, "stack underflow", 2});
  EXPECT_TRUE(evaluateRun(a, std::nullopt, "", inv, {}).passed);
  a.expectErrors.push_back({12, "stack underflow", 3});  // wrong line
  TestOutcome o = evaluateRun(a, std::nullopt, "", inv, {});
  EXPECT_FALSE(o.passed);
  EXPECT_EQ(o.failures.size(), 1u);
  EXPECT_EQ(o.failures.at(0),
            "no error at line 12 containing \"stack underflow\"\n"
            "- expected: line 12: stack underflow\n"
            "+ got:      p.bvasm:12:7: error: unknown label 'x'\n"
            "            p.bvasm:14: error: in function 'main' at pc 3: stack "
            "underflow\n");

  // A program that loads fails an expect-error test.
  Annotations b;
  b.expectErrors.push_back({3, "", 1});
  o = evaluateRun(b, std::nullopt, "", ran(report()), {});
  EXPECT_FALSE(o.passed);
  EXPECT_NE(joined(o).find("got exit 0"), std::string::npos);
}

TEST(Evaluate, LimitMentionsThePerTestCap) {
  Json r = report();
  r["status"] = "limit";
  r["stats"]["instructions"] = 1000;
  TestOptions options;
  options.maxInstructions = 1000;
  TestOutcome o = evaluateRun({}, std::nullopt, "", ran(r, 70), options);
  EXPECT_FALSE(o.passed);
  EXPECT_NE(joined(o).find("the per-test cap is 1000 instructions"),
            std::string::npos);
  Annotations a;
  a.expectStatus = "limit";
  EXPECT_TRUE(evaluateRun(a, std::nullopt, "", ran(r, 70), options).passed);
}

TEST(Evaluate, ReportThatDoesNotParse) {
  RunInvocation inv = ran(report());
  inv.reportText.pop_back();
  inv.reportText.pop_back();  // the closing brace
  TestOutcome o = evaluateRun({}, std::nullopt, "", inv, {});
  EXPECT_FALSE(o.passed);
  EXPECT_EQ(joined(o).rfind("the report is not valid JSON: ", 0), 0u)
      << joined(o);
}

TEST(Evaluate, RunFailure) {
  RunInvocation inv;
  inv.exitCode = 64;
  inv.diagnostics = "error: --ticks: bad\n";
  TestOutcome o = evaluateRun({}, std::nullopt, "", inv, {});
  EXPECT_FALSE(o.passed);
  EXPECT_EQ(joined(o),
            "brainvm run failed (exit 64: usage error)\n  error: --ticks: bad\n");
}

// ---- files -----------------------------------------------------------------

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("brainvm_runner_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& rel, std::string_view text) {
    fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.generic_string();
  }
  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path dir_;
};

constexpr std::string_view kReturns7 =
    "; expect: 7\n.func main()\n  push_const 7\n  ret\n.end\n";

using Discover = TempDir;

TEST_F(Discover, RecursiveSortedDeduplicated) {
  write("b.bvasm", kReturns7);
  write("a/z.bvasm", kReturns7);
  write("a/y.bvasm", kReturns7);
  write("a/notes.txt", "x");
  write("c.bvasm.bak", "x");
  const std::string root = dir_.generic_string();
  Discovery d = discoverTests({root, root + "/b.bvasm"});
  EXPECT_TRUE(d.errors.empty());
  Strings rel;
  for (const TestCase& t : d.tests) rel.push_back(t.relPath);
  EXPECT_EQ(rel, (Strings{"a/y.bvasm", "a/z.bvasm", "b.bvasm"}));
  EXPECT_EQ(d.tests[0].path, root + "/a/y.bvasm");
  EXPECT_EQ(d.tests[0].classname, root + "/a");
  EXPECT_EQ(d.tests[0].name, "y.bvasm");

  d = discoverTests({root + "/missing"});
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_NE(d.errors[0].find("missing"), std::string::npos);
}

using RunOne = TempDir;

TEST_F(RunOne, PassesAndFails) {
  TestCase t;
  t.path = write("ok.bvasm", kReturns7);
  EXPECT_TRUE(runTest(t, {}).passed);
  t.path = write("bad.bvasm",
                 "; expect: 8\n.func main()\n  push_const 7\n  ret\n.end\n");
  TestOutcome o = runTest(t, {});
  EXPECT_FALSE(o.passed);
  EXPECT_EQ(o.failures.at(0), "result differs\n- expected: 8\n+ got:      7\n");
  t.path = write("annot.bvasm", "; expect-status: sometimes\n");
  o = runTest(t, {});
  EXPECT_FALSE(o.passed);
  EXPECT_EQ(o.failures.at(0),
            "invalid annotations\n  line 1: expect-status: expected done, "
            "ticks or limit, got 'sometimes'\n");
}

TEST_F(RunOne, RelativeVarsFileIsBesideTheProgram) {
  write("sub/in.json", R"({"v": 5})");
  TestCase t;
  t.path = write("sub/p.bvasm",
                 "; run: --vars in.json\n; expect: 5\n"
                 ".func main()\n  load_var v\n  ret\n.end\n");
  TestOutcome o = runTest(t, {});
  EXPECT_TRUE(o.passed) << joined(o);
  EXPECT_EQ(resolveRunArgPaths({"--vars=x.json", "--trace", "-", "--vars",
                                "/abs.json"},
                               "d/p.bvasm"),
            (Strings{"--vars=d/x.json", "--trace", "-", "--vars", "/abs.json"}));
}

TEST_F(RunOne, UpdateRewritesOnlyExistingFilesUnlessAll) {
  TestCase t;
  t.path = write("p.bvasm", kReturns7);
  const std::string expected = expectedReportPath(t.path);
  EXPECT_EQ(expected, (dir_ / "p.expected.json").generic_string());

  TestOptions update;
  update.update = UpdateMode::Existing;
  TestOutcome o = runTest(t, update);
  EXPECT_TRUE(o.passed);
  EXPECT_FALSE(o.updated);
  EXPECT_FALSE(fs::exists(expected));

  update.update = UpdateMode::All;
  o = runTest(t, update);
  EXPECT_TRUE(o.passed);
  EXPECT_TRUE(o.updated);
  std::string text = read(expected);
  EXPECT_EQ(Json::parse(text)["result"], 7);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("\n  \"status\": \"done\""), std::string::npos);

  // Stale expectations fail, and --update repairs them (deterministically).
  write("p.expected.json", R"({"result": 8})");
  o = runTest(t, {});
  EXPECT_FALSE(o.passed);
  update.update = UpdateMode::Existing;
  o = runTest(t, update);
  EXPECT_TRUE(o.passed);
  EXPECT_TRUE(o.updated);
  EXPECT_EQ(read(expected), text);
  o = runTest(t, update);  // already up to date: not rewritten
  EXPECT_FALSE(o.updated);
  EXPECT_TRUE(runTest(t, {}).passed);

  // Not valid JSON.
  write("p.expected.json", "{");
  o = runTest(t, {});
  EXPECT_FALSE(o.passed);
  EXPECT_NE(joined(o).find("p.expected.json is not valid JSON"),
            std::string::npos);
}

TEST(ReportFiles, PathsStayInsideTheDirectory) {
  EXPECT_EQ(reportFilePath("out", "samples/hello.bvasm"),
            "out/samples/hello.json");
  EXPECT_EQ(reportFilePath("out/", "./a/b/../c.bvasm"), "out/a/c.json");
  EXPECT_EQ(reportFilePath("out", "/abs/x.bvasm"), "out/abs/x.json");
  EXPECT_EQ(reportFilePath("out", "../../up/x.bvasm"), "out/_/_/up/x.json");
  EXPECT_EQ(reportFilePath("out", "prog.txt"), "out/prog.txt.json");
}

TEST_F(RunOne, ReportsAreWrittenAsUpdateWouldWriteThem) {
  TestCase t;
  t.path = write("sub/p.bvasm", kReturns7);
  TestCase failing;
  failing.path =
      write("q.bvasm", "; expect: 8\n.func main()\n  push_const 7\n  ret\n.end\n");
  TestCase noReport;
  noReport.path = write("e.bvasm",
                        "; expect-error: 3: unknown label\n.func main()\n"
                        "  jmp nowhere\n.end\n");
  TestOptions options;
  options.reportsDir = (dir_ / "reports" / "deep").generic_string();
  EXPECT_TRUE(runTest(t, options).passed);
  EXPECT_FALSE(runTest(failing, options).passed);  // written all the same
  EXPECT_TRUE(runTest(noReport, options).passed);

  const std::string report = reportFilePath(options.reportsDir, t.path);
  ASSERT_TRUE(fs::exists(report));
  EXPECT_TRUE(fs::exists(reportFilePath(options.reportsDir, failing.path)));
  EXPECT_FALSE(fs::exists(reportFilePath(options.reportsDir, noReport.path)));
  TestOptions update;
  update.update = UpdateMode::All;
  EXPECT_TRUE(runTest(t, update).updated);
  EXPECT_EQ(read(report), read(expectedReportPath(t.path)));

  // A directory that cannot be made fails the test.
  write("blocker", "a file");
  options.reportsDir = (dir_ / "blocker").generic_string();
  TestOutcome o = runTest(t, options);
  EXPECT_FALSE(o.passed);
  EXPECT_EQ(joined(o).rfind("cannot write ", 0), 0u) << joined(o);
}

TEST_F(RunOne, InstructionCapEndsEndlessPrograms) {
  TestCase t;
  t.path = write("loop.bvasm", ".func main()\nl:\n  jmp l\n.end\n");
  TestOptions options;
  options.maxInstructions = 10'000;
  TestOutcome o = runTest(t, options);
  EXPECT_FALSE(o.passed);
  EXPECT_NE(joined(o).find("the per-test cap is 10000 instructions"),
            std::string::npos);
}

// ---- the worker pool -------------------------------------------------------

std::vector<TestCase> fakeTests(size_t n) {
  std::vector<TestCase> tests(n);
  for (size_t i = 0; i < n; ++i) tests[i].path = std::to_string(i);
  return tests;
}

TEST(Pool, ResultsInDiscoveryOrder) {
  const size_t n = 24;
  RunAllOptions options;
  options.jobs = 4;
  options.run = [](const TestCase& t, const TestOptions&) {
    int i = std::stoi(t.path);
    // Later tests finish first.
    std::this_thread::sleep_for(std::chrono::milliseconds((24 - i) % 5));
    TestOutcome o;
    o.passed = i % 3 != 0;
    if (!o.passed) o.failures.push_back("failed " + t.path + "\n");
    return o;
  };
  std::vector<size_t> order;
  size_t lastProgress = 0;
  options.onResult = [&order](size_t index, const TestOutcome&) {
    order.push_back(index);
  };
  options.onProgress = [&lastProgress](size_t finished, size_t total) {
    EXPECT_GE(finished, lastProgress);
    EXPECT_EQ(total, 24u);
    lastProgress = finished;
  };
  RunAllResult r = runTests(fakeTests(n), options);
  ASSERT_EQ(order.size(), n);
  for (size_t i = 0; i < n; ++i) EXPECT_EQ(order[i], i);
  EXPECT_EQ(lastProgress, n);
  EXPECT_EQ(r.passed, 16u);
  EXPECT_EQ(r.failed, 8u);
  EXPECT_EQ(r.abandoned, 0u);
  EXPECT_EQ(r.outcomes[3].failures.at(0), "failed 3\n");
}

TEST(Pool, EmptyAndSingleThreaded) {
  RunAllOptions options;
  options.jobs = 0;  // treated as 1
  options.run = [](const TestCase&, const TestOptions&) {
    TestOutcome o;
    o.passed = true;
    return o;
  };
  EXPECT_EQ(runTests({}, options).outcomes.size(), 0u);
  RunAllResult r = runTests(fakeTests(3), options);
  EXPECT_EQ(r.passed, 3u);
}

TEST(Pool, HungTestTimesOutWithoutStallingTheRun) {
  // Test 1 blocks until released; the pool must report it as timed out,
  // replace its thread and finish the others.
  auto release = std::make_shared<std::promise<void>>();
  std::shared_future<void> released = release->get_future().share();
  auto done = std::make_shared<std::atomic<bool>>(false);
  RunAllOptions options;
  options.jobs = 2;
  options.test.timeoutSeconds = 0.2;
  options.run = [released, done](const TestCase& t, const TestOptions&) {
    if (t.path == "1") {
      released.wait();
      done->store(true);
    }
    TestOutcome o;
    o.passed = true;
    return o;
  };
  auto start = std::chrono::steady_clock::now();
  RunAllResult r = runTests(fakeTests(6), options);
  double took = std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  EXPECT_LT(took, 5.0);
  EXPECT_EQ(r.passed, 5u);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(r.abandoned, 1u);
  EXPECT_FALSE(r.outcomes[1].passed);
  EXPECT_NE(r.outcomes[1].failures.at(0).find("timed out"), std::string::npos);
  release->set_value();
  for (int i = 0; i < 500 && !done->load(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(done->load());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

TEST(Pool, SlowTestIsReportedEvenIfItFinishes) {
  RunAllOptions options;
  options.jobs = 1;
  options.test.timeoutSeconds = 0.05;
  options.run = [](const TestCase&, const TestOptions&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
    TestOutcome o;
    o.passed = true;
    return o;
  };
  RunAllResult r = runTests(fakeTests(1), options);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_NE(r.outcomes[0].failures.at(0).find("timed out"), std::string::npos);
  // Let the abandoned worker finish before the test ends.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

}  // namespace
