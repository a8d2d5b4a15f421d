// The bytecode verifier. Every rule is derived from the opcode table in
// opcodes.h: operand kinds and host modes drive the per-instruction checks,
// and the stack effect (pops/pushes) plus Flow drive the stack-depth
// analysis. The one fact the table cannot express is spelled out here: a
// `call`'s argc must match its callee.
#include "brainvm/verifier.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "brainvm/opcodes.h"

namespace brainvm {
namespace {

constexpr std::string_view kOperandNames[3] = {"a", "b", "c"};

std::string quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '\'';
  out += s;
  out += '\'';
  return out;
}

std::string num(int64_t v) { return std::to_string(v); }

std::string plural(int64_t n, std::string_view word) {
  std::string out = num(n);
  out += ' ';
  out += word;
  if (n != 1) out += 's';
  return out;
}

// The operand slot of `kind` in `info`, or -1.
int slotOf(const OpcodeInfo& info, OperandKind kind) {
  for (int i = 0; i < 3; ++i)
    if (info.operands[i] == kind) return i;
  return -1;
}

int32_t operand(const Instr& in, int slot) {
  return slot == 0 ? in.a : slot == 1 ? in.b : in.c;
}

// 0 <= v < size.
bool inRange(int64_t v, uint64_t size) {
  return static_cast<uint64_t>(v) < size;
}

class Verifier {
 public:
  Verifier(Program& program, const VerifyOptions& options)
      : p_(program),
        opt_(options),
        file_(program.sourceName.empty() ? options.fileName
                                         : program.sourceName) {
    for (size_t i = 0; i < ops_.size(); ++i)
      ops_[i] = opcodeInfo(static_cast<uint8_t>(i));
  }

  Status run() {
    if (opt_.depths) opt_.depths->assign(p_.functions.size(), {});
    checkProgram();
    std::vector<uint32_t> maxStacks(p_.functions.size(), 0);
    for (size_t f = 0; f < p_.functions.size(); ++f)
      maxStacks[f] = checkFunction(static_cast<uint32_t>(f));
    if (!diags_.empty())
      return Error(ErrorCode::VerificationFailed, std::move(diags_));
    for (size_t f = 0; f < p_.functions.size(); ++f)
      p_.functions[f].maxStack = maxStacks[f];
    return Ok{};
  }

 private:
  // A diagnostic not tied to a function.
  void programError(std::string message) {
    Diagnostic d;
    d.message = std::move(message);
    d.file = file_;
    diags_.push_back(std::move(d));
  }

  Diagnostic functionDiag(uint32_t f, int64_t pc, std::string message) const {
    Diagnostic d;
    d.message = std::move(message);
    d.file = file_;
    d.function = p_.functions[f].name;
    d.pc = pc;
    if (p_.hasDebugInfo && pc >= 0)
      d.line = p_.lineOf(f, static_cast<uint32_t>(pc));
    return d;
  }

  void functionError(uint32_t f, int64_t pc, std::string message) {
    diags_.push_back(functionDiag(f, pc, std::move(message)));
  }

  // ---- program level ------------------------------------------------------

  void checkProgram() {
    for (size_t i = 0; i < p_.constants.size(); ++i) {
      ValueKind k = p_.constants[i].kind();
      if (!isConstantKind(k))
        programError("constant " + num(static_cast<int64_t>(i)) +
                     " has kind '" + std::string(kindName(k)) +
                     "'; constants must be nil, boolean, number, string or "
                     "error");
    }
    for (size_t i = 0; i < p_.sharedVars.size(); ++i) {
      const SharedVar& v = p_.sharedVars[i];
      std::string what = "shared variable " + num(static_cast<int64_t>(i));
      if (v.name >= p_.variableNames.size()) {
        programError(what + " has name index " + num(v.name) +
                     ", out of range [0, " +
                     num(static_cast<int64_t>(p_.variableNames.size())) + ")");
      } else {
        what = "shared variable " + quote(p_.variableNames[v.name]);
      }
      if (!isConstantKind(v.initial.kind()))
        programError(what + " has an initial value of kind '" +
                     std::string(kindName(v.initial.kind())) +
                     "'; initial values must be nil, boolean, number, string "
                     "or error");
    }
    if (p_.entry) checkRoot("entry", *p_.entry);
    for (uint32_t id : p_.spawns) checkRoot("spawn", id);
    for (uint32_t id : p_.rules) checkRoot("rule", id);
    if (opt_.requireRunnable && !p_.entry && p_.spawns.empty() &&
        p_.rules.empty())
      programError(
          "nothing to run: the program has no entry (.entry or main), .spawn "
          "or .rule");
  }

  void checkRoot(std::string_view role, uint32_t id) {
    if (id >= p_.functions.size()) {
      programError(std::string(role) + " function id " + num(id) +
                   " out of range [0, " +
                   num(static_cast<int64_t>(p_.functions.size())) + ")");
      return;
    }
    const Function& fn = p_.functions[id];
    if (fn.numParams != 0)
      programError(std::string(role) + " function " + quote(fn.name) +
                   " takes " + plural(fn.numParams, "parameter") +
                   "; entry, spawn and rule functions take none");
  }

  // ---- per instruction ----------------------------------------------------

  // An instruction is checked twice at most: the deciding check, compiled
  // per opcode (instrOk, through instrChecks()), runs for every instruction;
  // only when it says no does reportInstr run the same rules again to report
  // every problem (messages are built only there). Only well-formed
  // instructions take part in the stack analysis.

  // Whether every operand of the instruction at pc is valid. A, B and C are
  // the opcode's operand kinds, so the switch in checkOperand folds away.
  template <OperandKind A, OperandKind B, OperandKind C>
  bool instrOk(uint32_t f, uint32_t pc, const OpcodeInfo& info) {
    return checkOperand<false>(f, pc, info, 0, A) &&
           checkOperand<false>(f, pc, info, 1, B) &&
           checkOperand<false>(f, pc, info, 2, C);
  }

  using InstrCheck = bool (Verifier::*)(uint32_t, uint32_t, const OpcodeInfo&);

  // instrOk for every opcode number, nullptr for unknown numbers.
  static const std::array<InstrCheck, 256>& instrChecks() {
    static constexpr std::array<InstrCheck, 256> kChecks = [] {
      std::array<InstrCheck, 256> t{};
#define BRAINVM_INSTR_CHECK(num, name, mn, ka, kb, kc, ...) \
  t[num] = &Verifier::instrOk<OperandKind::ka, OperandKind::kb, OperandKind::kc>;
      BRAINVM_OPCODES(BRAINVM_INSTR_CHECK)
#undef BRAINVM_INSTR_CHECK
      return t;
    }();
    return kChecks;
  }

  // Reports every problem of the instruction at pc; returns whether there
  // were none.
  bool reportInstr(uint32_t f, uint32_t pc) {
    const Instr& in = p_.functions[f].code[pc];
    const OpcodeInfo* info = ops_[in.op];
    if (!info) {
      functionError(f, pc, "unknown opcode " + num(in.op));
      return false;
    }
    // Every operand is checked and reported, in order a, b, c.
    bool ok = true;
    for (int slot = 0; slot < 3; ++slot)
      ok &= checkOperand<true>(f, pc, *info, slot, info->operands[slot]);
    return ok;
  }

  // The rules for the operand in `slot`, whose kind is `kind`. Always
  // inlined so that with a constant kind only that kind's compares remain.
  template <bool kReport>
  [[gnu::always_inline]] bool checkOperand(uint32_t f, uint32_t pc,
                                           const OpcodeInfo& info, int slot,
                                           OperandKind kind) {
    const Function& fn = p_.functions[f];
    const Instr& in = fn.code[pc];
    auto mn = [&] { return quote(info.mnemonic); };
    const int64_t codeSize = static_cast<int64_t>(fn.code.size());
    bool ok = true;
    // `message` is a callable returning the text, so that nothing is built
    // unless reporting.
    auto fail = [&](auto&& message) {
      ok = false;
      if constexpr (kReport) functionError(f, pc, message());
    };

    const int64_t v = operand(in, slot);
    auto name = [&] {
      return "operand " + std::string(kOperandNames[slot]) + " of " + mn();
    };
    switch (kind) {
      case OperandKind::None:
        if (v != 0) fail([&] { return name() + " must be 0, got " + num(v); });
        break;
      case OperandKind::Const:
        if (!inRange(v, p_.constants.size()))
          fail([&] {
            return "constant index " + num(v) + " of " + mn() +
                   " out of range [0, " +
                   num(static_cast<int64_t>(p_.constants.size())) + ")";
          });
        break;
      case OperandKind::Var:
        if (!inRange(v, p_.variableNames.size()))
          fail([&] {
            return "variable name index " + num(v) + " of " + mn() +
                   " out of range [0, " +
                   num(static_cast<int64_t>(p_.variableNames.size())) + ")";
          });
        break;
      case OperandKind::Offset: {
        const int64_t target = static_cast<int64_t>(pc) + v;
        if (target < 0 || target >= codeSize)
          fail([&] {
            std::string_view what =
                info.flow == Flow::Try ? "catch target" : "jump target";
            return std::string(what) + " " + num(target) + " of " + mn() +
                   " (offset " + num(v) + ") is outside the function [0, " +
                   num(codeSize) + ")";
          });
        break;
      }
      case OperandKind::Func:
        if (!inRange(v, p_.functions.size()))
          fail([&] {
            return "function id " + num(v) + " of " + mn() +
                   " out of range [0, " +
                   num(static_cast<int64_t>(p_.functions.size())) + ")";
          });
        break;
      case OperandKind::Argc:
        if (v < 0) {
          fail([&] {
            return "argument count " + num(v) + " of " + mn() +
                   " is negative";
          });
          break;
        }
        if (int fs = slotOf(info, OperandKind::Func); fs >= 0) {
          // A call: argc must match the callee (when the callee is valid).
          const int64_t callee = operand(in, fs);
          if (inRange(callee, p_.functions.size())) {
            const Function& target = p_.functions[callee];
            if (v != static_cast<int64_t>(target.numParams))
              fail([&] {
                return std::string(info.mnemonic) + " to " +
                       quote(target.name) + " passes " +
                       plural(v, "argument") + " but " + quote(target.name) +
                       " takes " + num(target.numParams);
              });
          }
        } else if (v > static_cast<int64_t>(opt_.maxStackSize)) {
          fail([&] {
            return "argument count " + num(v) + " of " + mn() +
                   " exceeds maxStackSize " + num(opt_.maxStackSize);
          });
        }
        break;
      case OperandKind::Host:
        if (!inRange(v, p_.hostImports.size())) {
          fail([&] {
            return "host import index " + num(v) + " of " + mn() +
                   " out of range [0, " +
                   num(static_cast<int64_t>(p_.hostImports.size())) + ")";
          });
        } else {
          const HostImport& h = p_.hostImports[static_cast<size_t>(v)];
          const bool wantAsync = info.host == HostMode::Async;
          if (h.async != wantAsync)
            fail([&] {
              return std::string(h.async ? "async" : "sync") +
                     " host function " + quote(h.name) + " called with " +
                     mn() +
                     (h.async ? "; async functions need 'host_call_async' "
                                "or 'host_call_args_async'"
                              : "; sync functions need 'host_call' or "
                                "'host_call_args'");
            });
        }
        break;
      case OperandKind::CallSite:
        if (v < 0)
          fail([&] {
            return "call-site id " + num(v) + " of " + mn() + " is negative";
          });
        break;
      case OperandKind::Local:
        if (!inRange(v, fn.numLocals))
          fail([&] {
            return "local slot " + num(v) + " of " + mn() +
                   " out of range [0, " + num(fn.numLocals) + ")";
          });
        break;
      case OperandKind::Count:
        if (v < 0)
          fail([&] {
            return "field count " + num(v) + " of " + mn() + " is negative";
          });
        else if (2 * v > static_cast<int64_t>(opt_.maxStackSize))
          fail([&] {
            return "field count " + num(v) + " of " + mn() + " needs " +
                   num(2 * v) + " stack values, more than maxStackSize " +
                   num(opt_.maxStackSize);
          });
        break;
      case OperandKind::TypeName: {
        // Meaningful only together with the Flag operand: flag 1 = constant
        // index of a string type name, flag 0 = anonymous (must be 0).
        const int flagSlot = slotOf(info, OperandKind::Flag);
        const int64_t flag = flagSlot >= 0 ? operand(in, flagSlot) : 1;
        if (flag == 0) {
          if (v != 0)
            fail([&] {
              return name() +
                     " must be 0 when c is 0 (anonymous struct), got " +
                     num(v);
            });
        } else if (flag == 1) {
          if (!inRange(v, p_.constants.size()))
            fail([&] {
              return "type name constant index " + num(v) + " of " + mn() +
                     " out of range [0, " +
                     num(static_cast<int64_t>(p_.constants.size())) + ")";
            });
          else if (!p_.constants[static_cast<size_t>(v)].isString())
            fail([&] {
              return "type name constant " + num(v) + " of " + mn() +
                     " is not a string (kind '" +
                     std::string(kindName(
                         p_.constants[static_cast<size_t>(v)].kind())) +
                     "')";
            });
        }
        // Any other flag value is reported by the Flag check.
        break;
      }
      case OperandKind::Flag:
        if (v != 0 && v != 1)
          fail([&] { return name() + " must be 0 or 1, got " + num(v); });
        break;
    }
    return ok;
  }

  // ---- per function -------------------------------------------------------

  // Checks function f; returns its maximum operand-stack depth.
  uint32_t checkFunction(uint32_t f) {
    const Function& fn = p_.functions[f];
    if (fn.numLocals < fn.numParams)
      functionError(f, -1,
                    "function " + quote(fn.name) + " declares " +
                        plural(fn.numLocals, "local") + " but takes " +
                        plural(fn.numParams, "parameter") +
                        " (parameters are locals, so numLocals must be >= "
                        "numParams)");

    const size_t n = fn.code.size();
    pcState_.resize(n);
    const auto& checks = instrChecks();
    for (size_t pc = 0; pc < n; ++pc) {
      const auto upc = static_cast<uint32_t>(pc);
      const uint8_t op = fn.code[pc].op;
      const InstrCheck check = checks[op];
      const bool ok =
          (check && (this->*check)(f, upc, *ops_[op])) || reportInstr(f, upc);
      pcState_[pc] = PcState{kUnseen, ok, false};
    }

    if (n == 0) {
      functionError(f, 0,
                    "control falls off the end of the function (missing "
                    "ret?): the function has no instructions");
      return 0;
    }
    return analyseStack(f);
  }

  // Abstract interpretation of the operand-stack depth over the paths
  // reachable from pc 0 and from the catch target of every reachable `try`.
  // Each pc gets one depth (the first path to reach it); a second path with a
  // different depth is an error and is not followed further, so each pc is
  // processed at most once and the analysis is linear in the code size.
  // Uses pcState_ as filled in by checkFunction.
  uint32_t analyseStack(uint32_t f) {
    const Function& fn = p_.functions[f];
    const int64_t n = static_cast<int64_t>(fn.code.size());
    std::vector<PcState>& state = pcState_;
    // Each pc is pushed at most once, so n slots suffice.
    work_.resize(static_cast<size_t>(n));
    uint32_t* const work = work_.data();
    size_t pending = 0;
    std::vector<Diagnostic>& found = found_;  // sorted by pc before reporting
    found.clear();
    int64_t maxDepth = 0;
    bool limitReported = false;

    auto reach = [&](int64_t target, int64_t d) __attribute__((always_inline)) {
      PcState& t = state[static_cast<size_t>(target)];
      if (t.depth == kUnseen) {
        t.depth = d;
        work[pending++] = static_cast<uint32_t>(target);
      } else if (t.depth != d && !t.mismatchReported) {
        t.mismatchReported = true;
        found.push_back(functionDiag(
            f, target,
            "inconsistent stack depth at pc " + num(target) + ": " +
                num(t.depth) + " on one path, " + num(d) + " on another"));
      }
    };
    auto fallsOff = [&](int64_t pc) {
      found.push_back(functionDiag(
          f, pc, "control falls off the end of the function (missing ret?)"));
    };

    state[0].depth = 0;
    work[pending++] = 0;
    while (pending > 0) {
      const int64_t pc = work[--pending];
      const size_t upc = static_cast<size_t>(pc);
      if (!state[upc].wellFormed) continue;  // already reported; effects unknown
      const Instr& in = fn.code[upc];
      const OpcodeInfo& info = *ops_[in.op];
      const int64_t d = state[upc].depth;
      const int64_t pops = stackPops(info, in.a, in.b);
      if (pops > d) {
        found.push_back(functionDiag(
            f, pc,
            "stack underflow: " + quote(info.mnemonic) + " needs " +
                plural(pops, "value") + " but the stack holds " + num(d)));
        continue;
      }
      const int64_t after = d - pops + info.pushes;
      const int64_t peak = std::max(d, after);
      if (peak > maxDepth) maxDepth = peak;
      if (peak > static_cast<int64_t>(opt_.maxStackSize) && !limitReported) {
        limitReported = true;
        found.push_back(functionDiag(
            f, pc,
            "the operand stack can grow to " + plural(peak, "value") +
                ", more than maxStackSize " + num(opt_.maxStackSize)));
      }
      const int64_t next = pc + 1;
      const int64_t target = pc + static_cast<int64_t>(in.a);
      switch (info.flow) {
        case Flow::Next:
          if (next >= n) fallsOff(pc); else reach(next, after);
          break;
        case Flow::Jump:
          reach(target, after);
          break;
        case Flow::Branch:
          if (next >= n) fallsOff(pc); else reach(next, after);
          reach(target, after);
          break;
        case Flow::Try:
          if (next >= n) fallsOff(pc); else reach(next, after);
          // The handler is entered with the try's depth plus the error value.
          reach(target, after + 1);
          break;
        case Flow::Return:
        case Flow::Throw:
          break;
      }
    }

    if (opt_.depths) {
      auto& out = (*opt_.depths)[f];
      out.resize(static_cast<size_t>(n));
      for (size_t pc = 0; pc < out.size(); ++pc)
        out[pc] = static_cast<int32_t>(state[pc].depth);
    }
    if (!found.empty()) {
      std::stable_sort(found.begin(), found.end(),
                       [](const Diagnostic& x, const Diagnostic& y) {
                         return x.pc < y.pc;
                       });
      for (Diagnostic& d : found) diags_.push_back(std::move(d));
    }
    return maxDepth > static_cast<int64_t>(UINT32_MAX)
               ? UINT32_MAX
               : static_cast<uint32_t>(maxDepth);
  }

  // What the stack analysis knows about one pc.
  static constexpr int64_t kUnseen = -1;
  struct PcState {
    int64_t depth = kUnseen;  // operand-stack depth on entry, once reached
    bool wellFormed = false;  // every operand valid (instrOk/reportInstr)
    bool mismatchReported = false;
  };

  Program& p_;
  const VerifyOptions& opt_;
  std::string file_;
  std::vector<Diagnostic> diags_;
  std::array<const OpcodeInfo*, 256> ops_;  // opcodeInfo() for every byte
  // Per-function scratch space, reused so that a function costs no
  // allocations once the vectors have grown to the largest function.
  std::vector<PcState> pcState_;
  std::vector<uint32_t> work_;
  std::vector<Diagnostic> found_;
};

}  // namespace

Status verifyProgram(Program& program, const VerifyOptions& options) {
  return Verifier(program, options).run();
}

}  // namespace brainvm
