// The handle table: async operations settled by the host. Ids start at 1 and
// are never reused; a settled handle lives on while a fiber can still await
// it (it is only dropped by the collector once no value refers to it).
#include "runtime_impl.h"

namespace brainvm {

Result<HandleId> RuntimeImpl::createHandle() {
  if (pendingHandles >= config.maxHandles)
    return Error(ErrorCode::LimitExceeded,
                 "handle limit " + std::to_string(config.maxHandles) +
                     " pending handles exceeded");
  if (nextHandleId == UINT32_MAX)
    return Error(ErrorCode::LimitExceeded, "handle ids exhausted");
  const HandleId id = nextHandleId++;
  handles.insert(id);
  ++pendingHandles;
  ++handlesCreated;
  return id;
}

HandleRecord* RuntimeImpl::findHandle(HandleId id) {
  return handles.find(id);
}

Status RuntimeImpl::settleHandle(HandleId id, HandleState state,
                                 const Value& v) {
  HandleRecord* h = findHandle(id);
  if (!h)
    return Error(ErrorCode::InvalidArgument,
                 "unknown handle " + std::to_string(id));
  if (h->state != HandleState::Pending)
    return Error(ErrorCode::InvalidArgument,
                 "handle " + std::to_string(id) + " is already " +
                     std::string(handleStateName(h->state)));
  h->state = state;
  h->result = v;
  --pendingHandles;
  ++settledSinceGc;
  const WaiterList waiters = std::move(h->waiters);
  if (observer) observer->onHandleSettled(id, state);
  waiters.forEach([&](FiberId fid) {
    Fiber* f = findFiber(fid);
    if (!f || f->state != FiberState::Waiting || f->awaiting != id) return;
    f->awaiting = 0;
    if (state == HandleState::Resolved) {
      f->stack[f->sp++] = v;
    } else {
      f->hasPendingThrow = true;
      f->pendingError = v;
    }
    f->state = FiberState::Runnable;
    enqueue(f);
  });
  return Ok{};
}

}  // namespace brainvm
