// `brainvm run --coverage/--profile...` and `brainvm test --coverage`: the
// instrumentation a run carries and the files it writes afterwards.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "brainvm/coverage.h"
#include "brainvm/instrumentation.h"
#include "brainvm/program.h"
#include "brainvm/result.h"
#include "brainvm/runtime.h"

namespace brainvm::cli {

struct RunToolOptions {
  std::string coverage;         // lcov tracefile ("" = none, "-" = stdout)
  std::string profile;          // profile file
  std::string profileFormat = "folded";  // or "speedscope"
  std::string profileHostTime;  // host time profile file
  uint32_t profileTop = 0;      // rows of the table on stderr (0 = none)
  bool any() const {
    return !coverage.empty() || !profile.empty() || !profileHostTime.empty() ||
           profileTop > 0;
  }
};

// Coverage shared by the runs of a suite (`brainvm test --coverage`, also
// with -j): each run adds its counts under the lock.
struct SharedCoverage {
  std::mutex lock;
  LcovReport report;
  bool missingDebugInfo = false;
};

class RunTools {
 public:
  // `suite`, when given, receives the run's coverage instead of a file.
  RunTools(const RunToolOptions& options, SharedCoverage* suite = nullptr);
  ~RunTools();
  bool active() const { return options_.any() || suite_ != nullptr; }
  // Attaches the counters to the runtime (before it runs).
  Status attach(Runtime& runtime);
  // After the run: writes the files and the table. Returns kExitOk or
  // kExitIoError; messages and warnings go to `diagnostics`.
  int finish(const Program& program, const std::string& inputName,
             std::string& diagnostics);

 private:
  RunToolOptions options_;
  SharedCoverage* suite_;
  std::unique_ptr<CoverageCounts> coverage_;
  std::unique_ptr<ProfileCounts> profile_;
};

}  // namespace brainvm::cli
