// Reading a saved state without its program: the summary `brainvm state`
// prints. Program constants come from the contents the state records.
#include <algorithm>
#include <optional>

#include "brainvm/heap.h"
#include "brainvm/program.h"
#include "brainvm/runtime.h"
#include "brainvm/state.h"
#include "runtime_impl.h"
#include "state_format.h"
#include "value_internals.h"

namespace brainvm {

using namespace state;

struct StateSummary::Storage {
  ConstantArena arena;
  Heap heap{UINT64_MAX, UINT32_MAX};
  std::vector<Value> permanents, objects;
};

StateSummary::StateSummary() : storage_(std::make_unique<Storage>()) {}
StateSummary::~StateSummary() = default;

class StateDecoder {
 public:
  static Result<std::unique_ptr<StateSummary>> read(
      std::span<const uint8_t> bytes) {
    Result<StateHeader> header = readStateHeader(bytes);
    if (!header) return header.takeError();
    std::unique_ptr<StateSummary> sum(new StateSummary());
    sum->programHash = header->programHash;
    sum->version = header->version;
    StateSummary::Storage& st = *sum->storage_;
    StateReader payload(header->payload, kHeaderSize);
    std::optional<StateReader> sec;
    std::string error;
    auto fail = [&](const StateReader& r) {
      return Error(ErrorCode::InvalidArgument, "invalid state: " + r.error());
    };
    auto open = [&](uint8_t tag, const char* what) {
      if (!RuntimeImpl::openSection(payload, tag, what, header->payload, sec))
        return false;
      sec->objects_ = &st.objects;
      sec->permanents_ = &st.permanents;
      return true;
    };

    if (!open(kSecConfig, "config")) return fail(payload);
    uint64_t maxHeap = 0, ignored;
    for (int i = 0; i < 10; ++i)
      if (!sec->u64(i == 7 ? maxHeap : ignored, "config")) return fail(*sec);

    if (!open(kSecHeap, "heap")) return fail(payload);
    uint64_t n;
    if (!sec->count(n, 3, "permanent object")) return fail(*sec);
    for (uint64_t i = 0; i < n; ++i) {
      uint8_t tag;
      uint64_t index;
      if (!sec->u8(tag, "permanent kind") || !sec->u64(index, "constant index"))
        return fail(*sec);
      const bool string = tag == kPermConstString ||
                          tag == kPermErrorMessage ||
                          tag == kPermOutOfMemoryMessage;
      std::string text;
      uint8_t errTag = 0;
      if (!string && !sec->u8(errTag, "constant error tag")) return fail(*sec);
      if (!sec->str(text, "constant")) return fail(*sec);
      if (errTag > static_cast<uint8_t>(ErrorTag::StackUnderflow)) {
        sec->fail("an unknown error tag");
        return fail(*sec);
      }
      st.permanents.push_back(
          string ? Value::object(const_cast<StringObject*>(st.arena.string(text)))
                 : Value::object(const_cast<ErrorObject*>(st.arena.error(
                       static_cast<ErrorTag>(errTag), text))));
    }
    if (!st.heap.readObjects(*sec, st.objects, UINT32_MAX,
                             std::min<uint64_t>(maxHeap, 1ull << 30)))
      return fail(*sec);
    sum->heapBytes = st.heap.bytesAllocated();
    sum->heapObjects = st.heap.objectCount();

    if (!open(kSecClock, "clock")) return fail(payload);
    double dt;
    if (!sec->f64(sum->timeMs, "time") || !sec->f64(dt, "dt") ||
        !sec->u64(sum->tick, "tick") ||
        !sec->u64(sum->instructions, "instructions") ||
        !sec->u64(sum->slices, "slices"))
      return fail(*sec);

    if (!open(kSecVariables, "variables")) return fail(payload);
    if (!sec->count(n, 2, "shared variable")) return fail(*sec);
    const uint64_t sharedSlots = n;  // a fiber's variables have as many
    for (uint64_t i = 0; i < n; ++i) {
      std::string name;
      Value v;
      if (!sec->str(name, "variable name") ||
          !sec->valueOrUndefined(v, "shared variable"))
        return fail(*sec);
      if (!isAbsent(v)) sum->variables.emplace_back(std::move(name), v);
    }
    if (!sec->count(n, 2, "extra variable")) return fail(*sec);
    for (uint64_t i = 0; i < n; ++i) {
      std::string name;
      Value v;
      if (!sec->str(name, "variable name") || !sec->value(v, "variable"))
        return fail(*sec);
      sum->variables.emplace_back(std::move(name), v);
    }
    std::sort(sum->variables.begin(), sum->variables.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });

    if (!open(kSecPins, "pins")) return fail(payload);
    if (!open(kSecHandles, "handles")) return fail(payload);
    uint64_t next;
    if (!sec->u64(next, "next handle id") || !sec->count(n, 4, "handle"))
      return fail(*sec);
    sum->handles = n;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t id, waiters;
      uint8_t state;
      Value result;
      if (!sec->u64(id, "handle id") || !sec->u8(state, "handle state") ||
          !sec->value(result, "handle result") ||
          !sec->count(waiters, 1, "waiter"))
        return fail(*sec);
      for (uint64_t k = 0; k < waiters; ++k)
        if (!sec->u64(id, "waiter")) return fail(*sec);
      if (state == static_cast<uint8_t>(HandleState::Pending))
        ++sum->pendingHandles;
    }

    if (!open(kSecFibers, "fibers")) return fail(payload);
    uint64_t byState[5] = {0, 0, 0, 0, 0};
    if (!sec->u64(next, "next fiber id") || !sec->count(n, 10, "fiber"))
      return fail(*sec);
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t id, function, awaiting, sp, count, a, b, c;
      uint8_t state, flags, hasVars;
      Value v;
      if (!sec->u64(id, "fiber id") || !sec->u64(function, "fiber function") ||
          !sec->u8(state, "fiber state") || !sec->u8(flags, "fiber flags") ||
          !sec->u64(awaiting, "awaited handle") ||
          !sec->count(sp, 1, "stack value"))
        return fail(*sec);
      if (state > 4) {
        sec->fail("an unknown fiber state");
        return fail(*sec);
      }
      ++byState[state];
      for (uint64_t k = 0; k < sp; ++k)
        if (!sec->value(v, "stack value")) return fail(*sec);
      if (!sec->count(count, 3, "frame")) return fail(*sec);
      for (uint64_t k = 0; k < count; ++k)
        if (!sec->u64(a, "frame") || !sec->u64(b, "frame") ||
            !sec->u64(c, "frame"))
          return fail(*sec);
      if (!sec->count(count, 3, "handler")) return fail(*sec);
      for (uint64_t k = 0; k < count; ++k)
        if (!sec->u64(a, "handler") || !sec->u64(b, "handler") ||
            !sec->u64(c, "handler"))
          return fail(*sec);
      if (!sec->value(v, "pending error") || !sec->value(v, "fiber result") ||
          !sec->value(v, "fiber error") || !sec->u8(hasVars, "fiber variables"))
        return fail(*sec);
      if (hasVars)
        for (uint64_t k = 0; k < sharedSlots; ++k)
          if (!sec->valueOrUndefined(v, "fiber variable")) return fail(*sec);
    }
    for (int s = 0; s < 5; ++s)
      sum->fibers.emplace_back(
          std::string(fiberStateName(static_cast<FiberState>(s))), byState[s]);
    // Host hooks' parts follow; count them without decoding.
    while (!payload.atEnd()) {
      if (!RuntimeImpl::openSection(payload, kSecHook, "host hook",
                                    header->payload, sec))
        return fail(payload);
      ++sum->hookParts;
    }
    return sum;
  }
};

Result<std::unique_ptr<StateSummary>> StateSummary::read(
    std::span<const uint8_t> state) {
  return StateDecoder::read(state);
}

}  // namespace brainvm
