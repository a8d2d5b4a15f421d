// Restoring a runtime from a saved state (docs/snapshots.md). A state is
// as untrusted as an image: every count is checked against the bytes left
// before anything is reserved, every reference against what exists, every
// pc against its function and every stack depth against what the verifier
// proved; the first problem is reported with its offset.
#include <algorithm>
#include <cstring>
#include <set>

#include "brainvm/runtime.h"
#include "brainvm/state.h"
#include "image_format.h"
#include "runtime_impl.h"
#include "state_format.h"
#include "value_internals.h"

namespace brainvm {

using namespace state;

namespace {

uint64_t readLE(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t(p[i]) << (8 * i);
  return v;
}

Error stateError(const StateReader& in) {
  return Error(ErrorCode::InvalidArgument, "invalid state: " + in.error());
}

}  // namespace

Result<StateHeader> readStateHeader(std::span<const uint8_t> bytes) {
  if (bytes.size() < kHeaderSize || std::memcmp(bytes.data(), kMagic, 4) != 0)
    return Error(ErrorCode::InvalidArgument,
                 "invalid state: offset 0: not a brainvm state (bad magic)");
  StateHeader h;
  h.version = static_cast<uint32_t>(readLE(bytes.data() + 4, 4));
  if (h.version != kVersion)
    return Error(ErrorCode::InvalidArgument,
                 "invalid state: offset 4: unsupported version " +
                     std::to_string(h.version));
  const uint32_t crc = static_cast<uint32_t>(readLE(bytes.data() + 8, 4));
  const uint64_t length = readLE(bytes.data() + 12, 8);
  h.programHash = readLE(bytes.data() + 20, 8);
  if (length != bytes.size() - kHeaderSize)
    return Error(ErrorCode::InvalidArgument,
                 "invalid state: offset 12: payload length " +
                     std::to_string(length) + " but " +
                     std::to_string(bytes.size() - kHeaderSize) +
                     " bytes follow");
  h.payload = bytes.subspan(kHeaderSize);
  if (image::crc32(h.payload.data(), h.payload.size()) != crc)
    return Error(ErrorCode::InvalidArgument,
                 "invalid state: offset 8: checksum mismatch");
  return h;
}

// One section of the payload: its tag must be the expected one; the reader
// covers exactly its bytes.
bool RuntimeImpl::openSection(StateReader& payload, uint8_t tag,
                              const char* what,
                              std::span<const uint8_t> bytes,
                              std::optional<StateReader>& section) {
  uint8_t got;
  if (!payload.u8(got, "section tag")) return false;
  if (got != tag)
    return payload.fail(std::string("expected the ") + what +
                        " section, found tag " + std::to_string(got));
  if (bytes.size() - (payload.pos_) < 8)
    return payload.fail(std::string("truncated ") + what + " section length");
  const uint64_t length = readLE(bytes.data() + payload.pos_, 8);
  payload.pos_ += 8;
  if (length > bytes.size() - payload.pos_)
    return payload.fail(std::string(what) + " section longer than the state");
  section.emplace(bytes.subspan(payload.pos_, length),
                  payload.base_ + payload.pos_);
  payload.pos_ += length;
  return true;
}

Result<std::unique_ptr<RuntimeImpl>> RuntimeImpl::restoreState(
    std::shared_ptr<const LoadedProgram> loaded, const HostRegistry& hosts,
    std::span<const uint8_t> bytes, const RestoreLimits& limits) {
  Result<StateHeader> header = readStateHeader(bytes);
  if (!header) return header.takeError();
  if (header->programHash != loaded->contentHash())
    return Error(ErrorCode::InvalidArgument,
                 "the state was saved from another program (program hash " +
                     hashText(header->programHash) + "; this program's is " +
                     hashText(loaded->contentHash()) + ")");
  const std::span<const uint8_t> payloadBytes = header->payload;
  StateReader payload(payloadBytes, kHeaderSize);
  std::optional<StateReader> sec;

  // Config first: the runtime is made with it.
  if (!openSection(payload, kSecConfig, "config", payloadBytes, sec))
    return stateError(payload);
  RuntimeConfig config;
  uint64_t c[10];
  const char* names[10] = {"maxFibersPerTick", "defaultBudget", "maxFrameDepth",
                           "maxStackSize",     "maxHandlers",   "maxFibers",
                           "maxHandles",       "maxHeapBytes",  "maxStringBytes",
                           "maxInstructions"};
  for (int i = 0; i < 10; ++i)
    if (!sec->u64(c[i], names[i])) return stateError(*sec);
  for (int i : {0, 1, 2, 3, 4, 5, 6, 8})
    if (c[i] > UINT32_MAX || (i != 8 && c[i] == 0 && i <= 3)) {
      sec->fail(std::string(names[i]) + " out of range");
      return stateError(*sec);
    }
  config.maxFibersPerTick = static_cast<uint32_t>(c[0]);
  config.defaultBudget = static_cast<uint32_t>(c[1]);
  config.maxFrameDepth = static_cast<uint32_t>(c[2]);
  config.maxStackSize = static_cast<uint32_t>(c[3]);
  config.maxHandlers = static_cast<uint32_t>(c[4]);
  config.maxFibers = static_cast<uint32_t>(c[5]);
  config.maxHandles = static_cast<uint32_t>(c[6]);
  config.maxHeapBytes = c[7];
  config.maxStringBytes = static_cast<uint32_t>(c[8]);
  config.maxInstructions = c[9];
  if (loaded->maxOperandDepth() > config.maxStackSize) {
    sec->fail("maxStackSize below what the program needs");
    return stateError(*sec);
  }

  auto impl = std::make_unique<RuntimeImpl>(std::move(loaded), config);
  if (Status s = impl->bindImports(hosts); !s) return s.takeError();
  impl->initSharedScope();
  std::string error;
  if (!impl->readSections(payload, payloadBytes, limits, error))
    return Error(ErrorCode::InvalidArgument, "invalid state: " + error);
  return impl;
}

std::string hashText(uint64_t hash) {
  static const char* digits = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) out[i] = digits[hash & 15];
  return out;
}

bool RuntimeImpl::readSections(StateReader& payload,
                               std::span<const uint8_t> bytes,
                               const RestoreLimits& limits,
                               std::string& error) {
  std::optional<StateReader> sec;
  auto open = [&](uint8_t tag, const char* what) {
    if (openSection(payload, tag, what, bytes, sec)) return true;
    error = payload.error();
    return false;
  };
  auto bad = [&]() {
    error = sec->error();
    return false;
  };
  const uint32_t functionCount =
      static_cast<uint32_t>(program.functions.size());

  // --- heap ---
  if (!open(kSecHeap, "heap")) return false;
  StateReader& in = *sec;
  std::vector<PermanentObject> expected = permanentObjects();
  std::vector<Value> permanents;
  uint64_t n;
  if (!in.count(n, 3, "permanent object")) return bad();
  if (n != expected.size())
    return in.fail("the state's constants do not match the program"), bad();
  for (uint64_t i = 0; i < n; ++i) {
    uint8_t tag;
    uint64_t index;
    if (!in.u8(tag, "permanent kind") || !in.u64(index, "constant index"))
      return bad();
    const PermanentObject& p = expected[i];
    bool same = tag == p.tag && index == p.index;
    if (p.object->type() == ObjectType::String) {
      std::string text;
      if (!in.str(text, "constant string")) return bad();
      same = same && text == static_cast<const StringObject*>(p.object)->view();
    } else {
      uint8_t errTag;
      std::string message;
      if (!in.u8(errTag, "constant error tag") ||
          !in.str(message, "constant error message"))
        return bad();
      auto* e = static_cast<const ErrorObject*>(p.object);
      same = same && errTag == static_cast<uint8_t>(e->tag()) &&
             message == e->message()->view();
    }
    if (!same)
      return in.fail("the state's constants do not match the program"), bad();
    permanents.push_back(Value::object(p.object));
  }
  in.permanents_ = &permanents;
  std::vector<Value> objects;
  in.objects_ = &objects;
  if (!heap.readObjects(in, objects, functionCount,
                        std::min(config.maxHeapBytes, limits.maxHeapBytes)))
    return bad();
  if (!in.atEnd()) return in.fail("junk after the heap"), bad();

  // Every later section reads values against the same tables.
  auto openValues = [&](uint8_t tag, const char* what) {
    if (!open(tag, what)) return false;
    sec->objects_ = &objects;
    sec->permanents_ = &permanents;
    return true;
  };

  // --- clock and stats ---
  if (!openValues(kSecClock, "clock")) return false;
  if (!sec->f64(timeMs, "time") || !sec->f64(dtMs, "dt") ||
      !sec->u64(currentTick, "tick") || !sec->u64(instructions, "instructions") ||
      !sec->u64(slices, "slices") || !sec->u64(handlesCreated, "handles") ||
      !sec->u64(settledSinceGc, "settled handles"))
    return bad();

  // --- variables ---
  if (!openValues(kSecVariables, "variables")) return false;
  {
    StateReader& v = *sec;
    if (!v.count(n, 2, "shared variable")) return bad();
    if (n != shared.size())
      return v.fail("the shared scope does not match the program"), bad();
    for (size_t i = 0; i < shared.size(); ++i) {
      std::string name;
      if (!v.str(name, "variable name") ||
          !v.valueOrUndefined(shared[i], "shared variable"))
        return bad();
      if (name != program.variableNames[i])
        return v.fail("the shared scope does not match the program"), bad();
    }
    if (!v.count(n, 2, "extra variable")) return bad();
    for (uint64_t i = 0; i < n; ++i) {
      std::string name;
      Value value;
      if (!v.str(name, "variable name") || !v.value(value, "variable"))
        return bad();
      if (loaded->findVariable(name))
        return v.fail("variable '" + name + "' is also the program's"), bad();
      if (!extras().sharedExtra.emplace(name, value).second)
        return v.fail("variable '" + name + "' twice"), bad();
    }
    if (!v.count(n, 2, "host context")) return bad();
    if (n > 0) extras().contexts.resize(n);
    for (uint64_t i = 0; i < n; ++i) {
      HostContext& ctx = extras_->contexts[i];
      uint64_t parent, vars;
      if (!v.u64(parent, "context parent") || !v.count(vars, 2, "context variable"))
        return bad();
      // Parents come first (ids are indexes + 1), so the chain ends.
      if (parent > i) return v.fail("a context's parent comes after it"), bad();
      ctx.parent = static_cast<ContextId>(parent);
      for (uint64_t k = 0; k < vars; ++k) {
        std::string name;
        Value value;
        if (!v.str(name, "context variable name") ||
            !v.value(value, "context variable"))
          return bad();
        ctx.vars.emplace_back(std::move(name), value);
      }
    }
    uint64_t parent;
    if (!v.u64(parent, "parent context")) return bad();
    if (parent > n) return v.fail("the parent context does not exist"), bad();
    if (parent != kNoContext) extras_->parentContext = static_cast<ContextId>(parent);
  }

  // --- pins ---
  if (!openValues(kSecPins, "pins")) return false;
  {
    StateReader& p = *sec;
    if (!p.count(n, 1, "pin")) return bad();
    pins.resize(n);
    for (Value& v : pins)
      if (!p.value(v, "pinned value")) return bad();
    if (!p.count(n, 1, "free pin")) return bad();
    std::set<PinId> seen;
    for (uint64_t i = 0; i < n; ++i) {
      uint32_t id;
      if (!p.u32(id, "free pin")) return bad();
      if (id == 0 || id > pins.size() || !seen.insert(id).second)
        return p.fail("free pin " + std::to_string(id) + " is not a pin"), bad();
      freePins.push_back(id);
    }
  }

  // --- handles ---
  if (!openValues(kSecHandles, "handles")) return false;
  {
    StateReader& h = *sec;
    uint64_t next;
    if (!h.u64(next, "next handle id") || !h.count(n, 4, "handle"))
      return bad();
    if (next == 0 || next > UINT32_MAX)
      return h.fail("next handle id out of range"), bad();
    nextHandleId = static_cast<HandleId>(next);
    HandleId last = 0;
    pendingHandles = 0;
    for (uint64_t i = 0; i < n; ++i) {
      uint32_t id;
      uint8_t state;
      Value result;
      uint64_t waiters;
      if (!h.u32(id, "handle id") || !h.u8(state, "handle state") ||
          !h.value(result, "handle result") ||
          !h.count(waiters, 1, "waiter"))
        return bad();
      if (id == 0 || id <= last || id >= nextHandleId)
        return h.fail("handle ids out of order or range"), bad();
      if (state > static_cast<uint8_t>(HandleState::Cancelled))
        return h.fail("an unknown handle state"), bad();
      last = id;
      HandleRecord& rec = handles.insert(id);
      rec.result = result;
      rec.state = static_cast<HandleState>(state);
      if (rec.state != HandleState::Pending && waiters != 0)
        return h.fail("a settled handle has waiters"), bad();
      if (rec.state != HandleState::Resolved &&
          rec.state != HandleState::Pending && !rec.result.isError())
        return h.fail("a rejected handle's result is not an error"), bad();
      for (uint64_t k = 0; k < waiters; ++k) {
        uint32_t f;
        if (!h.u32(f, "waiter")) return bad();
        if (f == 0) return h.fail("waiter 0 is not a fiber id"), bad();
        rec.waiters.add(f);
      }
      if (rec.state == HandleState::Pending) ++pendingHandles;
    }
    if (pendingHandles > config.maxHandles)
      return h.fail("more pending handles than maxHandles"), bad();
  }

  // --- fibers ---
  if (!openValues(kSecFibers, "fibers")) return false;
  if (!readFibers(*sec)) return bad();

  extras().restoreObjects = std::move(objects);
  extras_->restorePermanents = std::move(permanents);
  extras_->hooksAt = payload.pos_;
  return true;
}

bool RuntimeImpl::readHooks(std::span<const uint8_t> bytes,
                            std::span<StateHook* const> hooks,
                            std::string& error) {
  StateReader payload(bytes, kHeaderSize);
  Extras& x = extras();
  payload.pos_ = x.hooksAt;
  std::optional<StateReader> sec;
  auto fail = [&](const StateReader& r) {
    error = r.error();
    return false;
  };
  for (StateHook* hook : hooks) {
    if (!openSection(payload, kSecHook, "host hook", bytes, sec))
      return fail(payload);
    sec->objects_ = &x.restoreObjects;
    sec->permanents_ = &x.restorePermanents;
    if (Status s = hook->restore(*sec, *facade); !s) {
      if (sec->ok())
        sec->fail(s.error().diagnostics.empty()
                      ? "a host hook refused its part"
                      : s.error().diagnostics.front().message);
      return fail(*sec);
    }
    if (!sec->ok()) return fail(*sec);
    if (!sec->atEnd()) {
      sec->fail("junk after a host hook's part");
      return fail(*sec);
    }
  }
  if (!payload.atEnd()) {
    payload.fail("sections after the last host hook");
    return fail(payload);
  }
  // Every pending handle belongs to a hook (as when it was saved).
  std::vector<HandleId> claimed;
  for (StateHook* hook : hooks)
    for (HandleId id : hook->pendingHandles()) claimed.push_back(id);
  std::sort(claimed.begin(), claimed.end());
  for (const HandleRecord& h : handles.records())
    if (h.state == HandleState::Pending &&
        !std::binary_search(claimed.begin(), claimed.end(), h.id)) {
      payload.fail("pending handle " + std::to_string(h.id) +
                   " belongs to no host hook");
      return fail(payload);
    }
  // The scratch tables go, and with them the extras if nothing else uses
  // them (most restored runtimes).
  x.restoreObjects = {};
  x.restorePermanents = {};
  if (linked != &x.ownLinked && x.instrumentedOffsets.empty() &&
      x.sharedExtra.empty() && x.contexts.empty() &&
      x.parentContext == kNoContext)
    extras_.reset();
  return true;
}

bool RuntimeImpl::readFibers(StateReader& in) {
  uint64_t next, n;
  if (!in.u64(next, "next fiber id") || !in.count(n, 10, "fiber")) return false;
  if (next == 0 || next > UINT32_MAX)
    return in.fail("next fiber id out of range");
  nextFiberId = static_cast<FiberId>(next);
  const Program& p = program;
  FiberId last = 0;
  liveFibers = 0;
  std::vector<Fiber*> waiting;
  for (uint64_t i = 0; i < n; ++i) {
    uint32_t id, function, sp;
    uint8_t state, flags;
    uint32_t awaiting;
    if (!in.u32(id, "fiber id") || !in.u32(function, "fiber function") ||
        !in.u8(state, "fiber state") || !in.u8(flags, "fiber flags") ||
        !in.u32(awaiting, "awaited handle") || !in.u32(sp, "stack height"))
      return false;
    if (id == 0 || id <= last || id >= nextFiberId)
      return in.fail("fiber ids out of order or range");
    last = id;
    if (function >= p.functions.size())
      return in.fail("fiber " + std::to_string(id) + " runs no function");
    if (state > static_cast<uint8_t>(FiberState::Cancelled) || flags > 15)
      return in.fail("fiber " + std::to_string(id) + " has an unknown state");
    const bool live = state == static_cast<uint8_t>(FiberState::Runnable) ||
                      state == static_cast<uint8_t>(FiberState::Waiting);
    if (sp > config.maxStackSize || (!live && sp != 0))
      return in.fail("fiber " + std::to_string(id) + " has a bad stack height");
    Fiber* f = fibers.create(id);
    f->function = function;
    f->state = static_cast<FiberState>(state);
    f->fired = flags & 1;
    f->isRule = flags & 2;
    f->queued = flags & 4;
    f->hasPendingThrow = flags & 8;
    f->awaiting = awaiting;
    // The stack is read value by value (each at least a byte), so the
    // height is backed by the bytes before the stack is allocated.
    std::vector<Value> stack;
    for (uint32_t k = 0; k < sp; ++k) {
      Value v;
      if (!in.value(v, "stack value")) return false;
      stack.push_back(v);
    }
    uint64_t frames;
    if (!in.count(frames, 3, "frame")) return false;
    if ((live && (frames == 0 || frames > config.maxFrameDepth)) ||
        (!live && frames != 0))
      return in.fail("fiber " + std::to_string(id) + " has a bad frame count");
    for (uint64_t k = 0; k < frames; ++k) {
      Frame fr;
      if (!in.u32(fr.function, "frame function") ||
          !in.u32(fr.base, "frame base") || !in.u32(fr.pc, "frame pc"))
        return false;
      f->frames.push_back(fr);
    }
    uint64_t handlers;
    if (!in.count(handlers, 3, "handler")) return false;
    if (handlers > config.maxHandlers || (!live && handlers != 0))
      return in.fail("fiber " + std::to_string(id) + " has too many handlers");
    for (uint64_t k = 0; k < handlers; ++k) {
      Handler h;
      if (!in.u32(h.catchPc, "catch pc") ||
          !in.u32(h.stackHeight, "handler height") ||
          !in.u32(h.frameDepth, "handler frame"))
        return false;
      f->handlers.push_back(h);
    }
    uint8_t hasVars;
    if (!in.value(f->pendingError, "pending error") ||
        !in.value(f->result, "fiber result") ||
        !in.value(f->error, "fiber error") || !in.u8(hasVars, "fiber variables"))
      return false;
    if (hasVars > 1) return in.fail("bad fiber variables flag");
    if (hasVars) {
      const size_t names = p.variableNames.size();
      f->vars = std::make_unique<Value[]>(names);
      for (size_t k = 0; k < names; ++k)
        if (!in.valueOrUndefined(f->vars[k], "fiber variable")) return false;
    }
    if (live) {
      if (!checkFiberShape(in, *f, stack)) return false;
      ++liveFibers;
      if (!growStack(*f, std::max<uint64_t>(stack.size(), 4)))
        return in.fail("out of memory");
      std::copy(stack.begin(), stack.end(), f->stack);
      f->sp = sp;
      // Room for the innermost frame's deepest operand stack.
      const Frame& top = f->frames.back();
      const uint64_t needed = uint64_t(top.base) +
                              p.functions[top.function].numLocals +
                              p.functions[top.function].maxStack;
      if (needed > config.maxStackSize)
        return in.fail("fiber " + std::to_string(id) +
                       " needs more stack than maxStackSize");
      if (needed > f->capacity && !growStack(*f, needed))
        return in.fail("out of memory");
      if (f->state == FiberState::Waiting) waiting.push_back(f);
    } else if (f->awaiting != 0 || f->queued || f->hasPendingThrow) {
      return in.fail("ended fiber " + std::to_string(id) + " is still waiting");
    }
  }
  if (liveFibers > config.maxFibers)
    return in.fail("more live fibers than maxFibers");

  // Waiting fibers and their handles point at each other.
  for (const HandleRecord& h : handles.records()) {
    bool consistent = true;
    h.waiters.forEach([&](FiberId w) {
      const Fiber* f = fibers.find(w);
      consistent = consistent && f && f->state == FiberState::Waiting &&
                   f->awaiting == h.id;
    });
    if (!consistent)
      return in.fail("handle " + std::to_string(h.id) +
                     " has a waiter that does not wait for it");
  }
  for (Fiber* f : waiting) {
    const HandleRecord* h = handles.find(f->awaiting);
    if (!h || h->state != HandleState::Pending || h->waiters.count(f->id) != 1)
      return in.fail("fiber " + std::to_string(f->id) +
                     " waits for a handle that does not list it");
  }

  // The run queue: each runnable fiber once, marked queued.
  uint64_t n2;
  if (!in.count(n2, 1, "queued fiber")) return false;
  std::set<FiberId> queued;
  for (uint64_t i = 0; i < n2; ++i) {
    uint32_t id;
    if (!in.u32(id, "queued fiber")) return false;
    Fiber* f = fibers.find(id);
    if (!f || f->state != FiberState::Runnable || !f->queued ||
        !queued.insert(id).second)
      return in.fail("the run queue holds fiber " + std::to_string(id) +
                     ", which is not a runnable fiber waiting for its turn");
    runQueue.push_back(id);
  }
  bool consistent = true;
  fibers.forEach([&](const Fiber& f) {
    if (f.queued && !queued.count(f.id)) consistent = false;
  });
  if (!consistent) return in.fail("a fiber marked queued is not in the queue");
  if (!in.count(n2, 1, "ended fiber")) return false;
  for (uint64_t i = 0; i < n2; ++i) {
    uint32_t id;
    if (!in.u32(id, "ended fiber")) return false;
    Fiber* f = fibers.find(id);
    if (!f || f->state == FiberState::Runnable ||
        f->state == FiberState::Waiting)
      return in.fail("ended fiber " + std::to_string(id) + " has not ended");
    ended.push_back(id);
  }
  if (!in.atEnd()) return in.fail("junk after the fibers");
  return true;
}

// A live fiber's frames, handlers and stack must be what running the
// verified program could have left: pcs in their functions, each frame's
// operand depth the one the verifier proved for its pc, handlers at catch
// targets of their frames.
bool RuntimeImpl::checkFiberShape(StateReader& in, const Fiber& f,
                                  const std::vector<Value>& stack) {
  const Program& p = program;
  const std::string who = "fiber " + std::to_string(f.id);
  if (f.frames[0].function != f.function || f.frames[0].base != 0)
    return in.fail(who + ": its first frame is not its function's");
  if (f.state == FiberState::Waiting ? f.awaiting == 0 : f.awaiting != 0)
    return in.fail(who + ": waits for nothing, or runs while waiting");
  if (f.hasPendingThrow &&
      (f.state != FiberState::Runnable || !f.pendingError.isError()))
    return in.fail(who + ": a pending throw without an error");
  if (!f.hasPendingThrow && !f.pendingError.isNil())
    return in.fail(who + ": a pending error without a pending throw");
  if (f.state == FiberState::Runnable && !f.queued)
    return in.fail(who + ": runnable but not queued");
  const size_t depth = f.frames.size();
  for (size_t i = 0; i < depth; ++i) {
    const Frame& fr = f.frames[i];
    if (fr.function >= p.functions.size())
      return in.fail(who + ": a frame of no function");
    const Function& fn = p.functions[fr.function];
    if (fr.pc >= fn.code.size())
      return in.fail(who + ": pc " + std::to_string(fr.pc) +
                     " outside function '" + fn.name + "'");
    const uint64_t operands = uint64_t(fr.base) + fn.numLocals;
    const uint64_t end = i + 1 < depth ? f.frames[i + 1].base : stack.size();
    if (i > 0 && fr.base < uint64_t(f.frames[i - 1].base) +
                               p.functions[f.frames[i - 1].function].numLocals)
      return in.fail(who + ": frames overlap");
    if (end < operands || end > stack.size())
      return in.fail(who + ": a frame's stack is out of bounds");
    const int64_t have = static_cast<int64_t>(end - operands);
    const int32_t proved = loaded->stackDepthAt(fr.function, fr.pc);
    int64_t want;
    if (i + 1 < depth) {
      // Suspended at a call: the pc is its return address.
      const Instr& call = fn.code[fr.pc == 0 ? 0 : fr.pc - 1];
      if (fr.pc == 0 || call.op != static_cast<uint8_t>(Opcode::Call) ||
          static_cast<uint32_t>(call.a) != f.frames[i + 1].function)
        return in.fail(who + ": a frame is not suspended at a call");
      want = proved - 1;  // the callee's result is pushed on return
    } else {
      const bool awaiting =
          f.state == FiberState::Waiting || f.hasPendingThrow;
      if (awaiting && (fr.pc == 0 || fn.code[fr.pc - 1].op !=
                                         static_cast<uint8_t>(Opcode::Await)))
        return in.fail(who + ": waits without an await");
      want = awaiting ? proved - 1 : proved;
    }
    if (proved < 0 || have != want)
      return in.fail(who + ": operand stack depth " + std::to_string(have) +
                     " at pc " + std::to_string(fr.pc) + " of '" + fn.name +
                     "', where the verifier proved " + std::to_string(proved));
  }
  uint32_t lastDepth = 0;
  for (const Handler& h : f.handlers) {
    if (h.frameDepth == 0 || h.frameDepth > depth || h.frameDepth < lastDepth)
      return in.fail(who + ": a handler of no frame");
    lastDepth = h.frameDepth;
    const Frame& fr = f.frames[h.frameDepth - 1];
    const Function& fn = p.functions[fr.function];
    if (h.catchPc >= fn.code.size())
      return in.fail(who + ": a catch target outside its function");
    const int32_t proved = loaded->stackDepthAt(fr.function, h.catchPc);
    if (proved < 1 ||
        uint64_t(h.stackHeight) !=
            uint64_t(fr.base) + fn.numLocals + uint64_t(proved) - 1)
      return in.fail(who + ": a handler that is not at a catch target");
  }
  return true;
}

Result<std::unique_ptr<Runtime>> Runtime::restoreState(
    std::shared_ptr<const LoadedProgram> program, const HostRegistry& hosts,
    std::span<const uint8_t> state, std::span<StateHook* const> hooks,
    const RestoreLimits& limits) {
  if (!program) return Error(ErrorCode::InvalidArgument, "no program");
  auto impl =
      RuntimeImpl::restoreState(std::move(program), hosts, state, limits);
  if (!impl) return impl.takeError();
  RuntimeImpl* core = impl.value().get();
  std::unique_ptr<Runtime> rt(new Runtime(std::move(impl.value())));
  // Host hooks read their parts with the runtime in place (they pin values,
  // look at handles).
  std::string error;
  if (!core->readHooks(readStateHeader(state)->payload, hooks, error))
    return Error(ErrorCode::InvalidArgument, "invalid state: " + error);
  return rt;
}

}  // namespace brainvm
