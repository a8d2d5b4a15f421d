// Saving a runtime's whole state (docs/snapshots.md): the header, then the
// config, heap, clock, variables, pins, handles and fibers, then each host
// hook's part.
#include <algorithm>

#include "brainvm/runtime.h"
#include "brainvm/state.h"
#include "image_format.h"
#include "runtime_impl.h"
#include "state_format.h"
#include "value_internals.h"

namespace brainvm {

using namespace state;

std::vector<PermanentObject> RuntimeImpl::permanentObjects() const {
  std::vector<PermanentObject> out;
  for (uint32_t k = 0; k < program.constants.size(); ++k) {
    const Value& c = program.constants[k];
    if (c.isString()) {
      out.push_back({kPermConstString, k, c.asObject()});
    } else if (c.isError()) {
      out.push_back({kPermConstError, k, c.asObject()});
      out.push_back({kPermErrorMessage, k,
                     const_cast<StringObject*>(c.asError()->message())});
    }
  }
  out.push_back({kPermOutOfMemory, 0, const_cast<ErrorObject*>(outOfMemoryError)});
  out.push_back({kPermOutOfMemoryMessage, 0,
                 const_cast<StringObject*>(outOfMemoryError->message())});
  return out;
}

namespace {

void writeConfig(StateWriter& w, const RuntimeConfig& c) {
  w.u64(c.maxFibersPerTick);
  w.u64(c.defaultBudget);
  w.u64(c.maxFrameDepth);
  w.u64(c.maxStackSize);
  w.u64(c.maxHandlers);
  w.u64(c.maxFibers);
  w.u64(c.maxHandles);
  w.u64(c.maxHeapBytes);
  w.u64(c.maxStringBytes);
  w.u64(c.maxInstructions);
}

void writePermanent(StateWriter& w, const PermanentObject& p) {
  w.u8(p.tag);
  w.u64(p.index);
  if (p.object->type() == ObjectType::String) {
    w.str(static_cast<const StringObject*>(p.object)->view());
  } else {
    auto* e = static_cast<const ErrorObject*>(p.object);
    w.u8(static_cast<uint8_t>(e->tag()));
    w.str(e->message()->view());
  }
}

}  // namespace

Result<std::vector<uint8_t>> RuntimeImpl::saveState(
    std::span<StateHook* const> hooks) const {
  if (running)
    return Error(ErrorCode::InvalidArgument,
                 "a state cannot be saved inside a slice");
  // Every pending handle must belong to a host hook that saves it.
  std::vector<HandleId> claimed;
  for (StateHook* h : hooks)
    for (HandleId id : h->pendingHandles()) claimed.push_back(id);
  std::sort(claimed.begin(), claimed.end());
  std::vector<HandleId> pending;
  for (const HandleRecord& h : handles.records())
    if (h.state == HandleState::Pending &&
        !std::binary_search(claimed.begin(), claimed.end(), h.id))
      pending.push_back(h.id);
  if (!pending.empty()) {
    std::sort(pending.begin(), pending.end());
    std::string ids;
    for (HandleId id : pending)
      ids += (ids.empty() ? "" : ", ") + std::to_string(id);
    return Error(ErrorCode::InvalidArgument,
                 "cannot save: handle" + std::string(pending.size() > 1 ? "s " : " ") +
                     ids +
                     " pending with no host hook to save them (an async host "
                     "function's operation in flight; see StateHook)");
  }

  StateWriter w;
  std::unordered_map<const Object*, uint64_t> ids;
  heap.numberObjects(ids);
  const std::vector<PermanentObject> permanents = permanentObjects();
  for (uint64_t i = 0; i < permanents.size(); ++i)
    ids.emplace(permanents[i].object, kPermanentBit | i);
  w.objectIds_ = &ids;

  w.beginSection(kSecConfig);
  writeConfig(w, config);
  w.endSection();

  w.beginSection(kSecHeap);
  w.u64(permanents.size());
  for (const PermanentObject& p : permanents) writePermanent(w, p);
  heap.writeObjects(w);
  w.endSection();

  w.beginSection(kSecClock);
  w.f64(timeMs);
  w.f64(dtMs);
  w.u64(currentTick);
  w.u64(instructions);
  w.u64(slices);
  w.u64(handlesCreated);
  w.u64(settledSinceGc);
  w.endSection();

  w.beginSection(kSecVariables);
  // Named, so that a state can be read without its program.
  w.u64(shared.size());
  for (size_t i = 0; i < shared.size(); ++i) {
    w.str(program.variableNames[i]);
    w.value(shared[i]);
  }
  static const Extras kNone;
  const Extras& x = extras_ ? *extras_ : kNone;
  w.u64(x.sharedExtra.size());
  for (const auto& [name, v] : x.sharedExtra) {
    w.str(name);
    w.value(v);
  }
  w.u64(x.contexts.size());
  for (const HostContext& c : x.contexts) {
    w.u64(c.parent);
    w.u64(c.vars.size());
    for (const auto& [name, v] : c.vars) {
      w.str(name);
      w.value(v);
    }
  }
  w.u64(x.parentContext);
  w.endSection();

  w.beginSection(kSecPins);
  w.u64(pins.size());
  for (const Value& v : pins) w.value(v);
  w.u64(freePins.size());
  for (PinId id : freePins) w.u64(id);
  w.endSection();

  w.beginSection(kSecHandles);
  w.u64(nextHandleId);
  std::vector<const HandleRecord*> byId;
  for (const HandleRecord& h : handles.records()) byId.push_back(&h);
  std::sort(byId.begin(), byId.end(),
            [](const HandleRecord* a, const HandleRecord* b) {
              return a->id < b->id;
            });
  w.u64(byId.size());
  for (const HandleRecord* h : byId) {
    w.u64(h->id);
    w.u8(static_cast<uint8_t>(h->state));
    w.value(h->result);
    w.u64(h->waiters.size());
    h->waiters.forEach([&](FiberId f) { w.u64(f); });
  }
  w.endSection();

  w.beginSection(kSecFibers);
  w.u64(nextFiberId);
  std::vector<const Fiber*> all;
  fibers.forEach([&](const Fiber& f) { all.push_back(&f); });
  std::sort(all.begin(), all.end(),
            [](const Fiber* a, const Fiber* b) { return a->id < b->id; });
  w.u64(all.size());
  for (const Fiber* f : all) {
    w.u64(f->id);
    w.u64(f->function);
    w.u8(static_cast<uint8_t>(f->state));
    w.u8(static_cast<uint8_t>(f->fired | f->isRule << 1 | f->queued << 2 |
                              f->hasPendingThrow << 3));
    w.u64(f->awaiting);
    w.u64(f->sp);
    for (uint32_t i = 0; i < f->sp; ++i) w.value(f->stack[i]);
    w.u64(f->frames.size());
    for (const Frame& fr : f->frames) {
      w.u64(fr.function);
      w.u64(fr.base);
      w.u64(fr.pc);
    }
    w.u64(f->handlers.size());
    for (const Handler& h : f->handlers) {
      w.u64(h.catchPc);
      w.u64(h.stackHeight);
      w.u64(h.frameDepth);
    }
    w.value(f->pendingError);
    w.value(f->result);
    w.value(f->error);
    w.u8(f->vars ? 1 : 0);
    if (f->vars)
      for (size_t i = 0; i < program.variableNames.size(); ++i)
        w.value(f->vars[i]);
  }
  w.u64(runQueue.size());
  runQueue.forEach([&](FiberId id) { w.u64(id); });
  w.u64(ended.size());
  for (FiberId id : ended) w.u64(id);
  w.endSection();

  for (StateHook* h : hooks) {
    w.beginSection(kSecHook);
    h->save(w);
    w.endSection();
  }
  if (w.valueError_)
    return Error(ErrorCode::InvalidArgument,
                 "cannot save: a value refers to an object the runtime does "
                 "not own (a host's own object?)");

  // The header: magic, version, CRC-32 of the payload, its length, the
  // program's hash.
  const std::vector<uint8_t>& payload = w.bytes();
  std::vector<uint8_t> out;
  out.reserve(kHeaderSize + payload.size());
  out.insert(out.end(), kMagic, kMagic + 4);
  auto put = [&out](uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  put(kVersion, 4);
  put(image::crc32(payload.data(), payload.size()), 4);
  put(payload.size(), 8);
  put(loaded->contentHash(), 8);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Result<std::vector<uint8_t>> Runtime::saveState(
    std::span<StateHook* const> hooks) const {
  return impl_->saveState(hooks);
}

}  // namespace brainvm
