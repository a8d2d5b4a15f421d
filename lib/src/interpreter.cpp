// The dispatch loop. The verifier has proved operands, jump targets and stack
// depths, so handlers do no bounds checks: only kind checks on values and the
// runtime limits (frame depth, stack size, handlers, memory).
//
// Hot state lives in locals (ip, sp, base, budget); SAVE_STATE writes it back
// to the fiber before anything that can observe the fiber (host calls,
// errors, garbage collection) and LOAD_STATE reloads it afterwards.
#include <chrono>
#include <cmath>
#include <string>

#include "brainvm/objects.h"
#include "brainvm/opcodes.h"
#include "intrinsics.h"
#include "linked_code.h"
#include "runtime_impl.h"
#include "value_internals.h"
#include "struct_copy.h"

// Computed goto takes label addresses, a GNU extension.
#pragma GCC diagnostic ignored "-Wpedantic"

#if defined(__GNUC__) || defined(__clang__)
#define BVM_LIKELY(x) __builtin_expect(!!(x), 1)
#define BVM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define BVM_LIKELY(x) (x)
#define BVM_UNLIKELY(x) (x)
#endif
// Threaded dispatch through a table of label addresses where the compiler
// has it; a switch otherwise, or when the build asks for it (CMake option
// BRAINVM_SWITCH_DISPATCH, built and tested in CI so that it cannot rot).
#if (defined(__GNUC__) || defined(__clang__)) && !defined(BRAINVM_SWITCH_DISPATCH)
#define BVM_COMPUTED_GOTO 1
#else
#define BVM_COMPUTED_GOTO 0
#endif

namespace brainvm {
namespace {

inline bool isTruthy(const Value& v) {
  return v.isBool() ? v.asBool() : truthy(v);
}

inline bool isIntegral(double d) {
  return std::isfinite(d) && d == std::floor(d);
}

std::string describe(const Value& v) { return std::string(kindName(v.kind())); }

// "list_get: index must be an integer": the mnemonic from the opcode table.
std::string opMessage(Opcode op, const std::string& what) {
  std::string out(mnemonicOf(op));
  out += ": ";
  out += what;
  return out;
}

// Inline semantics of intrinsic host functions on two numbers.
inline Value applyIntrinsic(Intrinsic op, double x, double y) {
  switch (op) {
    case Intrinsic::Add: return Value::number(x + y);
    case Intrinsic::Sub: return Value::number(x - y);
    case Intrinsic::Mul: return Value::number(x * y);
    case Intrinsic::Lt: return Value::boolean(x < y);
    case Intrinsic::Le: return Value::boolean(x <= y);
    case Intrinsic::Gt: return Value::boolean(x > y);
    case Intrinsic::Ge: return Value::boolean(x >= y);
    case Intrinsic::Eq: return Value::boolean(x == y);
    case Intrinsic::Neq: return Value::boolean(x != y);
    case Intrinsic::Div: return Value::number(x / y);
    case Intrinsic::Mod: return Value::number(numberRemainder(x, y));
    case Intrinsic::None: break;
  }
  return Value();
}

}  // namespace

RunResult RuntimeImpl::runSlice(Fiber& f, uint32_t budget) {
  return instrumentation.any() ? runSliceWith<true>(f, budget)
                               : runSliceWith<false>(f, budget);
}

// The loop comes in two copies: plain, and instrumented (kInstrumented),
// which feeds the attached coverage, profile and debugger
// (instrumentation.h). Both run the same linked code: superinstructions
// report every instruction they cover, and split into single instructions
// where a debugger could stop inside them. Everything the instrumented copy
// adds is inside `if constexpr (kInstrumented)`, so the plain copy is the
// loop it always was.
template <bool kInstrumented>
RunResult RuntimeImpl::runSliceWith(Fiber& f, uint32_t budget) {
  RunResult result;
  const uint32_t budgetStart = budget;
  running = &f;
  [[maybe_unused]] CoverageCounts* const cov =
      kInstrumented ? instrumentation.coverage : nullptr;
  [[maybe_unused]] uint64_t* const covExecuted =
      cov ? cov->executed_.data() : nullptr;
  [[maybe_unused]] ProfileCounts* const prof =
      kInstrumented ? instrumentation.profile : nullptr;
  [[maybe_unused]] DebugHooks* const dbg =
      kInstrumented ? instrumentation.debug : nullptr;
  [[maybe_unused]] const uint32_t* const fnOffsets =
      kInstrumented ? extras_->instrumentedOffsets.data() : nullptr;
  [[maybe_unused]] uint32_t fnOff = 0;     // CodeIndex offset of the function
  [[maybe_unused]] uint32_t profNode = 0;  // the running stack's profile node
  [[maybe_unused]] uint64_t* profHere = nullptr;  // its instruction count

  const LinkedCode& linked = *this->linked;
  const Instr* code = nullptr;
  const Instr* ip = nullptr;
  Value* stack = nullptr;
  Value* sp = nullptr;
  Value* base = nullptr;
  const Value* consts = program.constants.data();
  Value* sharedSlots = shared.data();
  Value pendingThrow;
  uint32_t throwPc = 0;
  // No resolver and no fiber-local variables: a variable is its shared slot.
  // Only host code (host calls, the resolver) and the variable slow paths
  // can change either, so it is refreshed after those.
  bool plainVars = !resolver && !f.vars;
#define REFRESH_VARS() (plainVars = !resolver && !f.vars)
#if !BVM_COMPUTED_GOTO
  uint8_t opToRun = 0;
#endif

#define LOAD_STATE()                                             \
  do {                                                           \
    const Frame& fr_ = f.frames.back();                          \
    code = linked[fr_.function].data();                          \
    ip = code + fr_.pc;                                          \
    stack = f.stack;                                             \
    sp = stack + f.sp;                                           \
    base = stack + fr_.base;                                     \
    if constexpr (kInstrumented)                                 \
      fnOff = fnOffsets[fr_.function];                           \
  } while (0)
#define SAVE_STATE()                                            \
  do {                                                          \
    f.frames.back().pc = static_cast<uint32_t>(ip - code);      \
    f.sp = static_cast<uint32_t>(sp - stack);                   \
  } while (0)
#define PC() static_cast<uint32_t>(ip - code)
  // Raise a VM error at the current instruction (catchable).
#define RAISE(tag, msg)                                 \
  do {                                                  \
    SAVE_STATE();                                       \
    throwPc = PC();                                     \
    pendingThrow = makeError(f, throwPc, tag, (msg));   \
    goto do_throw;                                      \
  } while (0)
  // A ScriptError of the instruction `op`, its message led by the mnemonic.
#define RAISE_OP(op, msg) \
  RAISE(ErrorTag::ScriptError, opMessage(Opcode::op, (msg)))
#define OUT_OF_MEMORY() RAISE(ErrorTag::ScriptError, heap.failureReason())
  // Throw an error value that already carries its trace (state saved).
#define THROW_VALUE(err)                                \
  do {                                                  \
    throwPc = PC();                                     \
    pendingThrow = (err);                               \
    goto do_throw;                                      \
  } while (0)
#define GC_SAFEPOINT()                                  \
  do {                                                  \
    if (BVM_UNLIKELY(heap.wantsCollection())) {         \
      SAVE_STATE();                                     \
      collectGarbage();                                 \
    }                                                   \
  } while (0)
  // After a host call: the host may have cancelled this fiber.
#define CHECK_CANCELLED()                               \
  do {                                                  \
    if (BVM_UNLIKELY(f.state != FiberState::Runnable)) { \
      SAVE_STATE();                                     \
      goto cancelled;                                   \
    }                                                   \
  } while (0)

  // --- Instrumentation (no-ops in the plain copy) ---
  // Counts the instruction about to run and asks the debugger whether to
  // stop before it; an abort ends the slice with the instruction not run.
#define INSTRUMENT_STEP()                                                  \
  do {                                                                     \
    if constexpr (kInstrumented) {                                         \
      const uint32_t at_ = fnOff + PC();                                   \
      if (dbg && (dbg->breakAt_[at_] | dbg->stopEverywhere_ |              \
                  dbg->pauseRequested_.load(std::memory_order_relaxed))) { \
        SAVE_STATE();                                                      \
        if (debugStop(f, DebugEvent::Instruction, PC(), Value()) ==        \
            DebugAction::Abort) {                                          \
          ++budget;                                                        \
          goto aborted;                                                    \
        }                                                                  \
      }                                                                    \
      if (covExecuted) ++covExecuted[at_];                                 \
      if (profHere) ++*profHere;                                           \
    }                                                                      \
  } while (0)
  // The running stack's profile node is now `node` (nodes_ may also have
  // grown: the count pointer is taken again).
#define PROFILE_AT(node)                                \
  do {                                                  \
    profNode = (node);                                  \
    profHere = &prof->nodes_[profNode].instructions;    \
  } while (0)
  // Moves the unit just counted for the host call at ip (import `import`)
  // to its host leaf; returns the leaf.
#define PROFILE_HOST_LEAF(at, import)                                       \
  [&] {                                                                     \
    const uint32_t leaf_ = prof->childAt((at), profNode, -((import) + 1));  \
    PROFILE_AT(profNode);                                                   \
    --*profHere;                                                            \
    ++prof->nodes_[leaf_].instructions;                                     \
    return leaf_;                                                           \
  }()
  // Control arrived at ip other than by falling through.
#define INSTRUMENT_ARRIVAL()                                  \
  do {                                                        \
    if constexpr (kInstrumented)                              \
      if (cov) ++cov->arrivals_[fnOff + PC()];                \
  } while (0)
  // The conditional jump at ip jumps.
#define INSTRUMENT_TAKEN()                                    \
  do {                                                        \
    if constexpr (kInstrumented)                              \
      if (cov) ++cov->taken_[fnOff + PC()];                   \
  } while (0)
  // A superinstruction at ip covering `extra` instructions after the first
  // runs as one step only if no debugger stop can fall inside it; else its
  // first instruction runs alone and the rest are dispatched one by one.
#define INSTRUMENT_FUSED_SPLIT(extra, firstOp)                         \
  do {                                                                 \
    if constexpr (kInstrumented)                                       \
      if (dbg && debugStopsInside(fnOff + PC(), (extra)))              \
        RUN_PLAIN(firstOp);                                            \
  } while (0)
  // After a superinstruction from `first` ran as one step (ip is past it):
  // counts it once (CoverageCounts spreads that over what it covers), and
  // whether its tail branch (at index branchAt, -1 for none) jumped; the
  // profile gets its `extra` instructions, the one of its host call (at
  // index hostAt, -1 for none) at the host leaf.
#define INSTRUMENT_FUSED(first, extra, branchAt, hostAt)                    \
  do {                                                                      \
    if constexpr (kInstrumented) {                                          \
      const uint32_t at_ = fnOff + static_cast<uint32_t>((first) - code);   \
      if (cov) {                                                            \
        ++cov->fusedRuns_[at_];                                             \
        if ((branchAt) >= 0 && ip != (first) + (branchAt) + 1)              \
          ++cov->fusedTaken_[at_];                                          \
      }                                                                     \
      if (profHere) {                                                       \
        *profHere += (extra);                                               \
        if ((hostAt) >= 0)                                                  \
          (void)PROFILE_HOST_LEAF(at_ + (hostAt), (first)[(hostAt)].a);     \
      }                                                                     \
    }                                                                       \
  } while (0)

  if constexpr (kInstrumented)
    if (prof) PROFILE_AT(profileNodeOf(f));

  if (f.hasPendingThrow) {
    // A failed await is delivered as a throw; it costs one budget unit.
    if (budget == 0) {
      result.status = RunStatus::Yielded;
      goto finish;
    }
    --budget;
    if constexpr (kInstrumented)
      if (profHere) ++*profHere;
    f.hasPendingThrow = false;
    LOAD_STATE();
    throwPc = PC() == 0 ? 0 : PC() - 1;  // the await that failed
    pendingThrow = withTrace(f, throwPc, f.pendingError);
    f.pendingError = Value();
    goto do_throw;
  }

  LOAD_STATE();

#if BVM_COMPUTED_GOTO
  // Indexed by the dense opcode numbers of linked code (see linked_code.h).
  static const void* const kLabels[] = {
      &&op_invalid,
#define BVM_LABEL_ENTRY(num, name, ...) &&op_##name,
      BRAINVM_OPCODES(BVM_LABEL_ENTRY)
#undef BVM_LABEL_ENTRY
#define BVM_FUSED_LABEL(x, y, t, o) &&op_Fused_##x##_##y##_##t##_##o,
      BRAINVM_FUSED_VARIANTS(BVM_FUSED_LABEL)
#undef BVM_FUSED_LABEL
      &&op_ListGetLocals,
      &&op_ListPushLocalsPop,
      &&op_AddStoreLocal,
  };
  static_assert(sizeof(kLabels) / sizeof(kLabels[0]) == kDenseTotal);
#define DISPATCH()                                   \
  do {                                               \
    if (BVM_UNLIKELY(budget == 0)) goto out_of_budget; \
    --budget;                                        \
    INSTRUMENT_STEP();                               \
    goto* kLabels[ip->op];                           \
  } while (0)
  // Dispatch when the budget is known to cover the next instruction (the
  // superinstructions take their fast path only when it covers their whole
  // sequence plus one more).
#define DISPATCH_CHARGED()    \
  do {                        \
    --budget;                 \
    INSTRUMENT_STEP();        \
    goto* kLabels[ip->op];    \
  } while (0)
#define CASE(name) op_##name:
#define FUSED_CASE(x, y, t, o) op_Fused_##x##_##y##_##t##_##o:
#else
#define DISPATCH() goto dispatch
#define DISPATCH_CHARGED() \
  do {                     \
    --budget;              \
    INSTRUMENT_STEP();     \
    opToRun = ip->op;      \
    goto dispatch_op;      \
  } while (0)
#define CASE(name) case kDense##name:
#define FUSED_CASE(x, y, t, o)                                  \
  case fusedOpcode(FusedMeta::x, FusedMeta::y, FusedMeta::t, FusedMeta::o):
#endif

#if BVM_COMPUTED_GOTO
  // Runs the instruction at ip as op, without charging (already charged).
#define RUN_PLAIN(op) goto* kLabels[op]
  DISPATCH();
#else
#define RUN_PLAIN(op)  \
  do {                 \
    opToRun = (op);    \
    goto dispatch_op;  \
  } while (0)
dispatch:
  if (BVM_UNLIKELY(budget == 0)) goto out_of_budget;
  --budget;
  INSTRUMENT_STEP();
  opToRun = ip->op;
dispatch_op:
  switch (opToRun) {
#endif

  CASE(PushConst) {
    *sp++ = consts[ip->a];
    ++ip;
    DISPATCH();
  }
  CASE(Pop) {
    --sp;
    ++ip;
    DISPATCH();
  }
  CASE(Dup) {
    *sp = sp[-1];
    ++sp;
    ++ip;
    DISPATCH();
  }
  CASE(Swap) {
    Value t = sp[-1];
    sp[-1] = sp[-2];
    sp[-2] = t;
    ++ip;
    DISPATCH();
  }
  CASE(LoadLocal) {
    *sp++ = base[ip->a];
    ++ip;
    DISPATCH();
  }
  CASE(StoreLocal) {
    base[ip->a] = *--sp;
    ++ip;
    DISPATCH();
  }
  CASE(LoadVar) {
    const uint32_t a = static_cast<uint32_t>(ip->a);
    if (BVM_LIKELY(!resolver)) {
      if (f.vars && !isAbsent(f.vars[a])) {
        *sp++ = f.vars[a];
        ++ip;
        DISPATCH();
      }
      if (!isAbsent(sharedSlots[a])) {
        *sp++ = sharedSlots[a];
        ++ip;
        DISPATCH();
      }
    }
    SAVE_STATE();
    Value v = loadVarSlow(f, a);
    REFRESH_VARS();
    *sp++ = v;
    ++ip;
    DISPATCH();
  }
  CASE(StoreVar) {
    const uint32_t a = static_cast<uint32_t>(ip->a);
    Value v = sp[-1];
    if (v.isStruct()) {
      SAVE_STATE();
      if (!copyStructValue(heap, v)) OUT_OF_MEMORY();
    }
    --sp;
    if (BVM_LIKELY(!resolver)) {
      if (f.vars && !isAbsent(f.vars[a])) {
        f.vars[a] = v;
      } else if (!isAbsent(sharedSlots[a])) {
        sharedSlots[a] = v;
      } else {
        SAVE_STATE();
        storeVarSlow(f, a, v);
      }
    } else {
      SAVE_STATE();
      storeVarSlow(f, a, v);
    }
    REFRESH_VARS();
    ++ip;
    DISPATCH();
  }
  CASE(Jmp) {
    ip += ip->a;
    INSTRUMENT_ARRIVAL();
    DISPATCH();
  }
  CASE(JmpIfFalse) {
    --sp;
    if constexpr (kInstrumented) {
      if (!isTruthy(*sp)) {
        INSTRUMENT_TAKEN();
        ip += ip->a;
        INSTRUMENT_ARRIVAL();
        DISPATCH();
      }
      ++ip;
      DISPATCH();
    }
    ip += isTruthy(*sp) ? 1 : ip->a;
    DISPATCH();
  }
  CASE(JmpIfTrue) {
    --sp;
    if constexpr (kInstrumented) {
      if (isTruthy(*sp)) {
        INSTRUMENT_TAKEN();
        ip += ip->a;
        INSTRUMENT_ARRIVAL();
        DISPATCH();
      }
      ++ip;
      DISPATCH();
    }
    ip += isTruthy(*sp) ? ip->a : 1;
    DISPATCH();
  }
  CASE(Call) {
    [[maybe_unused]] uint32_t callAt = 0;
    if constexpr (kInstrumented) callAt = fnOff + PC();
    const uint32_t callee = static_cast<uint32_t>(ip->a);
    const Function& target = program.functions[callee];
    const uint32_t argc = static_cast<uint32_t>(ip->b);
    if (BVM_UNLIKELY(f.frames.size() >= config.maxFrameDepth))
      RAISE(ErrorTag::StackOverflow,
            "frame depth limit " + std::to_string(config.maxFrameDepth) +
                " exceeded");
    const uint64_t height = static_cast<uint64_t>(sp - stack);
    const uint64_t needed =
        height + (target.numLocals - argc) + target.maxStack;
    if (BVM_UNLIKELY(needed > f.capacity)) {
      if (needed > config.maxStackSize)
        RAISE(ErrorTag::StackOverflow,
              "stack limit " + std::to_string(config.maxStackSize) +
                  " values exceeded");
      SAVE_STATE();
      if (!growStack(f, needed)) OUT_OF_MEMORY();
      stack = f.stack;
      sp = stack + height;
    }
    f.frames.back().pc = PC() + 1;
    Value* newBase = sp - argc;
    for (uint32_t i = argc; i < target.numLocals; ++i) *sp++ = Value();
    f.frames.push_back(
        Frame{callee, static_cast<uint32_t>(newBase - stack), 0});
    code = linked[callee].data();
    ip = code;
    base = newBase;
    if constexpr (kInstrumented) {
      fnOff = fnOffsets[callee];
      if (cov) ++cov->entered_[callee];
      if (prof)
        PROFILE_AT(prof->childAt(callAt, profNode, static_cast<int32_t>(callee)));
    }
    DISPATCH();
  }
  CASE(Ret) {
    const Value r = sp[-1];
    const size_t depth = f.frames.size();
    while (!f.handlers.empty() && f.handlers.back().frameDepth >= depth)
      f.handlers.pop_back();
    const uint32_t calleeBase = f.frames.back().base;
    if (depth == 1) {
      f.sp = 0;
      f.result = r;
      running = nullptr;
      endFiber(f, FiberState::Done);
      result.status = RunStatus::Done;
      goto finish;
    }
    f.frames.pop_back();
    stack[calleeBase] = r;
    f.sp = calleeBase + 1;
    LOAD_STATE();
    if constexpr (kInstrumented)
      if (prof) PROFILE_AT(prof->nodes_[profNode].parent);
    DISPATCH();
  }
  // Sync and async calls share one body: callHost creates the handle for an
  // async import (whose intrinsic is always None).
  CASE(HostCallArgsAsync)
  CASE(HostCallArgs) {
    const BoundImport& h = imports[ip->a];
    const uint32_t argc = static_cast<uint32_t>(ip->b);
    Value* args = sp - argc;
    [[maybe_unused]] uint32_t hostNode = 0;
    if constexpr (kInstrumented)
      if (prof) hostNode = PROFILE_HOST_LEAF(fnOff + PC(), ip->a);
    if (h.intrinsic != 0 && argc == 2 && args[0].isNumber() &&
        args[1].isNumber() &&
        intrinsicApplies(static_cast<Intrinsic>(h.intrinsic),
                         args[1].asNumber())) {
      *args = applyIntrinsic(static_cast<Intrinsic>(h.intrinsic),
                             args[0].asNumber(),
                             args[1].asNumber());
      sp = args + 1;
      ++ip;
      DISPATCH();
    }
    SAVE_STATE();
    Value r;
    bool ok;
    if constexpr (kInstrumented) {
      const uint64_t t0 = prof ? hostClockStart() : 0;
      ok = callHost(f, static_cast<uint32_t>(ip->a), args, argc,
                    static_cast<uint32_t>(ip->c), PC(), r);
      if (prof) hostClockStop(hostNode, t0);
    } else {
      ok = callHost(f, static_cast<uint32_t>(ip->a), args, argc,
                    static_cast<uint32_t>(ip->c), PC(), r);
    }
    REFRESH_VARS();
    CHECK_CANCELLED();
    if (BVM_UNLIKELY(!ok)) THROW_VALUE(r);
    sp = args;
    *sp++ = r;
    ++ip;
    GC_SAFEPOINT();
    DISPATCH();
  }
  CASE(HostCallAsync)
  CASE(HostCall) {
    SAVE_STATE();
    Value r;
    bool ok;
    if constexpr (kInstrumented) {
      const uint32_t hostNode =
          prof ? PROFILE_HOST_LEAF(fnOff + PC(), ip->a) : 0;
      const uint64_t t0 = prof ? hostClockStart() : 0;
      ok = callHostWithMap(f, static_cast<uint32_t>(ip->a), sp[-1],
                           static_cast<uint32_t>(ip->c), PC(),
                           r);
      if (prof) hostClockStop(hostNode, t0);
    } else {
      ok = callHostWithMap(f, static_cast<uint32_t>(ip->a), sp[-1],
                           static_cast<uint32_t>(ip->c), PC(),
                           r);
    }
    REFRESH_VARS();
    CHECK_CANCELLED();
    if (BVM_UNLIKELY(!ok)) THROW_VALUE(r);
    sp[-1] = r;
    ++ip;
    GC_SAFEPOINT();
    DISPATCH();
  }
  CASE(Await) {
    const Value hv = sp[-1];
    if (BVM_UNLIKELY(!hv.isHandle()))
      RAISE_OP(Await,
            "expected a handle, got " + describe(hv));
    HandleRecord* h = findHandle(hv.asHandle());
    if (BVM_UNLIKELY(!h))
      RAISE_OP(Await,
            "unknown handle " + std::to_string(hv.asHandle()));
    switch (h->state) {
      case HandleState::Resolved:
        sp[-1] = h->result;
        ++ip;
        DISPATCH();
      case HandleState::Rejected:
      case HandleState::Cancelled:
        --sp;
        SAVE_STATE();
        throwPc = PC();
        pendingThrow = withTrace(f, throwPc, h->result);
        goto do_throw;
      case HandleState::Pending:
        break;
    }
    --sp;
    ++ip;
    SAVE_STATE();
    f.state = FiberState::Waiting;
    f.awaiting = hv.asHandle();
    h->waiters.add(f.id);
    result.status = RunStatus::Waiting;
    result.handle = hv.asHandle();
    goto finish;
  }
  CASE(Yield) {
    ++ip;
    SAVE_STATE();
    result.status = RunStatus::Yielded;
    goto finish;
  }
  CASE(Try) {
    if (BVM_UNLIKELY(f.handlers.size() >= config.maxHandlers))
      RAISE(ErrorTag::StackOverflow,
            "handler limit " + std::to_string(config.maxHandlers) +
                " exceeded");
    f.handlers.push_back(Handler{PC() + ip->a,
                                 static_cast<uint32_t>(sp - stack),
                                 static_cast<uint32_t>(f.frames.size())});
    ++ip;
    DISPATCH();
  }
  CASE(EndTry) {
    if (!f.handlers.empty() && f.handlers.back().frameDepth == f.frames.size())
      f.handlers.pop_back();
    ++ip;
    DISPATCH();
  }
  CASE(Throw) {
    Value v = *--sp;
    if (BVM_UNLIKELY(!v.isError())) {
      ++sp;  // keep it rooted while the error is built
      RAISE_OP(Throw,
            "expected an error value, got " + describe(v));
    }
    SAVE_STATE();
    throwPc = PC();
    pendingThrow = withTrace(f, throwPc, v);
    goto do_throw;
  }
  CASE(WhenStart) {
    ++ip;
    DISPATCH();
  }
  CASE(WhenEnd) {
    --sp;
    if (isTruthy(*sp)) {
      f.fired = true;
      ++ip;
    } else {
      INSTRUMENT_TAKEN();
      ip += ip->a;
      INSTRUMENT_ARRIVAL();
    }
    DISPATCH();
  }
  CASE(DoStart) {
    ++ip;
    DISPATCH();
  }
  CASE(DoEnd) {
    ++ip;
    DISPATCH();
  }
  CASE(ListNew) {
    ListObject* l = heap.newList();
    if (!l) OUT_OF_MEMORY();
    *sp++ = Value::object(l);
    ++ip;
    GC_SAFEPOINT();
    DISPATCH();
  }
  CASE(ListPush) {
    const Value l = sp[-2];
    if (BVM_UNLIKELY(!l.isList()))
      RAISE_OP(ListPush,
            "expected a list, got " + describe(l));
    if (!heap.listPush(l.asList(), sp[-1])) OUT_OF_MEMORY();
    --sp;
    ++ip;
    GC_SAFEPOINT();
    DISPATCH();
  }
  CASE(ListGet) {
    const Value l = sp[-2];
    const Value i = sp[-1];
    if (BVM_UNLIKELY(!l.isList()))
      RAISE_OP(ListGet,
            "expected a list, got " + describe(l));
    if (BVM_UNLIKELY(!i.isNumber()))
      RAISE_OP(ListGet,
            "index must be a number, got " + describe(i));
    const double d = i.asNumber();
    ListObject* list = l.asList();
    Value item;  // nil outside [0, length)
    if (d >= 0 && d < list->size()) {
      const uint32_t index = static_cast<uint32_t>(d);
      if (BVM_UNLIKELY(index != d))
        RAISE_OP(ListGet, "index must be an integer");
      item = list->at(index);
    } else if (BVM_UNLIKELY(!isIntegral(d))) {
      RAISE_OP(ListGet, "index must be an integer");
    }
    --sp;
    sp[-1] = item;
    ++ip;
    DISPATCH();
  }
  CASE(ListSet) {
    const Value l = sp[-3];
    const Value i = sp[-2];
    if (BVM_UNLIKELY(!l.isList()))
      RAISE_OP(ListSet,
            "expected a list, got " + describe(l));
    if (BVM_UNLIKELY(!i.isNumber()))
      RAISE_OP(ListSet,
            "index must be a number, got " + describe(i));
    const double d = i.asNumber();
    if (BVM_UNLIKELY(!isIntegral(d)))
      RAISE_OP(ListSet, "index must be an integer");
    ListObject* list = l.asList();
    if (d >= 0 && d < list->size()) {
      heap.listSet(list, static_cast<uint32_t>(d), sp[-1]);
    } else if (d == list->size()) {
      if (!heap.listPush(list, sp[-1])) OUT_OF_MEMORY();
    } else {
      RAISE_OP(ListSet,
            "index " + std::to_string(static_cast<int64_t>(d)) +
                " out of range for a list of length " +
                std::to_string(list->size()));
    }
    sp -= 2;
    ++ip;
    GC_SAFEPOINT();
    DISPATCH();
  }
  CASE(ListLen) {
    const Value l = sp[-1];
    if (BVM_UNLIKELY(!l.isList()))
      RAISE_OP(ListLen,
            "expected a list, got " + describe(l));
    sp[-1] = Value::number(l.asList()->size());
    ++ip;
    DISPATCH();
  }
  CASE(MapNew) {
    MapObject* m = heap.newMap();
    if (!m) OUT_OF_MEMORY();
    *sp++ = Value::object(m);
    ++ip;
    GC_SAFEPOINT();
    DISPATCH();
  }
#define CHECK_MAP_ARGS(op, mapValue, keyValue)                               \
  do {                                                                       \
    if (BVM_UNLIKELY(!(mapValue).isMap()))                                   \
      RAISE_OP(op, "expected a map, got " + describe(mapValue));             \
    if (BVM_UNLIKELY(!(keyValue).isNumber() && !(keyValue).isString()))     \
      RAISE_OP(op,                                                           \
               "key must be a string or number, got " + describe(keyValue)); \
  } while (0)
  CASE(MapSet) {
    CHECK_MAP_ARGS(MapSet, sp[-3], sp[-2]);
    if (!heap.mapSet(sp[-3].asMap(), sp[-2], sp[-1])) OUT_OF_MEMORY();
    sp -= 2;
    ++ip;
    GC_SAFEPOINT();
    DISPATCH();
  }
  CASE(MapGet) {
    CHECK_MAP_ARGS(MapGet, sp[-2], sp[-1]);
    const Value* v = sp[-2].asMap()->find(sp[-1]);
    --sp;
    sp[-1] = v ? *v : Value();
    ++ip;
    DISPATCH();
  }
  CASE(MapHas) {
    CHECK_MAP_ARGS(MapHas, sp[-2], sp[-1]);
    const bool has = sp[-2].asMap()->find(sp[-1]) != nullptr;
    --sp;
    sp[-1] = Value::boolean(has);
    ++ip;
    DISPATCH();
  }
  CASE(MapDelete) {
    CHECK_MAP_ARGS(MapDelete, sp[-2], sp[-1]);
    heap.mapDelete(sp[-2].asMap(), sp[-1]);
    --sp;
    ++ip;
    DISPATCH();
  }
  CASE(StructNew) {
    const uint32_t count = static_cast<uint32_t>(ip->a);
    Value* pairs = sp - 2 * count;
    for (uint32_t i = 0; i < count; ++i)
      if (BVM_UNLIKELY(!pairs[2 * i].isString()))
        RAISE_OP(StructNew,
              "field name must be a string, got " +
                  describe(pairs[2 * i]));
    const StringObject* typeName =
        ip->c == 1 ? consts[ip->b].asString() : nullptr;
    StructObject* s = heap.newStruct(typeName, count);
    if (!s) OUT_OF_MEMORY();
    for (uint32_t i = 0; i < count; ++i)
      if (!heap.structSet(s, pairs[2 * i].asString(), pairs[2 * i + 1]))
        OUT_OF_MEMORY();
    sp = pairs;
    *sp++ = Value::object(s);
    ++ip;
    GC_SAFEPOINT();
    DISPATCH();
  }
  CASE(StructGet) {
    const Value s = sp[-2];
    const Value name = sp[-1];
    if (BVM_UNLIKELY(!s.isStruct()))
      RAISE_OP(StructGet,
            "expected a struct, got " + describe(s));
    if (BVM_UNLIKELY(!name.isString()))
      RAISE_OP(StructGet,
            "field name must be a string, got " + describe(name));
    const Value* v = s.asStruct()->find(name.asString()->view());
    --sp;
    sp[-1] = v ? *v : Value();
    ++ip;
    DISPATCH();
  }
  CASE(StructSet) {
    const Value s = sp[-3];
    const Value name = sp[-2];
    if (BVM_UNLIKELY(!s.isStruct()))
      RAISE_OP(StructSet,
            "expected a struct, got " + describe(s));
    if (BVM_UNLIKELY(!name.isString()))
      RAISE_OP(StructSet,
            "field name must be a string, got " + describe(name));
    if (!heap.structSet(s.asStruct(), name.asString(), sp[-1]))
      OUT_OF_MEMORY();
    sp -= 2;
    ++ip;
    GC_SAFEPOINT();
    DISPATCH();
  }
  CASE(GetField) {
    const Value obj = sp[-2];
    const Value name = sp[-1];
    if (BVM_UNLIKELY(!name.isString()))
      RAISE_OP(GetField,
            "field name must be a string, got " + describe(name));
    const Value* v =
        obj.isStruct() ? obj.asStruct()->find(name.asString()->view()) : nullptr;
    --sp;
    sp[-1] = v ? *v : Value();
    ++ip;
    DISPATCH();
  }
  CASE(SetField) {
    const Value obj = sp[-3];
    const Value name = sp[-2];
    if (BVM_UNLIKELY(!name.isString()))
      RAISE_OP(SetField,
            "field name must be a string, got " + describe(name));
    if (BVM_UNLIKELY(!obj.isStruct()))
      RAISE_OP(SetField, "cannot set field '" +
                                       std::string(name.asString()->view()) +
                                       "' on a " + describe(obj));
    Value v = sp[-1];
    if (v.isStruct()) {
      SAVE_STATE();
      if (!copyStructValue(heap, v)) OUT_OF_MEMORY();
    }
    if (!heap.structSet(obj.asStruct(), name.asString(), v)) OUT_OF_MEMORY();
    sp -= 2;
    ++ip;
    GC_SAFEPOINT();
    DISPATCH();
  }

  // Superinstructions (see linked_code.h). Each charges its whole sequence
  // at once when the budget covers it and the next instruction too, and the
  // operands take the fast paths; otherwise it runs its first instruction
  // alone, exactly as unfused code.
#define FUSED_OPERAND(kind, index, out)                                    \
  do {                                                                     \
    const int32_t i_ = (index);                                            \
    if constexpr ((kind) == FusedMeta::Local) {                            \
      out = base[i_];                                                      \
    } else if constexpr ((kind) == FusedMeta::Const) {                     \
      out = consts[i_];                                                    \
    } else if (BVM_LIKELY(plainVars)) {                                    \
      if (BVM_UNLIKELY(isAbsent(sharedSlots[i_])))                        \
        RUN_PLAIN(FusedMeta::firstOp(ip->b));                              \
      out = sharedSlots[i_];                                               \
    } else {                                                               \
      if (BVM_UNLIKELY(resolver)) RUN_PLAIN(FusedMeta::firstOp(ip->b));    \
      if (f.vars && !isAbsent(f.vars[i_]))                                \
        out = f.vars[i_];                                                  \
      else if (!isAbsent(sharedSlots[i_]))                                \
        out = sharedSlots[i_];                                             \
      else                                                                 \
        RUN_PLAIN(FusedMeta::firstOp(ip->b));                              \
    }                                                                      \
  } while (0)
#define FUSED_HANDLER(X, Y, T, O)                                           \
  FUSED_CASE(X, Y, T, O) {                                                  \
    constexpr FusedMeta::Tail tail_ = FusedMeta::T;                         \
    constexpr uint32_t extra = FusedMeta::length(tail_) - 1;                \
    [[maybe_unused]] const Instr* const first_ = ip;                        \
    if (BVM_UNLIKELY(budget <= extra))                                      \
      RUN_PLAIN(FusedMeta::firstOp(ip->b));                                 \
    INSTRUMENT_FUSED_SPLIT(extra, FusedMeta::firstOp(ip->b));               \
    Value x, y;                                                             \
    FUSED_OPERAND(FusedMeta::X, ip[0].a, x);                                \
    FUSED_OPERAND(FusedMeta::Y, ip[1].a, y);                                \
    if (BVM_UNLIKELY(!x.isNumber() || !y.isNumber()))                       \
      RUN_PLAIN(FusedMeta::firstOp(ip->b));                                 \
    Value r;                                                                \
    if constexpr (FusedMeta::O == FusedMeta::AddOp)                         \
      r = Value::number(x.asNumber() + y.asNumber());                       \
    else if constexpr (FusedMeta::O == FusedMeta::LtOp)                     \
      r = Value::boolean(x.asNumber() < y.asNumber());                      \
    else if (BVM_LIKELY(intrinsicApplies(static_cast<Intrinsic>(ip->c),     \
                                         y.asNumber())))                    \
      r = applyIntrinsic(static_cast<Intrinsic>(ip->c), x.asNumber(),       \
                         y.asNumber());                                     \
    else                                                                    \
      RUN_PLAIN(FusedMeta::firstOp(ip->b));                                 \
    if constexpr (tail_ == FusedMeta::Push) {                               \
      *sp++ = r;                                                            \
      ip += 3;                                                              \
    } else if constexpr (tail_ == FusedMeta::StoreLocal ||                  \
                         tail_ == FusedMeta::StoreLocalJump) {              \
      base[ip[3].a] = r;                                                    \
      ip += tail_ == FusedMeta::StoreLocal ? 4 : 4 + ip[4].a;               \
    } else if constexpr (tail_ == FusedMeta::StoreVar ||                    \
                         tail_ == FusedMeta::StoreVarJump) {                \
      const int32_t a_ = ip[3].a;                                           \
      if (BVM_LIKELY(plainVars)) {                                          \
        if (BVM_UNLIKELY(isAbsent(sharedSlots[a_])))                       \
          RUN_PLAIN(FusedMeta::firstOp(ip->b));                             \
        sharedSlots[a_] = r;                                                \
      } else {                                                              \
        if (BVM_UNLIKELY(resolver)) RUN_PLAIN(FusedMeta::firstOp(ip->b));   \
        if (f.vars && !isAbsent(f.vars[a_]))                               \
          f.vars[a_] = r;                                                   \
        else if (!isAbsent(sharedSlots[a_]))                               \
          sharedSlots[a_] = r;                                              \
        else                                                                \
          RUN_PLAIN(FusedMeta::firstOp(ip->b));                             \
      }                                                                     \
      ip += tail_ == FusedMeta::StoreVar ? 4 : 4 + ip[4].a;                 \
    } else {                                                                \
      ip += isTruthy(r) ? 4 : 3 + ip[3].a;                                  \
    }                                                                       \
    INSTRUMENT_FUSED(first_, extra,                                         \
                     tail_ == FusedMeta::BranchFalse ? 3 : -1, 2);          \
    budget -= extra;                                                        \
    DISPATCH_CHARGED();                                                     \
  }
  BRAINVM_FUSED_VARIANTS(FUSED_HANDLER)
#undef FUSED_HANDLER
#undef FUSED_OPERAND

  // List and accumulation superinstructions (linked_code.h): the fast paths
  // only; anything else runs the first instruction alone and goes on
  // unfused, so errors, traces and budgets are those of the plain code.
  CASE(ListGetLocals) {
    [[maybe_unused]] const Instr* const first = ip;
    INSTRUMENT_FUSED_SPLIT(2, kDenseLoadLocal);
    const Value l = base[ip[0].a];
    const Value i = base[ip[1].a];
    if (BVM_UNLIKELY(budget <= 2 || !l.isList() || !i.isNumber()))
      RUN_PLAIN(kDenseLoadLocal);
    const double d = i.asNumber();
    const ListObject* list = l.asList();
    if (BVM_UNLIKELY(!(d >= 0 && d < list->size())))
      RUN_PLAIN(kDenseLoadLocal);
    const uint32_t index = static_cast<uint32_t>(d);
    if (BVM_UNLIKELY(index != d)) RUN_PLAIN(kDenseLoadLocal);
    *sp++ = list->at(index);
    ip += 3;
    INSTRUMENT_FUSED(first, 2, -1, -1);
    budget -= 2;
    DISPATCH_CHARGED();
  }
  CASE(ListPushLocalsPop) {
    [[maybe_unused]] const Instr* const first = ip;
    INSTRUMENT_FUSED_SPLIT(3, kDenseLoadLocal);
    const Value l = base[ip[0].a];
    if (BVM_UNLIKELY(budget <= 3 || !l.isList())) RUN_PLAIN(kDenseLoadLocal);
    // On failure (out of memory) the list is unchanged and the plain
    // list_push reports it.
    if (BVM_UNLIKELY(!heap.listPush(l.asList(), base[ip[1].a])))
      RUN_PLAIN(kDenseLoadLocal);
    ip += 4;
    INSTRUMENT_FUSED(first, 3, -1, -1);
    budget -= 3;
    GC_SAFEPOINT();
    DISPATCH_CHARGED();
  }
  CASE(AddStoreLocal) {
    [[maybe_unused]] const Instr* const first = ip;
    INSTRUMENT_FUSED_SPLIT(1, kDenseHostCallArgs);
    if (BVM_UNLIKELY(budget <= 1 || !sp[-2].isNumber() || !sp[-1].isNumber()))
      RUN_PLAIN(kDenseHostCallArgs);
    base[ip[1].a] = Value::number(sp[-2].asNumber() + sp[-1].asNumber());
    sp -= 2;
    ip += 2;
    INSTRUMENT_FUSED(first, 1, -1, 0);
    budget -= 1;
    DISPATCH_CHARGED();
  }

#if !BVM_COMPUTED_GOTO
  default:
    break;
  }
#else
op_invalid:
#endif
  // Unreachable for verified programs.
  SAVE_STATE();
  pendingThrow = makeError(f, PC(), ErrorTag::ScriptError, "invalid opcode");
  throwPc = PC();
  goto do_throw;

out_of_budget:
  SAVE_STATE();
  result.status = RunStatus::Yielded;
  goto finish;

[[maybe_unused]] aborted:
  // A debugger ended the run here (state saved): the fiber stays runnable,
  // its instruction not run.
  abortRequested = true;
  result.status = RunStatus::Yielded;
  goto finish;

do_throw : {
  if constexpr (kInstrumented) {
    const bool caught = !f.handlers.empty();
    if (dbg && (caught ? dbg->stopOnCaught_ : dbg->stopOnUncaught_))
      (void)debugStop(f,
                      caught ? DebugEvent::CaughtError
                             : DebugEvent::UncaughtError,
                      throwPc, pendingThrow);
  }
  // Take the innermost handler of the fiber, unwinding to its frame.
  if (!f.handlers.empty()) {
    const Handler h = f.handlers.back();
    f.handlers.pop_back();
    f.frames.resize(h.frameDepth);
    f.sp = h.stackHeight;
    f.stack[f.sp++] = pendingThrow;
    f.frames.back().pc = h.catchPc;
    pendingThrow = Value();
    LOAD_STATE();
    if constexpr (kInstrumented) {
      INSTRUMENT_ARRIVAL();
      if (prof) PROFILE_AT(profileNodeOf(f));
    }
    DISPATCH();
  }
  // Uncaught: the fiber faults. Every raised value already carries its trace
  // (withTrace above); only an out-of-memory fallback may lack one.
  f.error = pendingThrow;
  running = nullptr;
  endFiber(f, FiberState::Fault);
  result.status = RunStatus::Fault;
  goto finish;
}

cancelled:
  result.status = RunStatus::Cancelled;
  running = nullptr;
  endFiber(f, FiberState::Cancelled);
  goto finish;

finish:
  running = nullptr;
  result.instructions = budgetStart - budget;
  instructions += result.instructions;
  ++slices;
  return result;

#undef LOAD_STATE
#undef SAVE_STATE
#undef PC
#undef RAISE
#undef OUT_OF_MEMORY
#undef RAISE_OP
#undef THROW_VALUE
#undef GC_SAFEPOINT
#undef CHECK_CANCELLED
#undef DISPATCH
#undef DISPATCH_CHARGED
#undef REFRESH_VARS
#undef RUN_PLAIN
#undef CASE
#undef FUSED_CASE
#undef CHECK_MAP_ARGS
#undef INSTRUMENT_STEP
#undef INSTRUMENT_ARRIVAL
#undef INSTRUMENT_TAKEN
#undef INSTRUMENT_FUSED_SPLIT
#undef INSTRUMENT_FUSED
#undef PROFILE_AT
#undef PROFILE_HOST_LEAF
}

}  // namespace brainvm
