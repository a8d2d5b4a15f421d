// Variable resolution (contract section 3, item 7): resolver, the fiber's
// own context, the shared scope, then the host's context chain.
#include "runtime_impl.h"
#include "value_internals.h"

namespace brainvm {

std::optional<Value> RuntimeImpl::contextLookup(std::string_view name) const {
  for (ContextId c = parentContext(); c != kNoContext;
       c = extras_->contexts[c - 1].parent) {
    for (const auto& [n, v] : extras_->contexts[c - 1].vars)
      if (n == name) return v;
  }
  return std::nullopt;
}

bool RuntimeImpl::contextStore(std::string_view name, const Value& v) {
  for (ContextId c = parentContext(); c != kNoContext;
       c = extras_->contexts[c - 1].parent) {
    for (auto& [n, val] : extras_->contexts[c - 1].vars)
      if (n == name) {
        val = v;
        return true;
      }
  }
  return false;
}

Value RuntimeImpl::loadVarSlow(Fiber& f, uint32_t nameIndex) {
  const std::string& name = program.variableNames[nameIndex];
  if (resolver) {
    if (std::optional<Value> v = resolver->load(name, f.id)) return *v;
  }
  if (f.vars && !isAbsent(f.vars[nameIndex])) return f.vars[nameIndex];
  if (!isAbsent(shared[nameIndex])) return shared[nameIndex];
  if (std::optional<Value> v = contextLookup(name)) return *v;
  return Value();
}

void RuntimeImpl::storeVarSlow(Fiber& f, uint32_t nameIndex, const Value& v) {
  const std::string& name = program.variableNames[nameIndex];
  if (resolver && resolver->store(name, v, f.id)) return;
  if (f.vars && !isAbsent(f.vars[nameIndex])) {
    f.vars[nameIndex] = v;
    return;
  }
  if (!isAbsent(shared[nameIndex])) {
    shared[nameIndex] = v;
    return;
  }
  if (contextStore(name, v)) return;
  if (!f.vars) {
    const size_t n = program.variableNames.size();
    f.vars = std::make_unique<Value[]>(n);
    for (size_t i = 0; i < n; ++i) f.vars[i] = absentValue();
  }
  f.vars[nameIndex] = v;
}

}  // namespace brainvm
