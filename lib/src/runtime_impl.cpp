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
    : program(lp->program()),
      config(cfg),
      heap(cfg.maxHeapBytes, cfg.maxStringBytes),
      loaded(std::move(lp)) {
  // One out-of-memory error for every runtime: immutable, never freed (and
  // still reachable, through `arena`).
  static ConstantArena* const arena = new ConstantArena();
  static const ErrorObject* const outOfMemory =
      arena->error(ErrorTag::ScriptError, "out of memory");
  outOfMemoryError = outOfMemory;
}

RuntimeImpl::~RuntimeImpl() = default;

Status RuntimeImpl::bindImports(const HostRegistry& hosts) {
  if (Status s = checkImports(program, hosts, loaded->options().fileName); !s)
    return s;
  const LoadedProgram::Linked& shared = loaded->linked();
  // The loaded program's code assumed these intrinsics (the built-ins').
  bool sameIntrinsics = shared.intrinsics.size() == program.hostImports.size();
  imports.reserve(program.hostImports.size());
  for (size_t i = 0; i < program.hostImports.size(); ++i) {
    const HostFunction& fn = *hosts.find(program.hostImports[i].name);
    imports.push_back(BoundImport{fn.sync, fn.asyncFn, fn.userData, fn.async,
                                  fn.intrinsic_});
    if (fn.owner) importOwners.push_back(fn.owner);
    sameIntrinsics = sameIntrinsics && shared.intrinsics[i] == fn.intrinsic_;
  }
  if (sameIntrinsics) {
    linked = &shared.code;
  } else {
    std::vector<uint8_t> intrinsics;
    for (const BoundImport& b : imports) intrinsics.push_back(b.intrinsic);
    extras().ownLinked = linkProgram(program, intrinsics,
                                     loaded->options().superinstructions);
    linked = &extras_->ownLinked;
  }
  return Ok{};
}

void RuntimeImpl::initSharedScope() {
  shared.assign(program.variableNames.size(), absentValue());
  for (const SharedVar& v : program.sharedVars) shared[v.name] = v.initial;
}

}  // namespace brainvm
