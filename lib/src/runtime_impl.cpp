// Runtime set-up: binding imports, choosing the linked code, the shared
// scope. Everything else RuntimeImpl does lives in a file per topic (see
// runtime_impl.h).
#include "runtime_impl.h"
#include "value_internals.h"

#include <cstdlib>

#include "intrinsics.h"

namespace brainvm {

RuntimeImpl::RuntimeImpl(std::shared_ptr<const LoadedProgram> lp,
                         RuntimeConfig cfg)
    : loaded(std::move(lp)),
      program(loaded->program()),
      config(cfg),
      heap(cfg.maxHeapBytes, cfg.maxStringBytes) {
  outOfMemoryError = permanent.error(ErrorTag::ScriptError, "out of memory");
}

RuntimeImpl::~RuntimeImpl() {
  for (auto& [stack, capacity] : stackPool) std::free(stack);
}

Status RuntimeImpl::bindImports(const HostRegistry& hosts) {
  if (Status s = checkImports(program, hosts, loaded->options().fileName); !s)
    return s;
  std::vector<uint8_t> intrinsics;
  for (const HostImport& imp : program.hostImports) {
    imports.push_back(*hosts.find(imp.name));
    intrinsics.push_back(imports.back().intrinsic_);
  }
  const LoadedProgram::Linked& shared = loaded->linked();
  if (intrinsics == shared.intrinsics) {
    linked = &shared.code;
  } else {
    ownLinked = linkProgram(program, intrinsics,
                            loaded->options().superinstructions);
    linked = &ownLinked;
  }
  return Ok{};
}

void RuntimeImpl::initSharedScope() {
  shared.assign(program.variableNames.size(), absentValue());
  for (const SharedVar& v : program.sharedVars) shared[v.name] = v.initial;
}

}  // namespace brainvm
