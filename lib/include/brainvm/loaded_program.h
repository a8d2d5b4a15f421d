// A program ready to run: verified and linked once, then immutable, so any
// number of runtimes can share it (a game runs the same brain in thousands
// of entities; each runtime keeps only its own state).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "brainvm/host.h"
#include "brainvm/program.h"
#include "brainvm/result.h"

namespace brainvm {

struct LoadOptions {
  // The verifier rejects a function whose operand stack can grow deeper
  // than this. A runtime whose RuntimeConfig::maxStackSize is smaller than
  // the deepest function's refuses the program.
  uint32_t maxStackSize = 4096;
  // Reject a program with nothing to run (no entry, `.spawn` or `.rule`).
  // Turn it off when the caller names the function to run itself.
  bool requireRunnable = true;
  // Fuse common instruction sequences into superinstructions
  // (docs/performance.md). Results, errors, traces and budget accounting
  // are the same either way; turning it off exists for differential tests.
  bool superinstructions = true;
  // Names the program in diagnostics when it has no `.source`.
  std::string fileName;
};

class LoadedProgram {
 public:
  // Verifies the program (filling each function's maxStack) and links it.
  // Fails with ErrorCode::VerificationFailed and every problem found.
  static Result<std::shared_ptr<const LoadedProgram>> load(
      Program program, const LoadOptions& options = {});

  const Program& program() const { return program_; }
  const LoadOptions& options() const { return options_; }
  // O(1) lookups by name (the first of equal names, as Program's do).
  std::optional<uint32_t> findFunction(std::string_view name) const;
  std::optional<uint32_t> findVariable(std::string_view name) const;
  // The deepest operand stack of any function (what the verifier proved).
  uint32_t maxOperandDepth() const { return maxOperandDepth_; }
  // The operand-stack depth the verifier proved at `pc` of `function`, or
  // -1 where no path reaches it.
  int32_t stackDepthAt(uint32_t function, uint32_t pc) const {
    return depths_[function][pc];
  }
  // A hash of the program's content (its image): saved states name their
  // program by it.
  uint64_t contentHash() const;

  // For the runtime: linked code (dense opcodes, superinstructions) that
  // assumes the program's imports are bound to the built-in library's
  // functions of the same names. A runtime whose registry binds them
  // otherwise links its own copy.
  struct Linked;
  const Linked& linked() const { return *linked_; }

  LoadedProgram(const LoadedProgram&) = delete;
  LoadedProgram& operator=(const LoadedProgram&) = delete;
  ~LoadedProgram();

 private:
  LoadedProgram() = default;
  Program program_;
  LoadOptions options_;
  uint32_t maxOperandDepth_ = 0;
  std::vector<std::vector<int32_t>> depths_;
  mutable std::once_flag hashOnce_;
  mutable uint64_t hash_ = 0;
  std::unordered_map<std::string_view, uint32_t> functionIndex_;
  std::unordered_map<std::string_view, uint32_t> variableIndex_;
  std::unique_ptr<Linked> linked_;
};

// Checks that every host import of `program` is in `registry` with the same
// kind (sync or async). Fails with ErrorCode::LinkError and one diagnostic
// per bad import, located at the import's first call site (file and line
// when the program has debug info). `fileName` names the program when it
// has no `.source`.
Status checkImports(const Program& program, const HostRegistry& registry,
                    std::string_view fileName = {});

}  // namespace brainvm
