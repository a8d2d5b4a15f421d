// The .bvasm assembler: two passes over the lines of the source. Pass 1
// collects function signatures (so calls, .entry, .spawn and .rule may refer
// forward); pass 2 parses every line, emits code and collects every error.
// Labels and locals are resolved when their function ends.
#include "brainvm/assembler.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <unordered_map>

#include "asm_internal.h"
#include "brainvm/opcodes.h"

namespace brainvm {
namespace asmx {
namespace {

constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

struct FuncSig {
  uint32_t id;
  uint32_t numParams;
  uint32_t line;
};

struct Loc {
  uint32_t line = 0;
  uint32_t col = 0;
  uint32_t len = 0;
  std::string_view text;
};

struct Ref {
  uint32_t pc;
  int slot;
  std::string name;
  bool isIndex = false;
  int64_t index = 0;
  Loc loc;
};

struct Named {
  uint32_t index;
  uint32_t line;
};

struct FuncState {
  bool active = false;
  bool real = false;  // stored in the program (not a duplicate/malformed one)
  uint32_t id = 0;
  Loc loc;  // the .func directive
  Function fn;
  std::unordered_map<std::string, Named> locals;
  std::unordered_map<std::string, Named> labels;
  std::vector<Ref> labelRefs;
  std::vector<Ref> localRefs;
};

struct Header {
  std::string name;
  const Token* nameTok = nullptr;
  std::vector<const Token*> params;
};

const char* const kDirectives[] = {".func",   ".end",    ".local",  ".const",
                                   ".var",    ".entry",  ".noentry", ".spawn",
                                   ".rule",   ".source", ".line",   ".raw",
                                   ".import", ".pool",   ".varname"};

class Assembler {
 public:
  Assembler(std::string_view text, const AssembleOptions& options)
      : text_(text), opt_(options) {}

  Result<Program> run();

 private:
  // ---- diagnostics
  bool full() const { return diags_.size() >= opt_.maxErrors; }
  void errorAt(const Loc& loc, std::string message) {
    if (full()) return;
    Diagnostic d;
    d.message = std::move(message);
    d.file = opt_.fileName;
    d.line = loc.line;
    d.column = loc.col;
    d.length = loc.len;
    d.sourceLine = sanitize(loc.text);
    diags_.push_back(std::move(d));
  }
  Loc locOf(const Token& t) const { return {lineNo_, t.col, t.len, lineText_}; }
  void error(const Token& t, std::string message) {
    errorAt(locOf(t), std::move(message));
  }
  static std::string sanitize(std::string_view s) {
    std::string out(s);
    size_t bad;
    size_t from = 0;
    while (!validUtf8(std::string_view(out).substr(from), &bad)) {
      out[from + bad] = '?';
      from += bad + 1;
    }
    for (char& c : out)
      if (c == '\0') c = '?';
    return out;
  }
  static std::string didYouMean(std::string_view word,
                                const std::vector<std::string_view>& cands) {
    std::string s = suggest(word, cands);
    return s.empty() ? std::string() : " (did you mean '" + s + "'?)";
  }
  template <class Map>
  static std::vector<std::string_view> keys(const Map& m) {
    std::vector<std::string_view> out;
    for (const auto& [k, v] : m) out.push_back(k);
    std::sort(out.begin(), out.end());
    return out;
  }

  // ---- token cursor over the current line
  const Token* peek() const { return i_ < toks_.size() ? &toks_[i_] : nullptr; }
  bool atEnd() const { return i_ >= toks_.size(); }
  void skipComma() {
    if (peek() && peek()->kind == Tok::Comma) ++i_;
  }
  const Token* expect(const Token& anchor, const char* what) {
    if (const Token* t = peek()) return t;
    error(anchor, "missing operand for '" + std::string(anchor.text) +
                      "': expected " + what);
    return nullptr;
  }
  bool expectEnd(const Token& anchor) {
    if (const Token* t = peek()) {
      error(*t, "unexpected extra operand '" + std::string(t->text) +
                    "' for '" + std::string(anchor.text) + "'");
      return false;
    }
    return true;
  }
  std::optional<std::string> name(const Token& anchor, const char* what) {
    const Token* t = expect(anchor, what);
    if (!t) return std::nullopt;
    if (t->kind == Tok::Ident) {
      ++i_;
      return std::string(t->text);
    }
    if (t->kind == Tok::String) {
      ++i_;
      return t->str;
    }
    error(*t, "expected " + std::string(what) + ", found '" +
                  std::string(t->text) + "'");
    return std::nullopt;
  }
  bool integer(const Token& anchor, const char* what, int64_t lo, int64_t hi,
               int64_t& out) {
    const Token* t = expect(anchor, what);
    if (!t) return false;
    if (t->kind != Tok::Number || !parseInteger(t->text, out)) {
      double d;
      std::string reason;
      bool numeric = t->kind == Tok::Number && parseNumber(t->text, d, reason);
      bool bigInt = numeric && t->text.find_first_of(".eEn") == std::string_view::npos;
      if (bigInt)
        error(*t, "integer operand '" + std::string(t->text) +
                      "' is out of range (must be between " +
                      std::to_string(lo) + " and " + std::to_string(hi) + ")");
      else
        error(*t, "expected " + std::string(what) + " (an integer), found '" +
                      std::string(t->text) + "'");
      return false;
    }
    if (out < lo || out > hi) {
      error(*t, "integer operand '" + std::string(t->text) +
                    "' is out of range (must be between " + std::to_string(lo) +
                    " and " + std::to_string(hi) + ")");
      return false;
    }
    ++i_;
    return true;
  }

  // ---- literals and constants
  bool literal(const Token& anchor, Literal& out);
  bool value(const Token& anchor, Literal& out, std::optional<uint32_t>& named);
  uint32_t intern(const Literal& lit) {
    std::string key = lit.internKey();
    auto it = constIndex_.find(key);
    if (it != constIndex_.end()) return it->second;
    return append(lit, std::move(key));
  }
  uint32_t append(const Literal& lit, std::string key) {
    auto idx = static_cast<uint32_t>(poolLits_.size());
    poolLits_.push_back(lit);
    program_.constants.push_back(lit.toValue(*program_.arena));
    constIndex_.emplace(std::move(key), idx);
    return idx;
  }
  uint32_t internVar(const std::string& n) {
    auto [it, inserted] = varIndex_.emplace(
        n, static_cast<uint32_t>(program_.variableNames.size()));
    if (inserted) program_.variableNames.push_back(n);
    return it->second;
  }
  std::optional<uint32_t> importHost(const std::string& n, bool async,
                                     const Token& at);
  std::optional<uint32_t> function(const Token& anchor, const char* what);

  // ---- structure
  bool parseHeader(const Token& directive, Header& h, bool report);
  void collectSignatures();
  void processLine();
  void directive(const Token& head);
  void instruction(const Token& head);
  void defineLabel(const Token& t);
  void startFunction(const Token& head);
  void finishFunction();
  void emit(const Instr& in);
  bool lex(bool report) {
    return lexLine(lineText_, toks_, [&](uint32_t col, uint32_t len, std::string m) {
      if (report) errorAt({lineNo_, col, len, lineText_}, std::move(m));
    });
  }
  template <class F>
  void forEachLine(F&& f) {
    size_t pos = 0;
    lineNo_ = 0;
    while (pos <= text_.size() && !full()) {
      size_t nl = text_.find('\n', pos);
      if (nl == std::string_view::npos) nl = text_.size();
      lineText_ = text_.substr(pos, nl - pos);
      if (!lineText_.empty() && lineText_.back() == '\r') lineText_.remove_suffix(1);
      ++lineNo_;
      f();
      pos = nl + 1;
    }
  }

  std::string_view text_;
  const AssembleOptions& opt_;
  std::vector<Diagnostic> diags_;
  Program program_;

  uint32_t lineNo_ = 0;
  std::string_view lineText_;
  std::vector<Token> toks_;
  size_t i_ = 0;

  std::unordered_map<std::string, FuncSig> sigs_;
  std::vector<std::string> sigOrder_;
  FuncState fn_;
  std::optional<uint32_t> pendingLine_;

  std::vector<Literal> poolLits_;
  std::unordered_map<std::string, uint32_t> constIndex_;
  std::unordered_map<std::string, Named> consts_;
  std::unordered_map<std::string, uint32_t> varIndex_;
  std::unordered_map<std::string, uint32_t> sharedDecl_;  // name -> line
  std::unordered_map<std::string, Named> hostIndex_;
  int32_t nextCallSite_ = 1;

  std::optional<Loc> entryLoc_;
  bool noEntry_ = false;
  std::optional<uint32_t> entry_;
  std::optional<std::string> source_;
  uint32_t sourceLine_ = 0;
};

bool Assembler::literal(const Token& anchor, Literal& out) {
  const Token* t = expect(anchor, "a literal");
  if (!t) return false;
  switch (t->kind) {
    case Tok::Number: {
      std::string reason;
      if (!parseNumber(t->text, out.number, reason)) {
        error(*t, reason);
        return false;
      }
      out.kind = ValueKind::Number;
      ++i_;
      return true;
    }
    case Tok::String:
      out.kind = ValueKind::String;
      out.text = t->str;
      ++i_;
      return true;
    case Tok::Ident: {
      std::string_view w = t->text;
      ++i_;
      if (w == "true" || w == "false") {
        out.kind = ValueKind::Boolean;
        out.boolean = w == "true";
        return true;
      }
      if (w == "nil") {
        out.kind = ValueKind::Nil;
        return true;
      }
      if (w == "nan" || w == "inf") {
        out.kind = ValueKind::Number;
        out.number = w == "nan" ? std::numeric_limits<double>::quiet_NaN()
                                : std::numeric_limits<double>::infinity();
        return true;
      }
      if (w == "err") {
        const char* shape = "malformed error literal: expected err(Tag, \"message\")";
        const Token* p = peek();
        if (!p || p->kind != Tok::LParen) {
          error(*t, shape);
          return false;
        }
        ++i_;
        const Token* tag = peek();
        if (!tag || tag->kind != Tok::Ident) {
          error(tag ? *tag : *t, shape);
          return false;
        }
        if (!parseErrorTag(tag->text, out.tag)) {
          std::vector<std::string_view> tags;
          for (int k = 0; k <= static_cast<int>(ErrorTag::StackUnderflow); ++k)
            tags.push_back(errorTagName(static_cast<ErrorTag>(k)));
          std::string hint = suggest(tag->text, tags);
          error(*tag, "unknown error tag '" + std::string(tag->text) + "'" +
                          (hint.empty() ? std::string(" (expected ScriptError, HostError, Cancelled, Timeout, StackOverflow or StackUnderflow)")
                                        : " (did you mean '" + hint + "'?)"));
          return false;
        }
        ++i_;
        if (peek() && peek()->kind == Tok::Comma) ++i_;
        const Token* msg = peek();
        if (!msg || msg->kind != Tok::String) {
          error(msg ? *msg : *tag, shape);
          return false;
        }
        ++i_;
        const Token* close = peek();
        if (!close || close->kind != Tok::RParen) {
          error(close ? *close : *msg, shape);
          return false;
        }
        ++i_;
        out.kind = ValueKind::Error;
        out.text = msg->str;
        return true;
      }
      --i_;
      break;
    }
    default: break;
  }
  error(*t, "expected a literal, found '" + std::string(t->text) + "'");
  return false;
}

bool Assembler::value(const Token& anchor, Literal& out,
                      std::optional<uint32_t>& named) {
  const Token* t = expect(anchor, "a literal or constant name");
  if (!t) return false;
  if (t->kind == Tok::Ident && !isLiteralKeyword(t->text)) {
    auto it = consts_.find(std::string(t->text));
    if (it == consts_.end()) {
      error(*t, "unknown constant '" + std::string(t->text) + "'" +
                    didYouMean(t->text, keys(consts_)));
      return false;
    }
    ++i_;
    named = it->second.index;
    out = poolLits_[it->second.index];
    return true;
  }
  return literal(anchor, out);
}

std::optional<uint32_t> Assembler::importHost(const std::string& n, bool async,
                                              const Token& at) {
  auto it = hostIndex_.find(n);
  if (it == hostIndex_.end()) {
    auto idx = static_cast<uint32_t>(program_.hostImports.size());
    program_.hostImports.push_back(HostImport{n, async});
    hostIndex_.emplace(n, Named{idx, lineNo_});
    return idx;
  }
  const HostImport& h = program_.hostImports[it->second.index];
  if (h.async != async) {
    error(at, "host function '" + n + "' is used as " +
                  (async ? "async" : "sync") + " here but was imported as " +
                  (h.async ? "async" : "sync") + " at line " +
                  std::to_string(it->second.line));
    return std::nullopt;
  }
  return it->second.index;
}

std::optional<uint32_t> Assembler::function(const Token& anchor,
                                            const char* what) {
  const Token* t = peek();
  auto n = name(anchor, what);
  if (!n) return std::nullopt;
  auto it = sigs_.find(*n);
  if (it == sigs_.end()) {
    std::vector<std::string_view> cands(sigOrder_.begin(), sigOrder_.end());
    error(*t, "unknown function '" + *n + "'" + didYouMean(*n, cands));
    return std::nullopt;
  }
  return it->second.id;
}

bool Assembler::parseHeader(const Token& directive, Header& h, bool report) {
  auto fail = [&](const Token& at, std::string m) {
    if (report) error(at, std::move(m));
    return false;
  };
  const Token* t = peek();
  if (!t) return fail(directive, "missing function name after '.func'");
  if (t->kind != Tok::Ident && t->kind != Tok::String)
    return fail(*t, "expected a function name, found '" + std::string(t->text) + "'");
  h.name = t->kind == Tok::String ? t->str : std::string(t->text);
  h.nameTok = t;
  ++i_;
  if (atEnd()) return true;  // `.func NAME` without parentheses: no params
  if (peek()->kind != Tok::LParen)
    return fail(*peek(), "expected '(' after the function name, found '" +
                             std::string(peek()->text) + "'");
  const Token* open = peek();
  ++i_;
  for (;;) {
    const Token* p = peek();
    if (!p) return fail(*open, "missing ')' to close the parameter list");
    if (p->kind == Tok::RParen) {
      ++i_;
      break;
    }
    if (p->kind != Tok::Ident && p->kind != Tok::String)
      return fail(*p, "expected a parameter name, found '" + std::string(p->text) + "'");
    h.params.push_back(p);
    ++i_;
    skipComma();
  }
  if (const Token* extra = peek())
    return fail(*extra, "unexpected '" + std::string(extra->text) +
                            "' after the parameter list");
  return true;
}

void Assembler::collectSignatures() {
  forEachLine([&] {
    if (!lex(false)) return;
    i_ = 0;
    while (i_ + 1 < toks_.size() && toks_[i_].kind == Tok::Ident &&
           toks_[i_ + 1].kind == Tok::Colon)
      i_ += 2;
    if (atEnd() || toks_[i_].kind != Tok::Directive || toks_[i_].text != ".func")
      return;
    const Token& head = toks_[i_++];
    Header h;
    if (!parseHeader(head, h, false) || sigs_.count(h.name)) return;
    auto id = static_cast<uint32_t>(sigOrder_.size());
    sigs_.emplace(h.name, FuncSig{id, static_cast<uint32_t>(h.params.size()), lineNo_});
    sigOrder_.push_back(h.name);
  });
}

void Assembler::startFunction(const Token& head) {
  if (fn_.active) {
    errorAt(fn_.loc, "function '" + fn_.fn.name +
                         "' is missing its '.end' (a new '.func' starts at line " +
                         std::to_string(lineNo_) + ")");
    finishFunction();
  }
  fn_ = FuncState{};
  fn_.active = true;
  fn_.loc = locOf(head);
  pendingLine_.reset();
  Header h;
  if (!parseHeader(head, h, true)) return;  // body is still checked
  auto it = sigs_.find(h.name);
  if (it != sigs_.end() && it->second.line == lineNo_) {
    fn_.real = true;
    fn_.id = it->second.id;
  } else if (it != sigs_.end()) {
    error(*h.nameTok, "duplicate function '" + h.name +
                          "' (first defined at line " +
                          std::to_string(it->second.line) + ")");
  }
  fn_.fn.name = h.name;
  fn_.fn.numParams = static_cast<uint32_t>(h.params.size());
  for (const Token* p : h.params) {
    std::string pn = p->kind == Tok::String ? p->str : std::string(p->text);
    auto idx = static_cast<uint32_t>(fn_.fn.localNames.size());
    auto [pos, inserted] = fn_.locals.emplace(pn, Named{idx, lineNo_});
    if (!inserted) {
      error(*p, "duplicate parameter '" + pn + "'");
      continue;
    }
    fn_.fn.localNames.push_back(pn);
  }
  fn_.fn.numParams = static_cast<uint32_t>(fn_.fn.localNames.size());
}

void Assembler::finishFunction() {
  Function& f = fn_.fn;
  f.numLocals = static_cast<uint32_t>(f.localNames.size());
  for (const Ref& r : fn_.labelRefs) {
    auto it = fn_.labels.find(r.name);
    if (it == fn_.labels.end()) {
      errorAt(r.loc, "unknown label '" + r.name + "'" +
                         didYouMean(r.name, keys(fn_.labels)));
      continue;
    }
    int32_t* slot = r.slot == 0 ? &f.code[r.pc].a
                    : r.slot == 1 ? &f.code[r.pc].b : &f.code[r.pc].c;
    *slot = static_cast<int32_t>(static_cast<int64_t>(it->second.index) - r.pc);
  }
  for (const Ref& r : fn_.localRefs) {
    int64_t idx = r.index;
    if (!r.isIndex) {
      auto it = fn_.locals.find(r.name);
      if (it == fn_.locals.end()) {
        errorAt(r.loc, "unknown local '" + r.name + "'" +
                           didYouMean(r.name, keys(fn_.locals)));
        continue;
      }
      idx = it->second.index;
    } else if (idx >= f.numLocals) {
      errorAt(r.loc, "local index " + std::to_string(idx) +
                         " is out of range (function '" + f.name + "' has " +
                         std::to_string(f.numLocals) + " local" +
                         (f.numLocals == 1 ? "" : "s") + ")");
      continue;
    }
    int32_t* slot = r.slot == 0 ? &f.code[r.pc].a
                    : r.slot == 1 ? &f.code[r.pc].b : &f.code[r.pc].c;
    *slot = static_cast<int32_t>(idx);
  }
  if (fn_.real) {
    if (!opt_.debugInfo) {
      f.lines.clear();
      f.localNames.clear();
    }
    program_.functions[fn_.id] = std::move(f);
  }
  fn_ = FuncState{};
  pendingLine_.reset();
}

void Assembler::emit(const Instr& in) {
  fn_.fn.code.push_back(in);
  fn_.fn.lines.push_back(pendingLine_.value_or(lineNo_));
  pendingLine_.reset();
}

void Assembler::defineLabel(const Token& t) {
  std::string n(t.text);
  if (!fn_.active) {
    error(t, "label '" + n + "' outside of a function");
    return;
  }
  auto pc = static_cast<uint32_t>(fn_.fn.code.size());
  auto [it, inserted] = fn_.labels.emplace(n, Named{pc, lineNo_});
  if (!inserted)
    error(t, "duplicate label '" + n + "' (first defined at line " +
                 std::to_string(it->second.line) + ")");
}

void Assembler::instruction(const Token& head) {
  const OpcodeInfo* info = opcodeByMnemonic(head.text);
  if (!info) {
    std::vector<std::string_view> names;
    for (int k = 0; k < opcodeCount(); ++k) names.push_back(opcodeTable()[k].mnemonic);
    std::string hint = suggest(head.text, names);
    if (hint.empty()) {
      std::vector<std::string_view> dirs;
      for (const char* d : kDirectives) dirs.push_back(std::string_view(d).substr(1));
      std::string dhint = suggest(head.text, dirs);
      if (!dhint.empty()) hint = "." + dhint;
    }
    error(head, "unknown mnemonic '" + std::string(head.text) + "'" +
                    (hint.empty() ? std::string() : " (did you mean '" + hint + "'?)"));
    return;
  }
  if (!fn_.active) {
    error(head, "instruction '" + std::string(head.text) +
                    "' outside of a function");
    return;
  }
  Instr in;
  in.op = static_cast<uint8_t>(info->op);
  int32_t* slots[3] = {&in.a, &in.b, &in.c};
  const auto pc = static_cast<uint32_t>(fn_.fn.code.size());
  const bool async = info->host == HostMode::Async;
  std::optional<uint32_t> callee;
  std::string calleeName;
  bool typed = false;
  bool ok = true;
  for (int k = 0; k < 3 && ok; ++k) {
    int32_t& slot = *slots[k];
    switch (info->operands[k]) {
      case OperandKind::None: continue;
      case OperandKind::Const: {
        Literal lit;
        std::optional<uint32_t> named;
        ok = value(head, lit, named);
        if (ok) slot = static_cast<int32_t>(named ? *named : intern(lit));
        break;
      }
      case OperandKind::Var: {
        auto n = name(head, "a variable name");
        ok = n.has_value();
        if (ok) slot = static_cast<int32_t>(internVar(*n));
        break;
      }
      case OperandKind::Offset: {
        const Token* t = expect(head, "a label");
        if (!t) {
          ok = false;
        } else if (t->kind != Tok::Ident) {
          error(*t, "expected a label, found '" + std::string(t->text) + "'");
          ok = false;
        } else {
          fn_.labelRefs.push_back(Ref{pc, k, std::string(t->text), false, 0, locOf(*t)});
          ++i_;
        }
        break;
      }
      case OperandKind::Func: {
        const Token* t = peek();
        callee = function(head, "a function name");
        if (callee) {
          slot = static_cast<int32_t>(*callee);
          calleeName = sigOrder_[*callee];
        } else if (!t || (t->kind != Tok::Ident && t->kind != Tok::String)) {
          ok = false;
        }
        break;
      }
      case OperandKind::Argc: {
        bool optional = k > 0 && info->operands[k - 1] == OperandKind::Func;
        if (optional) {
          uint32_t params = callee ? sigs_[calleeName].numParams : 0;
          if (atEnd()) {
            slot = static_cast<int32_t>(params);
            break;
          }
          const Token* t = peek();
          int64_t n;
          ok = integer(head, "an argument count", 0, kInt32Max, n);
          if (ok && callee && n != params)
            error(*t, "call to '" + calleeName + "' passes " + std::to_string(n) +
                          " argument" + (n == 1 ? "" : "s") + " but '" +
                          calleeName + "' takes " + std::to_string(params));
          if (ok) slot = static_cast<int32_t>(n);
        } else {
          int64_t n;
          ok = integer(head, "an argument count", 0, kInt32Max, n);
          if (ok) slot = static_cast<int32_t>(n);
        }
        break;
      }
      case OperandKind::Host: {
        const Token* t = peek();
        auto n = name(head, "a host function name");
        ok = n.has_value();
        if (ok) {
          auto idx = importHost(*n, async, *t);
          if (idx) slot = static_cast<int32_t>(*idx);
        }
        break;
      }
      case OperandKind::CallSite: slot = nextCallSite_++; continue;
      case OperandKind::Local: {
        const Token* t = expect(head, "a local name or index");
        if (!t) {
          ok = false;
        } else if (t->kind == Tok::Number) {
          int64_t n;
          ok = integer(head, "a local index", 0, kInt32Max, n);
          if (ok) fn_.localRefs.push_back(Ref{pc, k, {}, true, n, locOf(*t)});
        } else if (t->kind == Tok::Ident || t->kind == Tok::String) {
          std::string n = t->kind == Tok::String ? t->str : std::string(t->text);
          fn_.localRefs.push_back(Ref{pc, k, n, false, 0, locOf(*t)});
          ++i_;
        } else {
          error(*t, "expected a local name or index, found '" + std::string(t->text) + "'");
          ok = false;
        }
        break;
      }
      case OperandKind::Count: {
        int64_t n;
        ok = integer(head, "a field count", 0, kInt32Max, n);
        if (ok) slot = static_cast<int32_t>(n);
        break;
      }
      case OperandKind::TypeName: {
        const Token* t = peek();
        if (!t) break;
        if (t->kind == Tok::Ident && consts_.count(std::string(t->text)) &&
            poolLits_[consts_[std::string(t->text)].index].kind == ValueKind::String) {
          slot = static_cast<int32_t>(consts_[std::string(t->text)].index);
          typed = true;
          ++i_;
          break;
        }
        if (t->kind != Tok::String) {
          error(*t, "expected a type name string, found '" + std::string(t->text) + "'");
          ok = false;
          break;
        }
        Literal lit;
        lit.kind = ValueKind::String;
        lit.text = t->str;
        slot = static_cast<int32_t>(intern(lit));
        typed = true;
        ++i_;
        break;
      }
      case OperandKind::Flag: slot = typed ? 1 : 0; continue;
    }
    skipComma();
  }
  if (ok) expectEnd(head);
  emit(in);
}

void Assembler::directive(const Token& head) {
  std::string_view d = head.text;
  if (d == ".func") {
    startFunction(head);
    return;
  }
  if (d == ".end") {
    expectEnd(head);
    if (!fn_.active) {
      error(head, "'.end' without a matching '.func'");
      return;
    }
    finishFunction();
    return;
  }
  if (d == ".local") {
    const Token* t = peek();
    auto n = name(head, "a local name");
    if (!n || !expectEnd(head)) return;
    if (!fn_.active) {
      error(head, "'.local' outside of a function");
      return;
    }
    auto idx = static_cast<uint32_t>(fn_.fn.localNames.size());
    auto [it, inserted] = fn_.locals.emplace(*n, Named{idx, lineNo_});
    if (!inserted) {
      error(*t, "duplicate local '" + *n + "' (first declared at line " +
                    std::to_string(it->second.line) + ")");
      return;
    }
    fn_.fn.localNames.push_back(*n);
    return;
  }
  if (d == ".const") {
    const Token* t = expect(head, "a constant name");
    if (!t) return;
    if (t->kind != Tok::Ident) {
      error(*t, "expected a constant name, found '" + std::string(t->text) + "'");
      return;
    }
    if (isLiteralKeyword(t->text)) {
      error(*t, "'" + std::string(t->text) + "' is a literal and cannot name a constant");
      return;
    }
    ++i_;
    skipComma();
    Literal lit;
    if (!literal(head, lit) || !expectEnd(head)) return;
    std::string n(t->text);
    if (auto it = consts_.find(n); it != consts_.end()) {
      error(*t, "duplicate constant '" + n + "' (first defined at line " +
                    std::to_string(it->second.line) + ")");
      return;
    }
    consts_.emplace(n, Named{intern(lit), lineNo_});
    return;
  }
  if (d == ".var") {
    const Token* t = peek();
    auto n = name(head, "a variable name");
    if (!n) return;
    skipComma();
    Literal lit;
    std::optional<uint32_t> named;
    if (!atEnd() && !value(head, lit, named)) return;
    if (!expectEnd(head)) return;
    auto [it, inserted] = sharedDecl_.emplace(*n, lineNo_);
    if (!inserted) {
      error(*t, "duplicate variable '" + *n + "' (first declared at line " +
                    std::to_string(it->second) + ")");
      return;
    }
    program_.sharedVars.push_back(
        SharedVar{internVar(*n), lit.toValue(*program_.arena)});
    return;
  }
  if (d == ".entry" || d == ".noentry") {
    std::optional<uint32_t> f;
    if (d == ".entry") {
      f = function(head, "a function name");
      if (!f) return;
    }
    if (!expectEnd(head)) return;
    if (entryLoc_) {
      error(head, "duplicate '" + std::string(d) + "' (the entry was already set at line " +
                      std::to_string(entryLoc_->line) + ")");
      return;
    }
    entryLoc_ = locOf(head);
    entry_ = f;
    noEntry_ = !f;
    return;
  }
  if (d == ".spawn" || d == ".rule") {
    auto f = function(head, "a function name");
    if (!f || !expectEnd(head)) return;
    (d == ".spawn" ? program_.spawns : program_.rules).push_back(*f);
    return;
  }
  if (d == ".source") {
    const Token* t = expect(head, "a file name string");
    if (!t) return;
    if (t->kind != Tok::String) {
      error(*t, "expected a file name string, found '" + std::string(t->text) + "'");
      return;
    }
    ++i_;
    if (!expectEnd(head)) return;
    if (source_) {
      error(head, "duplicate '.source' (first at line " + std::to_string(sourceLine_) + ")");
      return;
    }
    source_ = t->str;
    sourceLine_ = lineNo_;
    return;
  }
  if (d == ".line") {
    int64_t n;
    if (!integer(head, "a line number", 0, std::numeric_limits<uint32_t>::max(), n) ||
        !expectEnd(head))
      return;
    pendingLine_ = static_cast<uint32_t>(n);
    return;
  }
  if (d == ".raw") {
    int64_t op;
    if (!integer(head, "an opcode number", 0, 255, op)) return;
    Instr in;
    in.op = static_cast<uint8_t>(op);
    int32_t* slots[3] = {&in.a, &in.b, &in.c};
    for (int32_t* slot : slots) {
      skipComma();
      if (atEnd()) break;
      int64_t v;
      if (!integer(head, "an operand", kInt32Min, kInt32Max, v)) return;
      *slot = static_cast<int32_t>(v);
    }
    skipComma();
    if (!expectEnd(head)) return;
    if (!fn_.active) {
      error(head, "'.raw' outside of a function");
      return;
    }
    emit(in);
    return;
  }
  if (d == ".import") {
    const Token* t = peek();
    auto n = name(head, "a host function name");
    if (!n) return;
    skipComma();
    const Token* k = expect(head, "'sync' or 'async'");
    if (!k) return;
    if (k->kind != Tok::Ident || (k->text != "sync" && k->text != "async")) {
      error(*k, "expected 'sync' or 'async', found '" + std::string(k->text) + "'");
      return;
    }
    ++i_;
    if (!expectEnd(head)) return;
    (void)importHost(*n, k->text == "async", *t);
    return;
  }
  if (d == ".pool") {
    Literal lit;
    if (!literal(head, lit) || !expectEnd(head)) return;
    std::string key = lit.internKey();
    if (constIndex_.count(key)) {
      auto idx = static_cast<uint32_t>(poolLits_.size());
      poolLits_.push_back(lit);
      program_.constants.push_back(lit.toValue(*program_.arena));
      (void)idx;
    } else {
      append(lit, std::move(key));
    }
    return;
  }
  if (d == ".varname") {
    auto n = name(head, "a variable name");
    if (!n || !expectEnd(head)) return;
    internVar(*n);
    return;
  }
  std::vector<std::string_view> dirs(std::begin(kDirectives), std::end(kDirectives));
  error(head, "unknown directive '" + std::string(d) + "'" + didYouMean(d, dirs));
}

void Assembler::processLine() {
  if (!lex(true)) return;
  i_ = 0;
  while (i_ + 1 < toks_.size() && toks_[i_].kind == Tok::Ident &&
         toks_[i_ + 1].kind == Tok::Colon) {
    defineLabel(toks_[i_]);
    i_ += 2;
  }
  if (atEnd()) return;
  const Token& head = toks_[i_++];
  if (head.kind == Tok::Directive) {
    directive(head);
  } else if (head.kind == Tok::Ident) {
    instruction(head);
  } else {
    error(head, "expected a label, directive or instruction, found '" +
                    std::string(head.text) + "'");
  }
}

Result<Program> Assembler::run() {
  if (text_.size() > opt_.maxInputBytes) {
    Diagnostic d;
    d.file = opt_.fileName;
    d.message = "input is " + std::to_string(text_.size()) +
                " bytes, more than the limit of " +
                std::to_string(opt_.maxInputBytes);
    return Error(ErrorCode::AssemblyError, std::vector<Diagnostic>{std::move(d)});
  }
  collectSignatures();
  program_.functions.resize(sigOrder_.size());
  forEachLine([&] { processLine(); });
  if (fn_.active) {
    errorAt(fn_.loc, "function '" + fn_.fn.name + "' is missing its '.end'");
    finishFunction();
  }
  if (!diags_.empty()) {
    std::stable_sort(diags_.begin(), diags_.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                       return a.line != b.line ? a.line < b.line : a.column < b.column;
                     });
    return Error(ErrorCode::AssemblyError, std::move(diags_));
  }
  if (entryLoc_) {
    program_.entry = entry_;
  } else if (auto it = sigs_.find("main"); it != sigs_.end()) {
    program_.entry = it->second.id;
  }
  program_.hasDebugInfo = opt_.debugInfo;
  if (opt_.debugInfo) program_.sourceName = source_ ? *source_ : opt_.fileName;
  return std::move(program_);
}

}  // namespace
}  // namespace asmx

Result<Program> assemble(std::string_view text, const AssembleOptions& options) {
  asmx::Assembler a(text, options);
  return a.run();
}

}  // namespace brainvm
