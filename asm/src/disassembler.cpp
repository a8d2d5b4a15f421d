// The disassembler: renders a Program as .bvasm text that reassembles to the
// identical image. Anything ordinary syntax cannot reproduce (unknown
// opcodes, out-of-range operands, call sites out of sequence, duplicate
// constants) is written as `.raw`; pool, variable-name and import order are
// pinned by `.pool`, `.varname` and `.import` headers.
#include <cmath>
#include <set>
#include <unordered_map>

#include "asm_internal.h"
#include "brainvm/assembler.h"
#include "brainvm/opcodes.h"

namespace brainvm {
namespace asmx {
namespace {

class Disassembler {
 public:
  explicit Disassembler(const Program& p) : p_(p) {}
  std::string run();

 private:
  void line(std::string s) {
    out_ += s;
    out_ += '\n';
    ++lines_;
  }
  // The next line written will have this number (1-based).
  uint32_t nextLine() const { return lines_ + 1; }
  std::string funcName(uint32_t id) const { return formatName(p_.functions[id].name); }
  bool isFirstFunction(uint32_t id) const {
    return id < firstFunc_.size() && firstFunc_[id];
  }
  // Marks, for each name, whether it is the first with that text: only the
  // first one can be referred to by name.
  template <class T, class Name>
  static std::vector<bool> firstOf(const std::vector<T>& items, Name name) {
    std::vector<bool> out(items.size());
    std::unordered_map<std::string_view, bool> seen;
    for (size_t i = 0; i < items.size(); ++i)
      out[i] = seen.emplace(name(items[i]), true).second;
    return out;
  }
  bool isFirstConst(uint32_t idx) const { return firstConstFlag_[idx]; }
  // How an operand names constant idx: the literal itself, or for long
  // literals a `.const` name declared in the header (keeps output small).
  const std::string& constOperand(uint32_t idx) const { return constText_[idx]; }
  std::vector<std::string> localNames(const Function& f) const;
  // The mnemonic form of an instruction, or empty when it needs `.raw`.
  std::string render(const Function& f, const std::vector<std::string>& locals,
                     uint32_t pc, const std::set<uint32_t>& targets);
  void function(uint32_t id);

  const Program& p_;
  std::string out_;
  uint32_t lines_ = 0;
  std::unordered_map<std::string, uint32_t> firstConst_;  // intern key -> index
  int32_t nextCallSite_ = 1;
  std::vector<bool> firstFunc_, firstVar_, firstHost_, firstConstFlag_;
  std::vector<std::string> constText_;
};

// Literals longer than this are referred to through a `.const` name.
constexpr size_t kInlineLiteralMax = 80;

std::vector<std::string> Disassembler::localNames(const Function& f) const {
  std::vector<std::string> names;
  std::set<std::string> used;
  bool debug = p_.hasDebugInfo && f.localNames.size() == f.numLocals;
  if (debug) {
    for (const std::string& n : f.localNames) used.insert(n);
    if (used.size() != f.localNames.size()) debug = false;
  }
  for (uint32_t i = 0; i < f.numLocals; ++i)
    names.push_back(debug ? f.localNames[i]
                          : (i < f.numParams ? "p" : "l") + std::to_string(i));
  return names;
}

std::string Disassembler::render(const Function& f,
                                 const std::vector<std::string>& locals,
                                 uint32_t pc, const std::set<uint32_t>& targets) {
  const Instr& in = f.code[pc];
  const OpcodeInfo* info = opcodeInfo(in.op);
  if (!info) return {};
  const int32_t ops[3] = {in.a, in.b, in.c};
  std::string text(info->mnemonic);
  const bool async = info->host == HostMode::Async;
  bool usesCallSite = false;
  for (int k = 0; k < 3; ++k) {
    int32_t v = ops[k];
    std::string operand;
    switch (info->operands[k]) {
      case OperandKind::None:
        if (v != 0) return {};
        continue;
      case OperandKind::Const: {
        if (v < 0 || static_cast<size_t>(v) >= p_.constants.size()) return {};
        if (!isFirstConst(static_cast<uint32_t>(v))) return {};
        operand = constOperand(static_cast<uint32_t>(v));
        break;
      }
      case OperandKind::Var:
        if (v < 0 || static_cast<size_t>(v) >= p_.variableNames.size() ||
            !firstVar_[v])
          return {};
        operand = formatName(p_.variableNames[v]);
        break;
      case OperandKind::Offset: {
        int64_t target = int64_t{pc} + v;
        if (target < 0 || target > static_cast<int64_t>(f.code.size())) return {};
        operand = "L" + std::to_string(target);
        (void)targets;
        break;
      }
      case OperandKind::Func:
        if (v < 0 || !isFirstFunction(static_cast<uint32_t>(v))) return {};
        operand = funcName(static_cast<uint32_t>(v));
        break;
      case OperandKind::Argc:
        if (v < 0) return {};
        if (k > 0 && info->operands[k - 1] == OperandKind::Func) {
          if (static_cast<uint32_t>(v) != p_.functions[ops[k - 1]].numParams) return {};
          continue;  // implied by the callee
        }
        operand = std::to_string(v);
        break;
      case OperandKind::Host: {
        if (v < 0 || static_cast<size_t>(v) >= p_.hostImports.size()) return {};
        const HostImport& h = p_.hostImports[v];
        if (h.async != async || !firstHost_[v]) return {};
        operand = formatName(h.name);
        break;
      }
      case OperandKind::CallSite:
        if (v != nextCallSite_) return {};
        usesCallSite = true;
        continue;
      case OperandKind::Local:
        if (v < 0 || static_cast<uint32_t>(v) >= f.numLocals) return {};
        operand = formatName(locals[v]);
        break;
      case OperandKind::Count:
        if (v < 0) return {};
        operand = std::to_string(v);
        break;
      case OperandKind::TypeName: {
        // Valid forms: (b=0, c=0) anonymous or (b=string const, c=1) named.
        int32_t flag = ops[2];
        if (flag == 0) {
          if (v != 0) return {};
          continue;
        }
        if (flag != 1 || v < 0 || static_cast<size_t>(v) >= p_.constants.size() ||
            !p_.constants[v].isString())
          return {};
        if (!isFirstConst(static_cast<uint32_t>(v))) return {};
        operand = constOperand(static_cast<uint32_t>(v));
        break;
      }
      case OperandKind::Flag:
        continue;  // checked with TypeName
    }
    text += ' ';
    text += operand;
  }
  if (usesCallSite) ++nextCallSite_;
  return text;
}

void Disassembler::function(uint32_t id) {
  const Function& f = p_.functions[id];
  std::vector<std::string> locals = localNames(f);
  std::string header = ".func " + funcName(id) + "(";
  for (uint32_t i = 0; i < f.numParams && i < locals.size(); ++i) {
    if (i) header += ", ";
    header += formatName(locals[i]);
  }
  line(header + ")");
  for (uint32_t i = f.numParams; i < f.numLocals; ++i)
    line("  .local " + formatName(locals[i]));

  std::set<uint32_t> targets;
  for (uint32_t pc = 0; pc < f.code.size(); ++pc) {
    const Instr& in = f.code[pc];
    const OpcodeInfo* info = opcodeInfo(in.op);
    if (!info) continue;
    const int32_t ops[3] = {in.a, in.b, in.c};
    for (int k = 0; k < 3; ++k) {
      if (info->operands[k] != OperandKind::Offset) continue;
      int64_t t = int64_t{pc} + ops[k];
      if (t >= 0 && t <= static_cast<int64_t>(f.code.size()))
        targets.insert(static_cast<uint32_t>(t));
    }
  }
  bool debug = p_.hasDebugInfo && f.lines.size() == f.code.size();
  for (uint32_t pc = 0; pc < f.code.size(); ++pc) {
    if (targets.count(pc)) line("L" + std::to_string(pc) + ":");
    std::string text = render(f, locals, pc, targets);
    if (text.empty()) {
      const Instr& in = f.code[pc];
      text = ".raw " + std::to_string(in.op) + " " + std::to_string(in.a) + " " +
             std::to_string(in.b) + " " + std::to_string(in.c);
    }
    if (debug && f.lines[pc] != nextLine())
      line("  .line " + std::to_string(f.lines[pc]));
    std::string l = "  " + text;
    if (l.size() < 36) l.resize(36, ' ');
    else l += ' ';
    line(l + "; pc " + std::to_string(pc));
  }
  if (targets.count(static_cast<uint32_t>(f.code.size())))
    line("L" + std::to_string(f.code.size()) + ":");
  line(".end");
}

std::string Disassembler::run() {
  firstFunc_ = firstOf(p_.functions, [](const Function& f) -> std::string_view { return f.name; });
  firstVar_ = firstOf(p_.variableNames, [](const std::string& n) -> std::string_view { return n; });
  firstHost_ = firstOf(p_.hostImports, [](const HostImport& h) -> std::string_view { return h.name; });
  line("; brainvm disassembly");
  if (p_.hasDebugInfo) line(".source " + quoteString(p_.sourceName));
  std::vector<uint32_t> named;
  for (uint32_t i = 0; i < p_.constants.size(); ++i) {
    Literal lit = Literal::fromValue(p_.constants[i]);
    firstConstFlag_.push_back(firstConst_.emplace(lit.internKey(), i).second);
    std::string text = formatLiteral(lit);
    line(".pool " + text + "  ; const " + std::to_string(i));
    if (text.size() > kInlineLiteralMax && firstConstFlag_.back()) {
      named.push_back(i);
      text = "k" + std::to_string(i);
    }
    constText_.push_back(std::move(text));
  }
  for (uint32_t i : named)
    line(".const k" + std::to_string(i) + " " +
         formatLiteral(Literal::fromValue(p_.constants[i])));
  for (const std::string& n : p_.variableNames) line(".varname " + formatName(n));
  for (const HostImport& h : p_.hostImports)
    line(".import " + formatName(h.name) + (h.async ? " async" : " sync"));
  for (const SharedVar& sv : p_.sharedVars) {
    if (sv.name >= p_.variableNames.size()) continue;
    line(".var " + formatName(p_.variableNames[sv.name]) + " " +
         formatLiteral(Literal::fromValue(sv.initial)));
  }
  std::optional<uint32_t> main = p_.findFunction("main");
  if (p_.entry && *p_.entry < p_.functions.size()) {
    line(".entry " + funcName(*p_.entry));
  } else if (!p_.entry && main) {
    line(".noentry");
  }
  for (uint32_t f : p_.spawns)
    if (f < p_.functions.size()) line(".spawn " + funcName(f));
  for (uint32_t f : p_.rules)
    if (f < p_.functions.size()) line(".rule " + funcName(f));
  for (uint32_t id = 0; id < p_.functions.size(); ++id) {
    line("");
    function(id);
  }
  return std::move(out_);
}

}  // namespace
}  // namespace asmx

std::string disassemble(const Program& program) {
  asmx::Disassembler d(program);
  return d.run();
}

std::string formatInstruction(const Program& p, uint32_t function,
                              uint32_t pc) {
  using asmx::formatLiteral;
  using asmx::formatName;
  using asmx::Literal;
  if (function >= p.functions.size()) return "?";
  const Function& f = p.functions[function];
  if (pc >= f.code.size()) return "?";
  const Instr& in = f.code[pc];
  const OpcodeInfo* info = opcodeInfo(in.op);
  if (!info) return "<opcode " + std::to_string(in.op) + ">";
  auto inRange = [](int32_t v, size_t n) {
    return v >= 0 && static_cast<size_t>(v) < n;
  };
  const int32_t ops[3] = {in.a, in.b, in.c};
  std::string text(info->mnemonic);
  for (int k = 0; k < 3; ++k) {
    const int32_t v = ops[k];
    std::string operand = std::to_string(v);
    switch (info->operands[k]) {
      case OperandKind::None:
      case OperandKind::CallSite:
      case OperandKind::Flag:
        continue;
      case OperandKind::Const:
        if (inRange(v, p.constants.size()))
          operand = formatLiteral(Literal::fromValue(p.constants[v]));
        break;
      case OperandKind::TypeName:
        if (ops[2] != 1) continue;
        if (inRange(v, p.constants.size()))
          operand = formatLiteral(Literal::fromValue(p.constants[v]));
        break;
      case OperandKind::Var:
        if (inRange(v, p.variableNames.size()))
          operand = formatName(p.variableNames[v]);
        break;
      case OperandKind::Offset:
        operand = "-> " + std::to_string(int64_t{pc} + v);
        break;
      case OperandKind::Func:
        if (inRange(v, p.functions.size()))
          operand = formatName(p.functions[v].name);
        break;
      case OperandKind::Host:
        if (inRange(v, p.hostImports.size()))
          operand = formatName(p.hostImports[v].name);
        break;
      case OperandKind::Local:
        if (inRange(v, f.localNames.size()) && !f.localNames[v].empty())
          operand = formatName(f.localNames[v]);
        break;
      case OperandKind::Argc:
      case OperandKind::Count:
        break;
    }
    text += ' ';
    text += operand;
  }
  return text;
}

}  // namespace brainvm
