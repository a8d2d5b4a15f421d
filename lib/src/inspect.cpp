// The Runtime's inspection calls for tools and debuggers: attaching
// instrumentation, fibers' frames, locals, operand stacks and variables.
#include <algorithm>

#include "brainvm/runtime.h"
#include "runtime_impl.h"
#include "value_internals.h"

namespace brainvm {

Status Runtime::setInstrumentation(const Instrumentation& parts) {
  return impl_->attach(parts);
}

bool Runtime::abortRequested() const { return impl_->abortRequested; }
void Runtime::clearAbort() { impl_->abortRequested = false; }

std::vector<FiberId> Runtime::fiberIds() const {
  std::vector<FiberId> ids;
  impl_->fibers.forEach([&](const Fiber& f) { ids.push_back(f.id); });
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<FrameInfo> Runtime::frames(FiberId id) const {
  std::vector<FrameInfo> out;
  const Fiber* f = impl_->findFiber(id);
  if (!f) return out;
  for (size_t i = f->frames.size(); i-- > 0;) {
    const Frame& fr = f->frames[i];
    const bool innermost = i + 1 == f->frames.size();
    // Outer frames hold their return address: show the call.
    const uint32_t pc = innermost ? fr.pc : (fr.pc ? fr.pc - 1 : 0);
    out.push_back(FrameInfo{fr.function, pc,
                            impl_->program.lineOf(fr.function, pc)});
  }
  return out;
}

namespace {

// Stack indexes [localsBegin, operandsBegin, end) of frame `frame`
// (0 = innermost), or false.
bool frameRange(const Fiber& f, const Program& p, size_t frame,
                uint32_t& localsBegin, uint32_t& operandsBegin,
                uint32_t& end) {
  if (frame >= f.frames.size() || f.stack == nullptr) return false;
  const size_t i = f.frames.size() - 1 - frame;
  const Frame& fr = f.frames[i];
  localsBegin = fr.base;
  operandsBegin = fr.base + p.functions[fr.function].numLocals;
  end = i + 1 < f.frames.size() ? f.frames[i + 1].base : f.sp;
  operandsBegin = std::min(operandsBegin, end);
  return true;
}

}  // namespace

std::vector<Value> Runtime::locals(FiberId id, size_t frame) const {
  const Fiber* f = impl_->findFiber(id);
  uint32_t lo, mid, hi;
  if (!f || !frameRange(*f, impl_->program, frame, lo, mid, hi)) return {};
  return std::vector<Value>(f->stack + lo, f->stack + mid);
}

std::vector<Value> Runtime::operandStack(FiberId id, size_t frame) const {
  const Fiber* f = impl_->findFiber(id);
  uint32_t lo, mid, hi;
  if (!f || !frameRange(*f, impl_->program, frame, lo, mid, hi)) return {};
  return std::vector<Value>(f->stack + mid, f->stack + hi);
}

std::optional<Value> Runtime::lookupVariable(FiberId id,
                                             std::string_view name) const {
  if (impl_->resolver)
    if (std::optional<Value> v = impl_->resolver->load(name, id)) return v;
  const Fiber* f = impl_->findFiber(id);
  if (std::optional<uint32_t> i = impl_->loaded->findVariable(name)) {
    if (f && f->vars && !isAbsent(f->vars[*i])) return f->vars[*i];
    if (!isAbsent(impl_->shared[*i])) return impl_->shared[*i];
  } else if (impl_->extras_) {
    auto it = impl_->extras_->sharedExtra.find(name);
    if (it != impl_->extras_->sharedExtra.end()) return it->second;
  }
  return impl_->contextLookup(name);
}

}  // namespace brainvm
