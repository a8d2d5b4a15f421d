// Garbage collection: mark every root the runtime holds, trace, sweep, then
// drop settled handles that nothing refers to any more.
#include "runtime_impl.h"

namespace brainvm {

void RuntimeImpl::markRoots() {
  for (const auto& [id, f] : fibers) {
    for (uint32_t i = 0; i < f->sp; ++i) heap.mark(f->stack[i]);
    heap.mark(f->result);
    heap.mark(f->error);
    heap.mark(f->pendingError);
    if (f->vars)
      for (size_t i = 0; i < program.variableNames.size(); ++i)
        heap.mark(f->vars[i]);
  }
  for (const Value& v : shared) heap.mark(v);
  for (const auto& [name, v] : sharedExtra) heap.mark(v);
  for (const HostContext& c : contexts)
    for (const auto& [name, v] : c.vars) heap.mark(v);
  for (const Value& v : pins) heap.mark(v);
  for (auto& [id, h] : handles) {
    h.marked = false;
    heap.mark(h.result);
  }
}

void RuntimeImpl::collectGarbage() {
  markRoots();
  auto onHandle = [](HandleId id, void* ctx) {
    auto* self = static_cast<RuntimeImpl*>(ctx);
    if (HandleRecord* h = self->findHandle(id)) h->marked = true;
  };
  // Handle values sitting directly in roots are marked here; those inside
  // objects are reported by the tracer.
  auto markHandle = [&](const Value& v) {
    if (v.isHandle()) onHandle(v.asHandle(), this);
  };
  for (const auto& [id, f] : fibers) {
    for (uint32_t i = 0; i < f->sp; ++i) markHandle(f->stack[i]);
    markHandle(f->result);
    if (f->vars)
      for (size_t i = 0; i < program.variableNames.size(); ++i)
        markHandle(f->vars[i]);
  }
  for (const Value& v : shared) markHandle(v);
  for (const auto& [name, v] : sharedExtra) markHandle(v);
  for (const HostContext& c : contexts)
    for (const auto& [name, v] : c.vars) markHandle(v);
  for (const Value& v : pins) markHandle(v);
  for (auto& [id, h] : handles) markHandle(h.result);

  heap.traceMarked(onHandle, this);
  heap.sweep();

  for (auto it = handles.begin(); it != handles.end();) {
    const HandleRecord& h = it->second;
    if (h.state != HandleState::Pending && h.waiters.empty() && !h.marked)
      it = handles.erase(it);
    else
      ++it;
  }
  settledSinceGc = 0;
}

}  // namespace brainvm
