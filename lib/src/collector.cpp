// Garbage collection: mark every root the runtime holds, trace, sweep, then
// drop settled handles that nothing refers to any more.
#include "runtime_impl.h"

namespace brainvm {

namespace {

void markHandleId(HandleId id, void* ctx) {
  if (HandleRecord* h = static_cast<RuntimeImpl*>(ctx)->findHandle(id))
    h->marked = true;
}

}  // namespace

// One pass over the roots: objects go to the heap's work list, handle ids
// found directly in roots mark their records (those inside objects are
// reported by the tracer).
void RuntimeImpl::markRoots() {
  for (HandleRecord& h : handles.records()) h.marked = false;
  auto root = [this](const Value& v) {
    if (v.isHandle())
      markHandleId(v.asHandle(), this);
    else
      heap.mark(v);
  };
  fibers.forEach([&](const Fiber& f) {
    for (uint32_t i = 0; i < f.sp; ++i) root(f.stack[i]);
    root(f.result);
    root(f.error);
    root(f.pendingError);
    if (f.vars)
      for (size_t i = 0; i < program.variableNames.size(); ++i)
        root(f.vars[i]);
  });
  for (const Value& v : shared) root(v);
  if (extras_) {
    for (const auto& [name, v] : extras_->sharedExtra) root(v);
    for (const HostContext& c : extras_->contexts)
      for (const auto& [name, v] : c.vars) root(v);
  }
  for (const Value& v : pins) root(v);
  for (const HandleRecord& h : handles.records()) root(h.result);
}

void RuntimeImpl::collectGarbage() {
  markRoots();
  heap.traceMarked(markHandleId, this);
  heap.sweep();

  handles.eraseIf([](const HandleRecord& h) {
    return h.state != HandleState::Pending && h.waiters.empty() && !h.marked;
  });
  settledSinceGc = 0;
}

}  // namespace brainvm
