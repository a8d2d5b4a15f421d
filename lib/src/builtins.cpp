// The built-in host library (contract section 8).
#include "brainvm/builtins.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "brainvm/objects.h"
#include "intrinsics.h"
#include "number_text.h"

namespace brainvm {
namespace {

BuiltinHost& host(void* user) { return *static_cast<BuiltinHost*>(user); }

Value makeString(HostCall& call, std::string_view s) {
  StringObject* str = call.runtime().heap().newString(s);
  if (!str) {
    call.fail(std::string(call.functionName()) + ": " +
                  call.runtime().heap().failureReason(),
              ErrorTag::ScriptError);
    return Value();
  }
  return Value::object(str);
}

// --- Arithmetic -------------------------------------------------------------

template <class Op>
Value binaryNumber(HostCall& call, Op op) {
  if (!call.expectArgs(2, 2)) return Value();
  auto x = call.number(0);
  if (!x) return Value();
  auto y = call.number(1);
  if (!y) return Value();
  return op(*x, *y);
}

Value fnAdd(HostCall& c, void*) {
  return binaryNumber(c, [](double x, double y) { return Value::number(x + y); });
}
Value fnSub(HostCall& c, void*) {
  return binaryNumber(c, [](double x, double y) { return Value::number(x - y); });
}
Value fnMul(HostCall& c, void*) {
  return binaryNumber(c, [](double x, double y) { return Value::number(x * y); });
}
// div and mod: two numbers, the divisor non-zero.
template <class Op>
Value dividing(HostCall& c, Op op) {
  if (!c.expectArgs(2, 2)) return Value();
  auto x = c.number(0);
  auto y = x ? c.number(1) : std::nullopt;
  if (!y) return Value();
  if (*y == 0) {
    c.fail("division by zero");
    return Value();
  }
  return Value::number(op(*x, *y));
}
Value fnDiv(HostCall& c, void*) {
  return dividing(c, [](double x, double y) { return x / y; });
}
Value fnMod(HostCall& c, void*) {
  // fmod keeps the sign of the dividend, as the contract requires.
  return dividing(c, numberRemainder);
}
Value fnNeg(HostCall& c, void*) {
  if (!c.expectArgs(1, 1)) return Value();
  auto x = c.number(0);
  return x ? Value::number(-*x) : Value();
}

// --- Comparison -------------------------------------------------------------

Value fnEq(HostCall& c, void*) {
  if (!c.expectArgs(2, 2)) return Value();
  return Value::boolean(valuesEqual(c.arg(0), c.arg(1)));
}
Value fnNeq(HostCall& c, void*) {
  if (!c.expectArgs(2, 2)) return Value();
  return Value::boolean(!valuesEqual(c.arg(0), c.arg(1)));
}

// Orders two numbers or two strings: -1, 0, 1, or 2 for unordered (NaN).
template <class Pred>
Value compare(HostCall& c, Pred pred) {
  if (!c.expectArgs(2, 2)) return Value();
  const Value& a = c.arg(0);
  const Value& b = c.arg(1);
  if (a.isNumber() && b.isNumber())
    return Value::boolean(pred(a.asNumber(), b.asNumber()));
  if (a.isString() && b.isString()) {
    int cmp = a.stringView().compare(b.stringView());
    return Value::boolean(pred(cmp, 0));
  }
  c.fail(std::string(c.functionName()) +
         ": arguments must be two numbers or two strings, got " +
         std::string(kindName(a.kind())) + " and " +
         std::string(kindName(b.kind())));
  return Value();
}

Value fnLt(HostCall& c, void*) {
  return compare(c, [](auto x, auto y) { return x < y; });
}
Value fnLe(HostCall& c, void*) {
  return compare(c, [](auto x, auto y) { return x <= y; });
}
Value fnGt(HostCall& c, void*) {
  return compare(c, [](auto x, auto y) { return x > y; });
}
Value fnGe(HostCall& c, void*) {
  return compare(c, [](auto x, auto y) { return x >= y; });
}
Value fnNot(HostCall& c, void*) {
  if (!c.expectArgs(1, 1)) return Value();
  return Value::boolean(!truthy(c.arg(0)));
}

// --- Conversion -------------------------------------------------------------

// A string's text, or an integral number's (as formatNumber writes it),
// without building a std::string: the common `"k" .. i`. nullopt for any
// other value.
std::optional<std::string_view> plainText(const Value& v, char (&buf)[24]) {
  if (v.isString()) return v.stringView();
  if (!v.isNumber()) return std::nullopt;
  return integralNumberText(v.asNumber(), buf);
}

Value fnConcat(HostCall& c, void*) {
  if (!c.expectArgs(2, 2)) return Value();
  const Value& a = c.arg(0);
  const Value& b = c.arg(1);
  char bufA[24], bufB[24];
  const std::optional<std::string_view> textA = plainText(a, bufA);
  const std::optional<std::string_view> textB =
      textA ? plainText(b, bufB) : std::nullopt;
  if (textA && textB) {
    StringObject* s = c.runtime().heap().newConcatenation(*textA, *textB);
    if (!s) {
      c.fail(std::string("concat: ") + c.runtime().heap().failureReason(),
             ErrorTag::ScriptError);
      return Value();
    }
    return Value::object(s);
  }
  return makeString(c, toDisplayString(a) + toDisplayString(b));
}
Value fnToString(HostCall& c, void*) {
  if (!c.expectArgs(1, 1)) return Value();
  if (c.arg(0).isString()) return c.arg(0);
  char buf[24];
  if (std::optional<std::string_view> text = plainText(c.arg(0), buf))
    return makeString(c, *text);
  return makeString(c, toDisplayString(c.arg(0)));
}
Value fnToNumber(HostCall& c, void*) {
  if (!c.expectArgs(1, 1)) return Value();
  const Value& v = c.arg(0);
  if (v.isNumber()) return v;
  if (!v.isString()) {
    c.fail("to_number: argument 1 must be a string or number, got " +
           std::string(kindName(v.kind())));
    return Value();
  }
  std::optional<double> d = parseNumber(v.stringView());
  return d ? Value::number(*d) : Value();
}
Value fnLen(HostCall& c, void*) {
  if (!c.expectArgs(1, 1)) return Value();
  const Value& v = c.arg(0);
  if (v.isString()) return Value::number(v.asString()->length());
  if (v.isList()) return Value::number(v.asList()->size());
  if (v.isMap()) return Value::number(v.asMap()->size());
  c.fail("len: argument 1 must be a string, list or map, got " +
         std::string(kindName(v.kind())));
  return Value();
}

// --- Output and errors --------------------------------------------------------

Value fnPrint(HostCall& c, void* user) {
  std::string line;
  for (uint32_t i = 0; i < c.argCount(); ++i) {
    if (i) line += ' ';
    line += toDisplayString(c.arg(i));
  }
  host(user).print(std::move(line));
  return Value();
}
Value fnError(HostCall& c, void*) {
  if (!c.expectArgs(1, 2)) return Value();
  ErrorTag tag = ErrorTag::ScriptError;
  uint32_t msgIndex = 0;
  if (c.argCount() == 2) {
    auto name = c.string(0);
    if (!name) return Value();
    if (!parseErrorTag(*name, tag)) {
      c.fail("error: unknown error tag '" + std::string(*name) + "'");
      return Value();
    }
    msgIndex = 1;
  }
  auto msg = c.string(msgIndex);
  if (!msg) return Value();
  Heap& heap = c.runtime().heap();
  StringObject* s = heap.newString(*msg);
  ErrorObject* e = s ? heap.newError(tag, s) : nullptr;
  if (!e) {
    c.fail(std::string("error: ") + heap.failureReason(), ErrorTag::ScriptError);
    return Value();
  }
  return Value::object(e);
}
Value fnErrorTag(HostCall& c, void*) {
  if (!c.expectArgs(1, 1)) return Value();
  if (!c.arg(0).isError()) {
    c.fail("error_tag: argument 1 must be an error, got " +
           std::string(kindName(c.arg(0).kind())));
    return Value();
  }
  return makeString(c, errorTagName(c.arg(0).asError()->tag()));
}
Value fnErrorMessage(HostCall& c, void*) {
  if (!c.expectArgs(1, 1)) return Value();
  if (!c.arg(0).isError()) {
    c.fail("error_message: argument 1 must be an error, got " +
           std::string(kindName(c.arg(0).kind())));
    return Value();
  }
  return Value::object(
      const_cast<StringObject*>(c.arg(0).asError()->message()));
}
Value fnAssert(HostCall& c, void*) {
  if (!c.expectArgs(1, 2)) return Value();
  if (truthy(c.arg(0))) return Value();
  std::string msg = "assertion failed";
  if (c.argCount() == 2) msg += ": " + toDisplayString(c.arg(1));
  c.fail(std::move(msg));
  return Value();
}

// --- Clock, randomness, fibers -------------------------------------------------

Value fnNow(HostCall& c, void*) {
  if (!c.expectArgs(0, 0)) return Value();
  return Value::number(c.runtime().timeMs());
}
Value fnTick(HostCall& c, void*) {
  if (!c.expectArgs(0, 0)) return Value();
  return Value::number(static_cast<double>(c.runtime().currentTick()));
}
Value fnRandom(HostCall& c, void* user) {
  if (!c.expectArgs(0, 0)) return Value();
  return Value::number(host(user).random());
}
bool integerArg(HostCall& c, uint32_t i, double& out) {
  auto v = c.number(i);
  if (!v) return false;
  if (!std::isfinite(*v) || *v != std::floor(*v)) {
    c.fail(std::string(c.functionName()) + ": argument " +
           std::to_string(i + 1) + " must be an integer");
    return false;
  }
  out = *v;
  return true;
}
Value fnRandomInt(HostCall& c, void* user) {
  if (!c.expectArgs(2, 2)) return Value();
  double lo, hi;
  if (!integerArg(c, 0, lo) || !integerArg(c, 1, hi)) return Value();
  if (lo > hi) {
    c.fail("random_int: lo must not be greater than hi");
    return Value();
  }
  double span = hi - lo + 1;
  return Value::number(lo + std::floor(host(user).random() * span));
}
Value fnFiberId(HostCall& c, void*) {
  if (!c.expectArgs(0, 0)) return Value();
  return Value::number(c.fiberId());
}
Value fnSpawn(HostCall& c, void*) {
  if (c.argCount() < 1) {
    c.fail("spawn: expected a function name");
    return Value();
  }
  auto name = c.string(0);
  if (!name) return Value();
  Result<FiberId> id = c.runtime().spawn(*name, c.args().subspan(1));
  if (!id) {
    c.fail("spawn: " + id.error().diagnostics.front().message);
    return Value();
  }
  return Value::number(id.value());
}
Value fnCancel(HostCall& c, void*) {
  if (!c.expectArgs(1, 1)) return Value();
  double id;
  if (!integerArg(c, 0, id)) return Value();
  if (id < 1 || id > UINT32_MAX) return Value::boolean(false);
  return Value::boolean(c.runtime().cancel(static_cast<FiberId>(id)));
}

// --- Timers -----------------------------------------------------------------

bool ticksArg(HostCall& c, double& ticks) {
  if (!integerArg(c, 0, ticks)) return false;
  if (ticks < 0 || ticks > 1e15) {
    c.fail(std::string(c.functionName()) +
           ": ticks must be a non-negative integer");
    return false;
  }
  return true;
}
// Settles handle h `ticks` ticks from now: at once (inside the call) for 0,
// else when tick T+ticks starts.
void settleAfter(HostCall& c, HandleId h, void* user, double ticks,
                 BuiltinHost::TimerAction action, const Value& value,
                 std::string_view message) {
  Runtime& rt = c.runtime();
  if (ticks > 0) {
    host(user).addTimer(rt, rt.currentTick() + uint64_t(ticks), h, action,
                        value, std::string(message));
    return;
  }
  switch (action) {
    case BuiltinHost::TimerAction::ResolveNil:
      (void)rt.resolveHandle(h, Value());
      break;
    case BuiltinHost::TimerAction::ResolveValue:
      (void)rt.resolveHandle(h, value);
      break;
    case BuiltinHost::TimerAction::Reject:
      (void)rt.rejectHandle(h, ErrorTag::HostError, message);
      break;
  }
}
void fnSleep(HostCall& c, HandleId h, void* user) {
  double ticks;
  if (!c.expectArgs(1, 1) || !ticksArg(c, ticks)) return;
  settleAfter(c, h, user, ticks, BuiltinHost::TimerAction::ResolveNil, Value(),
              {});
}
void fnDelay(HostCall& c, HandleId h, void* user) {
  double ticks;
  if (!c.expectArgs(2, 2) || !ticksArg(c, ticks)) return;
  settleAfter(c, h, user, ticks, BuiltinHost::TimerAction::ResolveValue,
              c.arg(1), {});
}
void fnFailAfter(HostCall& c, HandleId h, void* user) {
  double ticks;
  if (!c.expectArgs(2, 2) || !ticksArg(c, ticks)) return;
  auto msg = c.string(1);
  if (!msg) return;
  settleAfter(c, h, user, ticks, BuiltinHost::TimerAction::Reject, Value(),
              *msg);
}

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

BuiltinHost::BuiltinHost(uint64_t seed) {
  for (uint64_t& s : rng_) s = splitmix64(seed);
}

BuiltinHost::~BuiltinHost() = default;

double BuiltinHost::random() {
  // xoshiro256**: the top 53 bits make a double in [0, 1).
  const uint64_t result = rotl(rng_[1] * 5, 7) * 9;
  const uint64_t t = rng_[1] << 17;
  rng_[2] ^= rng_[0];
  rng_[3] ^= rng_[1];
  rng_[1] ^= rng_[2];
  rng_[0] ^= rng_[3];
  rng_[2] ^= t;
  rng_[3] = rotl(rng_[3], 45);
  return static_cast<double>(result >> 11) * 0x1.0p-53;
}

void BuiltinHost::print(std::string line) {
  if (echo_) echo_(line);
  output_.push_back(std::move(line));
}

void BuiltinHost::addTimer(Runtime& rt, uint64_t dueTick, HandleId handle,
                           TimerAction action, const Value& value,
                           std::string message) {
  PinId pin = action == TimerAction::ResolveValue ? rt.pin(value) : 0;
  Timer t{dueTick, timerSeq_++, handle, action, pin, std::move(message)};
  // Usually due no earlier than the last one; else after the pending timers
  // due at its tick or before (its seq is the largest).
  if (timers_.size() == timersDone_ || timers_.back().due <= dueTick) {
    timers_.push_back(std::move(t));
    return;
  }
  auto at = std::upper_bound(
      timers_.begin() + static_cast<ptrdiff_t>(timersDone_), timers_.end(),
      dueTick, [](uint64_t due, const Timer& other) { return due < other.due; });
  timers_.insert(at, std::move(t));
}

bool BuiltinHost::hasPendingTimers() const {
  return timers_.size() > timersDone_;
}

void BuiltinHost::completeTimersDue(Runtime& rt, uint64_t tick) {
  size_t end = timersDone_;
  while (end < timers_.size() && timers_[end].due <= tick) ++end;
  if (end == timersDone_) return;
  // Taken out before any is settled, in (due, seq) order; the pending ones
  // move to the front only once the completed prefix is as long as they are.
  std::vector<Timer> due(
      std::make_move_iterator(timers_.begin() + static_cast<ptrdiff_t>(timersDone_)),
      std::make_move_iterator(timers_.begin() + static_cast<ptrdiff_t>(end)));
  timersDone_ = end;
  if (timersDone_ == timers_.size()) {
    timers_.clear();
    timersDone_ = 0;
  } else if (timersDone_ * 2 >= timers_.size()) {
    timers_.erase(timers_.begin(),
                  timers_.begin() + static_cast<ptrdiff_t>(timersDone_));
    timersDone_ = 0;
  }
  for (Timer& t : due) {
    // A handle settled elsewhere (e.g. cancelled by the host) is skipped.
    if (rt.handleState(t.handle) != HandleState::Pending) {
      if (t.value) rt.unpin(t.value);
      continue;
    }
    switch (t.action) {
      case TimerAction::ResolveNil:
        (void)rt.resolveHandle(t.handle, Value());
        break;
      case TimerAction::ResolveValue:
        (void)rt.resolveHandle(t.handle, rt.pinned(t.value));
        break;
      case TimerAction::Reject:
        (void)rt.rejectHandle(t.handle, ErrorTag::HostError, t.message);
        break;
    }
    if (t.value) rt.unpin(t.value);
  }
}

namespace {

// The sync built-ins, with the intrinsic the interpreter may run inline.
struct SyncEntry {
  std::string_view name;  // not a char*: lookups compare lengths first
  SyncHostFn fn;
  Intrinsic intrinsic;
};
const SyncEntry kSync[] = {
    {"add", fnAdd, Intrinsic::Add},
    {"sub", fnSub, Intrinsic::Sub},
    {"mul", fnMul, Intrinsic::Mul},
    {"div", fnDiv, Intrinsic::Div},
    {"mod", fnMod, Intrinsic::Mod},
    {"neg", fnNeg, Intrinsic::None},
    {"eq", fnEq, Intrinsic::Eq},
    {"neq", fnNeq, Intrinsic::Neq},
    {"lt", fnLt, Intrinsic::Lt},
    {"le", fnLe, Intrinsic::Le},
    {"gt", fnGt, Intrinsic::Gt},
    {"ge", fnGe, Intrinsic::Ge},
    {"not", fnNot, Intrinsic::None},
    {"concat", fnConcat, Intrinsic::None},
    {"to_string", fnToString, Intrinsic::None},
    {"to_number", fnToNumber, Intrinsic::None},
    {"len", fnLen, Intrinsic::None},
    {"print", fnPrint, Intrinsic::None},
    {"error", fnError, Intrinsic::None},
    {"error_tag", fnErrorTag, Intrinsic::None},
    {"error_message", fnErrorMessage, Intrinsic::None},
    {"assert", fnAssert, Intrinsic::None},
    {"now", fnNow, Intrinsic::None},
    {"tick", fnTick, Intrinsic::None},
    {"random", fnRandom, Intrinsic::None},
    {"random_int", fnRandomInt, Intrinsic::None},
    {"fiber_id", fnFiberId, Intrinsic::None},
    {"spawn", fnSpawn, Intrinsic::None},
    {"cancel", fnCancel, Intrinsic::None},
};

struct AsyncEntry {
  std::string_view name;
  AsyncHostFn fn;
};
const AsyncEntry kAsync[] = {
    {"sleep", fnSleep}, {"delay", fnDelay}, {"fail_after", fnFailAfter}};

constexpr size_t kSyncCount = std::size(kSync);
constexpr size_t kBuiltinCount = kSyncCount + std::size(kAsync);

// A built-in's index by name: kSync's first, then kAsync's. Every runtime
// a game makes looks up the built-ins its program imports.
std::optional<size_t> builtinIndex(std::string_view name) {
  static const std::unordered_map<std::string_view, size_t> index = [] {
    std::unordered_map<std::string_view, size_t> m;
    for (size_t i = 0; i < kSyncCount; ++i) m.emplace(kSync[i].name, i);
    for (size_t i = 0; i < std::size(kAsync); ++i)
      m.emplace(kAsync[i].name, kSyncCount + i);
    return m;
  }();
  auto it = index.find(name);
  if (it == index.end()) return std::nullopt;
  return it->second;
}

}  // namespace

double numberRemainder(double x, double y) {
  constexpr double kExact = 9007199254740992.0;  // 2^53
  if (x > -kExact && x < kExact && y > -kExact && y < kExact) {
    const int64_t ix = static_cast<int64_t>(x), iy = static_cast<int64_t>(y);
    if (static_cast<double>(ix) == x && static_cast<double>(iy) == y && iy != 0) {
      const int64_t r = ix % iy;
      return r != 0 ? static_cast<double>(r) : std::copysign(0.0, x);
    }
  }
  return std::fmod(x, y);
}

Intrinsic builtinIntrinsicOf(std::string_view name) {
  std::optional<size_t> i = builtinIndex(name);
  return i && *i < kSyncCount ? kSync[*i].intrinsic : Intrinsic::None;
}

Status BuiltinHost::registerInto(HostRegistry& r,
                                 const Program* onlyImportsOf) {
  std::vector<size_t> chosen;
  if (onlyImportsOf) {
    for (const HostImport& imp : onlyImportsOf->hostImports)
      if (std::optional<size_t> i = builtinIndex(imp.name)) chosen.push_back(*i);
    // In the table's order, each once (a name may be imported twice).
    std::sort(chosen.begin(), chosen.end());
    chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
  } else {
    for (size_t i = 0; i < kBuiltinCount; ++i) chosen.push_back(i);
  }
  r.functions_.reserve(r.functions_.size() + chosen.size());
  for (size_t i : chosen) {
    Status s = i < kSyncCount
                   ? r.addIntrinsic(std::string(kSync[i].name), kSync[i].fn,
                                    this, static_cast<uint8_t>(kSync[i].intrinsic))
                   : r.addAsync(std::string(kAsync[i - kSyncCount].name),
                                kAsync[i - kSyncCount].fn, this);
    if (!s) return s;
  }
  return Ok{};
}

}  // namespace brainvm
