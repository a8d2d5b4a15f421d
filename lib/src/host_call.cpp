// Host-function invocation for the host_call* instructions. Kept out of the
// dispatch loop so that objects with destructors (the HostCall and its error
// message) never live in a scope the loop leaves by computed goto.
#include <string>
#include <vector>

#include "brainvm/opcodes.h"
#include "runtime_impl.h"

namespace brainvm {

bool RuntimeImpl::callHost(Fiber& f, uint32_t import, const Value* args,
                           uint32_t argc, uint32_t callSite, uint32_t pc,
                           Value& out) {
  const BoundImport& h = imports[import];
  HostCall call(*facade, program.hostImports[import].name, args, argc, f.id,
                callSite);
  if (!h.async) {
    out = h.sync(call, h.userData);
  } else {
    Result<HandleId> hid = createHandle();
    if (!hid) {
      out = makeError(f, pc, ErrorTag::ScriptError,
                      hid.error().diagnostics.front().message);
      return false;
    }
    h.asyncFn(call, hid.value(), h.userData);
    out = Value::handle(hid.value());
    if (call.failed()) {
      // Keep the table consistent: the failed operation's handle is rejected.
      Value err = makeError(f, pc, call.failureTag(), call.failureMessage());
      if (HandleRecord* rec = findHandle(hid.value());
          rec && rec->state == HandleState::Pending)
        (void)settleHandle(hid.value(), HandleState::Rejected, err);
      out = err;
      return false;
    }
    return true;
  }
  if (call.failed()) {
    out = makeError(f, pc, call.failureTag(), call.failureMessage());
    return false;
  }
  return true;
}

bool RuntimeImpl::callHostWithMap(Fiber& f, uint32_t import,
                                  const Value& map, uint32_t callSite,
                                  uint32_t pc, Value& out) {
  const BoundImport& h = imports[import];
  if (!map.isMap()) {
    out = makeError(f, pc, ErrorTag::ScriptError,
                    std::string(mnemonicOf(h.async ? Opcode::HostCallAsync
                                                   : Opcode::HostCall)) +
                        ": expected a map of arguments, got " +
                        std::string(kindName(map.kind())));
    return false;
  }
  // The map stays on the stack during the call, so these stay reachable.
  std::vector<Value> args;
  for (uint32_t i = 0;; ++i) {
    const Value* v = map.asMap()->find(Value::number(i));
    if (!v) break;
    args.push_back(*v);
  }
  return callHost(f, import, args.data(), static_cast<uint32_t>(args.size()),
                  callSite, pc, out);
}

}  // namespace brainvm
