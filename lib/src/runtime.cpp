// The public Runtime facade over RuntimeImpl.
#include "brainvm/runtime.h"

#include <algorithm>

#include "runtime_impl.h"
#include "value_internals.h"

namespace brainvm {

std::string_view fiberStateName(FiberState s) {
  switch (s) {
    case FiberState::Runnable: return "RUNNABLE";
    case FiberState::Waiting: return "WAITING";
    case FiberState::Done: return "DONE";
    case FiberState::Fault: return "FAULT";
    case FiberState::Cancelled: return "CANCELLED";
  }
  return "?";
}

std::string_view runStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::Done: return "DONE";
    case RunStatus::Yielded: return "YIELDED";
    case RunStatus::Waiting: return "WAITING";
    case RunStatus::Fault: return "FAULT";
    case RunStatus::Cancelled: return "CANCELLED";
  }
  return "?";
}

std::string_view handleStateName(HandleState s) {
  switch (s) {
    case HandleState::Pending: return "PENDING";
    case HandleState::Resolved: return "RESOLVED";
    case HandleState::Rejected: return "REJECTED";
    case HandleState::Cancelled: return "CANCELLED";
  }
  return "?";
}

Runtime::Runtime(std::unique_ptr<RuntimeImpl> impl) : impl_(std::move(impl)) {
  impl_->facade = this;
}

Runtime::~Runtime() = default;

Result<std::unique_ptr<Runtime>> Runtime::create(
    std::shared_ptr<const LoadedProgram> program, const HostRegistry& hosts,
    RuntimeConfig config) {
  if (!program)
    return Error(ErrorCode::InvalidArgument, "no program");
  if (program->maxOperandDepth() > config.maxStackSize)
    return Error(ErrorCode::LimitExceeded,
                 "the program's operand stack can grow to " +
                     std::to_string(program->maxOperandDepth()) +
                     " values, more than maxStackSize " +
                     std::to_string(config.maxStackSize));
  auto impl = std::make_unique<RuntimeImpl>(std::move(program), config);
  if (Status s = impl->bindImports(hosts); !s) return s.takeError();
  impl->initSharedScope();
  return std::unique_ptr<Runtime>(new Runtime(std::move(impl)));
}

Result<std::unique_ptr<Runtime>> Runtime::create(Program program,
                                                 const HostRegistry& hosts,
                                                 RuntimeConfig config) {
  LoadOptions lo;
  lo.maxStackSize = config.maxStackSize;
  auto loaded = LoadedProgram::load(std::move(program), lo);
  if (!loaded) return loaded.takeError();
  return create(std::move(loaded.value()), hosts, config);
}

const Program& Runtime::program() const { return impl_->program; }
const std::shared_ptr<const LoadedProgram>& Runtime::loadedProgram() const {
  return impl_->loaded;
}
const RuntimeConfig& Runtime::config() const { return impl_->config; }
Heap& Runtime::heap() { return impl_->heap; }

Result<FiberId> Runtime::spawn(uint32_t function, std::span<const Value> args) {
  return impl_->spawn(function, args);
}

Result<FiberId> Runtime::spawn(std::string_view function,
                               std::span<const Value> args) {
  std::optional<uint32_t> id = impl_->loaded->findFunction(function);
  if (!id)
    return Error(ErrorCode::InvalidArgument,
                 "no function named '" + std::string(function) + "'");
  return impl_->spawn(*id, args);
}

void Runtime::markRule(FiberId id) {
  if (Fiber* f = impl_->findFiber(id)) f->isRule = true;
}

bool Runtime::cancel(FiberId id) { return impl_->cancel(id); }

std::optional<FiberView> Runtime::fiber(FiberId id) const {
  if (Fiber* f = impl_->findFiber(id)) return impl_->view(*f);
  return std::nullopt;
}

uint32_t Runtime::tick() { return impl_->tick(); }

RunResult Runtime::runFiber(FiberId id, uint32_t budget) {
  Fiber* f = impl_->findFiber(id);
  if (!f || f->state != FiberState::Runnable || impl_->running) {
    RunResult r;
    r.status = f && f->state == FiberState::Waiting ? RunStatus::Waiting
                                                    : RunStatus::Done;
    return r;
  }
  RunResult r = impl_->runSlice(*f, budget);
  if (r.status == RunStatus::Yielded && f->queued == false)
    impl_->enqueue(f);
  if (impl_->observer) impl_->observer->onSlice(id, r);
  return r;
}

size_t Runtime::collectEndedFibers(
    const std::function<void(const FiberView&)>& onEnded) {
  return impl_->collectEndedFibers(onEnded);
}

void Runtime::faultAll(ErrorTag tag, std::string_view message) {
  impl_->faultAll(tag, message);
}

bool Runtime::instructionLimitReached() const {
  return impl_->config.maxInstructions &&
         impl_->instructions >= impl_->config.maxInstructions;
}

uint32_t Runtime::liveFibers() const { return impl_->liveFibers; }

RuntimeStats Runtime::stats() const {
  RuntimeStats s;
  s.instructions = impl_->instructions;
  s.slices = impl_->slices;
  s.handlesCreated = impl_->handlesCreated;
  s.liveFibers = impl_->liveFibers;
  impl_->fibers.forEach([&](const Fiber& f) {
    if (f.state == FiberState::Runnable) ++s.runnableFibers;
    if (f.state == FiberState::Waiting) ++s.waitingFibers;
  });
  s.pendingHandles = impl_->pendingHandles;
  s.heapBytes = impl_->heap.bytesAllocated();
  return s;
}

Result<HandleId> Runtime::createHandle() { return impl_->createHandle(); }

Status Runtime::resolveHandle(HandleId id, const Value& value) {
  return impl_->settleHandle(id, HandleState::Resolved, value);
}

Status Runtime::rejectHandle(HandleId id, ErrorTag tag,
                             std::string_view message) {
  return impl_->settleHandle(id, HandleState::Rejected,
                             impl_->makeErrorNoTrace(tag, message));
}

Status Runtime::rejectHandleWith(HandleId id, const Value& errorValue) {
  if (!errorValue.isError())
    return Error(ErrorCode::InvalidArgument,
                 "rejectHandleWith needs an error value");
  return impl_->settleHandle(id, HandleState::Rejected, errorValue);
}

Status Runtime::cancelHandle(HandleId id, std::string_view message) {
  return impl_->settleHandle(
      id, HandleState::Cancelled,
      impl_->makeErrorNoTrace(ErrorTag::Cancelled, message));
}

std::optional<HandleState> Runtime::handleState(HandleId id) const {
  if (HandleRecord* h = impl_->findHandle(id)) return h->state;
  return std::nullopt;
}

std::optional<Value> Runtime::getShared(std::string_view name) const {
  if (std::optional<uint32_t> i = impl_->loaded->findVariable(name)) {
    const Value& v = impl_->shared[*i];
    if (isAbsent(v)) return std::nullopt;
    return v;
  }
  if (!impl_->extras_) return std::nullopt;
  auto it = impl_->extras_->sharedExtra.find(name);
  if (it == impl_->extras_->sharedExtra.end()) return std::nullopt;
  return it->second;
}

Status Runtime::setShared(std::string_view name, const Value& value) {
  if (std::optional<uint32_t> i = impl_->loaded->findVariable(name)) {
    impl_->shared[*i] = value;
  } else {
    impl_->extras().sharedExtra[std::string(name)] = value;
  }
  return Ok{};
}

std::optional<SharedSlot> Runtime::sharedSlot(std::string_view name) const {
  if (std::optional<uint32_t> i = impl_->loaded->findVariable(name))
    return SharedSlot{*i};
  return std::nullopt;
}

std::optional<Value> Runtime::getShared(SharedSlot slot) const {
  if (slot.index >= impl_->shared.size()) return std::nullopt;
  const Value& v = impl_->shared[slot.index];
  if (isAbsent(v)) return std::nullopt;
  return v;
}

Status Runtime::setShared(SharedSlot slot, const Value& value) {
  if (slot.index >= impl_->shared.size())
    return Error(ErrorCode::InvalidArgument,
                 "no variable slot " + std::to_string(slot.index));
  impl_->shared[slot.index] = value;
  return Ok{};
}

std::vector<std::pair<std::string, Value>> Runtime::sharedVariables() const {
  std::vector<std::pair<std::string, Value>> out;
  const Program& p = impl_->program;
  for (size_t i = 0; i < p.variableNames.size(); ++i)
    if (!isAbsent(impl_->shared[i]))
      out.emplace_back(p.variableNames[i], impl_->shared[i]);
  if (impl_->extras_)
    for (const auto& [name, v] : impl_->extras_->sharedExtra)
      out.emplace_back(name, v);
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

std::optional<Value> Runtime::getFiberVariable(FiberId id,
                                               std::string_view name) const {
  Fiber* f = impl_->findFiber(id);
  std::optional<uint32_t> i = impl_->loaded->findVariable(name);
  if (!f || !i || !f->vars || isAbsent(f->vars[*i])) return std::nullopt;
  return f->vars[*i];
}

void Runtime::setResolver(std::shared_ptr<VariableResolver> resolver) {
  impl_->resolver = std::move(resolver);
}

ContextId Runtime::newContext(ContextId parent) {
  std::vector<HostContext>& contexts = impl_->extras().contexts;
  if (parent > contexts.size()) parent = kNoContext;
  contexts.push_back(HostContext{parent, {}});
  return static_cast<ContextId>(contexts.size());
}

Status Runtime::setContextVariable(ContextId ctx, std::string_view name,
                                   const Value& value) {
  if (ctx == kNoContext || !impl_->extras_ ||
      ctx > impl_->extras_->contexts.size())
    return Error(ErrorCode::InvalidArgument,
                 "unknown context " + std::to_string(ctx));
  auto& vars = impl_->extras_->contexts[ctx - 1].vars;
  for (auto& [n, v] : vars)
    if (n == name) {
      v = value;
      return Ok{};
    }
  vars.emplace_back(std::string(name), value);
  return Ok{};
}

void Runtime::setParentContext(ContextId ctx) {
  if (ctx == kNoContext && !impl_->extras_) return;
  RuntimeImpl::Extras& x = impl_->extras();
  x.parentContext = ctx <= x.contexts.size() ? ctx : kNoContext;
}

void Runtime::setClock(double timeMs, double dtMs, uint64_t tick) {
  impl_->timeMs = timeMs;
  impl_->dtMs = dtMs;
  impl_->currentTick = tick;
}
double Runtime::timeMs() const { return impl_->timeMs; }
double Runtime::dtMs() const { return impl_->dtMs; }
uint64_t Runtime::currentTick() const { return impl_->currentTick; }

Value Runtime::newString(std::string_view s) {
  StringObject* str = impl_->heap.newString(s);
  return str ? Value::object(str) : Value();
}

PinId Runtime::pin(const Value& v) {
  if (!impl_->freePins.empty()) {
    PinId id = impl_->freePins.back();
    impl_->freePins.pop_back();
    impl_->pins[id - 1] = v;
    return id;
  }
  impl_->pins.push_back(v);
  return static_cast<PinId>(impl_->pins.size());
}

void Runtime::unpin(PinId id) {
  if (id == 0 || id > impl_->pins.size()) return;
  impl_->pins[id - 1] = Value();
  impl_->freePins.push_back(id);
}

bool Runtime::isPinned(PinId id) const {
  if (id == 0 || id > impl_->pins.size()) return false;
  const auto& free = impl_->freePins;
  return std::find(free.begin(), free.end(), id) == free.end();
}

Value Runtime::pinned(PinId id) const {
  if (id == 0 || id > impl_->pins.size()) return Value();
  return impl_->pins[id - 1];
}

void Runtime::collectGarbage() {
  // Inside a slice the interpreter chooses the safe points itself.
  if (!impl_->running) impl_->collectGarbage();
}

void Runtime::setObserver(RuntimeObserver* observer) {
  impl_->observer = observer;
}

}  // namespace brainvm
