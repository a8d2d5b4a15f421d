// Coverage as an lcov tracefile (the geninfo format that genhtml, lcov,
// Codecov and editors read), from the counts a run collected
// (CoverageCounts) and the program's debug info.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "brainvm/instrumentation.h"
#include "brainvm/program.h"

namespace brainvm {

// Accumulates the coverage of any number of runs and programs, by source
// file; runs of programs that share a source file add up. The text is the
// same whatever order the runs were added in.
class LcovReport {
 public:
  // Adds one run of `program`. Its source file is program.sourceName, or
  // `fallbackPath` when that is empty. Without debug info only function
  // coverage can be given: returns false then (the caller may warn).
  //
  // The counts: a line's DA is how many times execution entered it (its
  // first instruction ran after the line before, or control arrived in it
  // by a jump, a branch or a catch); a function's FNDA how many times it was
  // entered (calls, spawns); each conditional jump (jmp_if_false,
  // jmp_if_true, when_end) is a branch with two outcomes, BRDA "taken" (0)
  // and "not taken" (1), "-" when its line never ran.
  bool add(const Program& program, const CoverageCounts& counts,
           std::string_view fallbackPath = {});
  // Adds everything in `other`.
  void merge(const LcovReport& other);
  bool empty() const { return files_.empty(); }

  // The tracefile: one record per source file, files sorted by path.
  std::string text() const;

 private:
  struct Branch {
    uint64_t taken = 0;
    uint64_t notTaken = 0;
  };
  struct File {
    std::map<uint32_t, uint64_t> lines;  // line -> entries
    // (first line, name) -> entries
    std::map<std::pair<uint32_t, std::string>, uint64_t> functions;
    // (line, block) -> outcomes
    std::map<std::pair<uint32_t, uint32_t>, Branch> branches;
  };
  std::map<std::string, File> files_;
};

}  // namespace brainvm
