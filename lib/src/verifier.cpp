// The bytecode verifier. Every rule is derived from the opcode table in
// opcodes.h: operand kinds drive the per-instruction checks, and the stack
// effect (pops/pushes) plus Flow drive the stack-depth analysis. The only
// facts the table cannot express are spelled out here: which host opcodes are
// async, and that a `call`'s argc must match its callee.
#include "brainvm/verifier.h"

#include <algorithm>
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

// Opcodes that need an async host import. Everything else with a Host
// operand needs a sync one.
bool isAsyncHostOpcode(Opcode op) {
  return op == Opcode::HostCallAsync || op == Opcode::HostCallArgsAsync;
}

// Values popped by an instruction, in int64 so hostile operands cannot
// overflow. Mirrors stackPops() from opcodes.h.
int64_t popsOf(const OpcodeInfo& info, const Instr& in) {
  if (info.pops == kPopsB) return in.b;
  if (info.pops == kPopsTwiceA) return 2 * static_cast<int64_t>(in.a);
  return info.pops;
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

class Verifier {
 public:
  Verifier(Program& program, const VerifyOptions& options)
      : p_(program),
        opt_(options),
        file_(program.sourceName.empty() ? options.fileName
                                         : program.sourceName) {}

  Status run() {
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

  // Checks one instruction; reports every problem and returns whether it is
  // well-formed (only well-formed instructions take part in the stack
  // analysis).
  bool checkInstr(uint32_t f, uint32_t pc) {
    const Function& fn = p_.functions[f];
    const Instr& in = fn.code[pc];
    const OpcodeInfo* info = opcodeInfo(in.op);
    if (!info) {
      functionError(f, pc, "unknown opcode " + num(in.op));
      return false;
    }
    // Messages are only built on failure: this runs for every instruction.
    auto mn = [&] { return quote(info->mnemonic); };
    const int64_t codeSize = static_cast<int64_t>(fn.code.size());
    bool ok = true;
    auto fail = [&](std::string message) {
      functionError(f, pc, std::move(message));
      ok = false;
    };

    for (int slot = 0; slot < 3; ++slot) {
      const int64_t v = operand(in, slot);
      auto name = [&] {
        return "operand " + std::string(kOperandNames[slot]) + " of " + mn();
      };
      switch (info->operands[slot]) {
        case OperandKind::None:
          if (v != 0) fail(name() + " must be 0, got " + num(v));
          break;
        case OperandKind::Const:
          if (v < 0 || v >= static_cast<int64_t>(p_.constants.size()))
            fail("constant index " + num(v) + " of " + mn() +
                 " out of range [0, " +
                 num(static_cast<int64_t>(p_.constants.size())) + ")");
          break;
        case OperandKind::Var:
          if (v < 0 || v >= static_cast<int64_t>(p_.variableNames.size()))
            fail("variable name index " + num(v) + " of " + mn() +
                 " out of range [0, " +
                 num(static_cast<int64_t>(p_.variableNames.size())) + ")");
          break;
        case OperandKind::Offset: {
          const int64_t target = static_cast<int64_t>(pc) + v;
          if (target < 0 || target >= codeSize) {
            std::string_view what =
                info->flow == Flow::Try ? "catch target" : "jump target";
            fail(std::string(what) + " " + num(target) + " of " + mn() +
                 " (offset " + num(v) + ") is outside the function [0, " +
                 num(codeSize) + ")");
          }
          break;
        }
        case OperandKind::Func:
          if (v < 0 || v >= static_cast<int64_t>(p_.functions.size()))
            fail("function id " + num(v) + " of " + mn() + " out of range [0, " +
                 num(static_cast<int64_t>(p_.functions.size())) + ")");
          break;
        case OperandKind::Argc:
          if (v < 0) {
            fail("argument count " + num(v) + " of " + mn() + " is negative");
            break;
          }
          if (int fs = slotOf(*info, OperandKind::Func); fs >= 0) {
            // A call: argc must match the callee (when the callee is valid).
            const int64_t callee = operand(in, fs);
            if (callee >= 0 &&
                callee < static_cast<int64_t>(p_.functions.size())) {
              const Function& target = p_.functions[callee];
              if (v != static_cast<int64_t>(target.numParams))
                fail(std::string(info->mnemonic) + " to " +
                     quote(target.name) + " passes " +
                     plural(v, "argument") + " but " + quote(target.name) +
                     " takes " + num(target.numParams));
            }
          } else if (v > static_cast<int64_t>(opt_.maxStackSize)) {
            fail("argument count " + num(v) + " of " + mn() +
                 " exceeds maxStackSize " + num(opt_.maxStackSize));
          }
          break;
        case OperandKind::Host:
          if (v < 0 || v >= static_cast<int64_t>(p_.hostImports.size())) {
            fail("host import index " + num(v) + " of " + mn() +
                 " out of range [0, " +
                 num(static_cast<int64_t>(p_.hostImports.size())) + ")");
          } else {
            const HostImport& h = p_.hostImports[static_cast<size_t>(v)];
            const bool wantAsync = isAsyncHostOpcode(info->op);
            if (h.async != wantAsync)
              fail(std::string(h.async ? "async" : "sync") +
                   " host function " + quote(h.name) + " called with " + mn() +
                   (h.async ? "; async functions need 'host_call_async' or "
                              "'host_call_args_async'"
                            : "; sync functions need 'host_call' or "
                              "'host_call_args'"));
          }
          break;
        case OperandKind::CallSite:
          if (v < 0) fail("call-site id " + num(v) + " of " + mn() +
                          " is negative");
          break;
        case OperandKind::Local:
          if (v < 0 || v >= static_cast<int64_t>(fn.numLocals))
            fail("local slot " + num(v) + " of " + mn() + " out of range [0, " +
                 num(fn.numLocals) + ")");
          break;
        case OperandKind::Count:
          if (v < 0)
            fail("field count " + num(v) + " of " + mn() + " is negative");
          else if (2 * v > static_cast<int64_t>(opt_.maxStackSize))
            fail("field count " + num(v) + " of " + mn() + " needs " +
                 num(2 * v) + " stack values, more than maxStackSize " +
                 num(opt_.maxStackSize));
          break;
        case OperandKind::TypeName: {
          // Meaningful only together with the Flag operand: flag 1 = constant
          // index of a string type name, flag 0 = anonymous (must be 0).
          const int flagSlot = slotOf(*info, OperandKind::Flag);
          const int64_t flag = flagSlot >= 0 ? operand(in, flagSlot) : 1;
          if (flag == 0) {
            if (v != 0)
              fail(name() + " must be 0 when c is 0 (anonymous struct), got " +
                   num(v));
          } else if (flag == 1) {
            if (v < 0 || v >= static_cast<int64_t>(p_.constants.size()))
              fail("type name constant index " + num(v) + " of " + mn() +
                   " out of range [0, " +
                   num(static_cast<int64_t>(p_.constants.size())) + ")");
            else if (!p_.constants[static_cast<size_t>(v)].isString())
              fail("type name constant " + num(v) + " of " + mn() +
                   " is not a string (kind '" +
                   std::string(kindName(
                       p_.constants[static_cast<size_t>(v)].kind())) +
                   "')");
          }
          // Any other flag value is reported by the Flag check.
          break;
        }
        case OperandKind::Flag:
          if (v != 0 && v != 1) fail(name() + " must be 0 or 1, got " + num(v));
          break;
      }
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
    std::vector<bool> wellFormed(n);
    for (size_t pc = 0; pc < n; ++pc)
      wellFormed[pc] = checkInstr(f, static_cast<uint32_t>(pc));

    if (n == 0) {
      functionError(f, 0,
                    "control falls off the end of the function (missing "
                    "ret?): the function has no instructions");
      return 0;
    }
    return analyseStack(f, wellFormed);
  }

  // Abstract interpretation of the operand-stack depth over the paths
  // reachable from pc 0 and from the catch target of every reachable `try`.
  // Each pc gets one depth (the first path to reach it); a second path with a
  // different depth is an error and is not followed further, so each pc is
  // processed at most once and the analysis is linear in the code size.
  uint32_t analyseStack(uint32_t f, const std::vector<bool>& wellFormed) {
    const Function& fn = p_.functions[f];
    const int64_t n = static_cast<int64_t>(fn.code.size());
    constexpr int64_t kUnseen = -1;
    std::vector<int64_t> depth(static_cast<size_t>(n), kUnseen);
    std::vector<bool> mismatchReported(static_cast<size_t>(n), false);
    std::vector<int64_t> work;
    std::vector<Diagnostic> found;  // sorted by pc before being reported
    int64_t maxDepth = 0;
    bool limitReported = false;

    auto reach = [&](int64_t target, int64_t d) {
      size_t t = static_cast<size_t>(target);
      if (depth[t] == kUnseen) {
        depth[t] = d;
        work.push_back(target);
      } else if (depth[t] != d && !mismatchReported[t]) {
        mismatchReported[t] = true;
        found.push_back(functionDiag(
            f, target,
            "inconsistent stack depth at pc " + num(target) + ": " +
                num(depth[t]) + " on one path, " + num(d) + " on another"));
      }
    };
    auto fallsOff = [&](int64_t pc) {
      found.push_back(functionDiag(
          f, pc, "control falls off the end of the function (missing ret?)"));
    };

    depth[0] = 0;
    work.push_back(0);
    while (!work.empty()) {
      const int64_t pc = work.back();
      work.pop_back();
      const size_t upc = static_cast<size_t>(pc);
      if (!wellFormed[upc]) continue;  // already reported; effects unknown
      const Instr& in = fn.code[upc];
      const OpcodeInfo& info = *opcodeInfo(in.op);
      const int64_t d = depth[upc];
      const int64_t pops = popsOf(info, in);
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

    std::stable_sort(found.begin(), found.end(),
                     [](const Diagnostic& x, const Diagnostic& y) {
                       return x.pc < y.pc;
                     });
    for (Diagnostic& d : found) diags_.push_back(std::move(d));
    return maxDepth > static_cast<int64_t>(UINT32_MAX)
               ? UINT32_MAX
               : static_cast<uint32_t>(maxDepth);
  }

  Program& p_;
  const VerifyOptions& opt_;
  std::string file_;
  std::vector<Diagnostic> diags_;
};

}  // namespace

Status verifyProgram(Program& program, const VerifyOptions& options) {
  return Verifier(program, options).run();
}

}  // namespace brainvm
