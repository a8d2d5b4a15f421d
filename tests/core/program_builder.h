// A small builder for brainvm::Program in tests: named functions, interned
// constants, variable names and host imports, and labels so that jump offsets
// (relative to the jump's own pc) never have to be counted by hand.
//
//   ProgramBuilder pb;
//   auto& f = pb.func("main");
//   f.k(1).label("top").dup().jf("end").jmp("top").label("end").ret();
//   Program p = pb.build();          // "main" becomes the entry if it exists
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "brainvm/opcodes.h"
#include "brainvm/program.h"
#include "brainvm/value.h"

namespace brainvm::test {

class ProgramBuilder;

class FnBuilder {
 public:
  FnBuilder(ProgramBuilder& pb, std::string name, uint32_t params,
            uint32_t locals)
      : pb_(pb) {
    fn_.name = std::move(name);
    fn_.numParams = params;
    fn_.numLocals = locals < params ? params : locals;
  }

  // Any instruction, operands as given.
  FnBuilder& op(Opcode o, int32_t a = 0, int32_t b = 0, int32_t c = 0) {
    fn_.code.push_back(Instr{static_cast<uint8_t>(o), a, b, c});
    fn_.lines.push_back(nextLine_ ? nextLine_++ : 0);
    return *this;
  }
  // Subsequent instructions record source lines n, n+1, ...
  FnBuilder& line(uint32_t n) {
    nextLine_ = n;
    return *this;
  }
  uint32_t pc() const { return static_cast<uint32_t>(fn_.code.size()); }

  // Labels: define one at the current pc; jump-like instructions refer to it.
  FnBuilder& label(const std::string& name) {
    EXPECT_FALSE(labels_.count(name)) << "duplicate label " << name;
    labels_[name] = pc();
    return *this;
  }
  FnBuilder& toLabel(Opcode o, const std::string& name) {
    fixups_.push_back({pc(), name});
    return op(o, 0);
  }

  // --- constants ---
  FnBuilder& k(double d);
  FnBuilder& ks(std::string_view s);
  FnBuilder& knil();
  FnBuilder& kbool(bool b);
  FnBuilder& kerr(ErrorTag tag, std::string_view message);
  FnBuilder& pushConst(uint32_t index) { return op(Opcode::PushConst, int32_t(index)); }

  // --- stack ---
  FnBuilder& pop() { return op(Opcode::Pop); }
  FnBuilder& dup() { return op(Opcode::Dup); }
  FnBuilder& swap() { return op(Opcode::Swap); }

  // --- variables and locals ---
  FnBuilder& loadVar(std::string_view name);
  FnBuilder& storeVar(std::string_view name);
  FnBuilder& loadLocal(uint32_t i) { return op(Opcode::LoadLocal, int32_t(i)); }
  FnBuilder& storeLocal(uint32_t i) { return op(Opcode::StoreLocal, int32_t(i)); }

  // --- control ---
  FnBuilder& jmp(const std::string& l) { return toLabel(Opcode::Jmp, l); }
  FnBuilder& jf(const std::string& l) { return toLabel(Opcode::JmpIfFalse, l); }
  FnBuilder& jt(const std::string& l) { return toLabel(Opcode::JmpIfTrue, l); }
  FnBuilder& tryTo(const std::string& l) { return toLabel(Opcode::Try, l); }
  FnBuilder& whenEnd(const std::string& l) { return toLabel(Opcode::WhenEnd, l); }
  FnBuilder& endTry() { return op(Opcode::EndTry); }
  FnBuilder& throw_() { return op(Opcode::Throw); }
  FnBuilder& whenStart() { return op(Opcode::WhenStart); }
  FnBuilder& doStart() { return op(Opcode::DoStart); }
  FnBuilder& doEnd() { return op(Opcode::DoEnd); }
  FnBuilder& yield_() { return op(Opcode::Yield); }
  FnBuilder& await_() { return op(Opcode::Await); }
  FnBuilder& ret() { return op(Opcode::Ret); }
  // call by function name (resolved at build time); argc defaults to the
  // callee's parameter count.
  FnBuilder& call(const std::string& fn, int32_t argc = -1) {
    calls_.push_back({pc(), fn, argc});
    return op(Opcode::Call, 0, argc < 0 ? 0 : argc);
  }

  // --- host calls (imports are interned by name; call sites numbered 1..) ---
  FnBuilder& host(std::string_view name, uint32_t argc);        // host_call_args
  FnBuilder& hostAsync(std::string_view name, uint32_t argc);   // ..._args_async
  FnBuilder& hostMap(std::string_view name);                    // host_call
  FnBuilder& hostMapAsync(std::string_view name);               // host_call_async

  // --- lists, maps, structs ---
  FnBuilder& listNew() { return op(Opcode::ListNew); }
  FnBuilder& listPush() { return op(Opcode::ListPush); }
  FnBuilder& listGet() { return op(Opcode::ListGet); }
  FnBuilder& listSet() { return op(Opcode::ListSet); }
  FnBuilder& listLen() { return op(Opcode::ListLen); }
  FnBuilder& mapNew() { return op(Opcode::MapNew); }
  FnBuilder& mapSet() { return op(Opcode::MapSet); }
  FnBuilder& mapGet() { return op(Opcode::MapGet); }
  FnBuilder& mapHas() { return op(Opcode::MapHas); }
  FnBuilder& mapDelete() { return op(Opcode::MapDelete); }
  // struct_new with `count` pairs; a non-empty typeName makes it typed.
  FnBuilder& structNew(uint32_t count, std::string_view typeName = {});
  FnBuilder& structGet() { return op(Opcode::StructGet); }
  FnBuilder& structSet() { return op(Opcode::StructSet); }
  FnBuilder& getField() { return op(Opcode::GetField); }
  FnBuilder& setField() { return op(Opcode::SetField); }

 private:
  friend class ProgramBuilder;
  struct Fixup {
    uint32_t pc;
    std::string label;
  };
  struct CallFixup {
    uint32_t pc;
    std::string fn;
    int32_t argc;
  };
  ProgramBuilder& pb_;
  Function fn_;
  std::map<std::string, uint32_t> labels_;
  std::vector<Fixup> fixups_;
  std::vector<CallFixup> calls_;
  uint32_t nextLine_ = 0;
};

class ProgramBuilder {
 public:
  FnBuilder& func(std::string name, uint32_t params = 0, uint32_t locals = 0) {
    fns_.emplace_back(*this, std::move(name), params, locals);
    return fns_.back();
  }

  // Constant-pool entries (appended, not interned, except through the
  // interning helpers below).
  uint32_t constant(const Value& v) {
    p_.constants.push_back(v);
    return static_cast<uint32_t>(p_.constants.size() - 1);
  }
  uint32_t num(double d) {
    for (size_t i = 0; i < p_.constants.size(); ++i) {
      const Value& c = p_.constants[i];
      if (c.isNumber() && sameBits(c.asNumber(), d)) return uint32_t(i);
    }
    return constant(Value::number(d));
  }
  uint32_t str(std::string_view s) {
    for (size_t i = 0; i < p_.constants.size(); ++i) {
      const Value& c = p_.constants[i];
      if (c.isString() && c.stringView() == s) return uint32_t(i);
    }
    return constant(strValue(s));
  }
  uint32_t nil() {
    for (size_t i = 0; i < p_.constants.size(); ++i)
      if (p_.constants[i].isNil()) return uint32_t(i);
    return constant(Value());
  }
  uint32_t boolean(bool b) {
    for (size_t i = 0; i < p_.constants.size(); ++i) {
      const Value& c = p_.constants[i];
      if (c.isBool() && c.asBool() == b) return uint32_t(i);
    }
    return constant(Value::boolean(b));
  }
  uint32_t err(ErrorTag tag, std::string_view message) {
    return constant(Value::object(
        const_cast<ErrorObject*>(p_.arena->error(tag, message))));
  }
  // A permanent string value owned by the program's arena.
  Value strValue(std::string_view s) {
    return Value::object(const_cast<StringObject*>(p_.arena->string(s)));
  }

  uint32_t var(std::string_view name) {
    for (size_t i = 0; i < p_.variableNames.size(); ++i)
      if (p_.variableNames[i] == name) return uint32_t(i);
    p_.variableNames.emplace_back(name);
    return static_cast<uint32_t>(p_.variableNames.size() - 1);
  }
  // A shared-scope variable (`.var NAME LITERAL`).
  ProgramBuilder& shared(std::string_view name, Value initial = Value()) {
    p_.sharedVars.push_back(SharedVar{var(name), initial});
    return *this;
  }
  uint32_t import(std::string_view name, bool async) {
    for (size_t i = 0; i < p_.hostImports.size(); ++i)
      if (p_.hostImports[i].name == name) {
        EXPECT_EQ(p_.hostImports[i].async, async) << name;
        return uint32_t(i);
      }
    p_.hostImports.push_back(HostImport{std::string(name), async});
    return static_cast<uint32_t>(p_.hostImports.size() - 1);
  }
  int32_t nextCallSite() { return ++callSites_; }

  ProgramBuilder& entry(std::string name) {
    entry_ = std::move(name);
    return *this;
  }
  ProgramBuilder& noEntry() {
    noEntry_ = true;
    return *this;
  }
  ProgramBuilder& spawn(std::string name) {
    spawns_.push_back(std::move(name));
    return *this;
  }
  ProgramBuilder& rule(std::string name) {
    rules_.push_back(std::move(name));
    return *this;
  }
  // Keep Function::lines (source lines) in the built program.
  ProgramBuilder& debugInfo(std::string source = "test.bvasm") {
    debug_ = true;
    p_.sourceName = std::move(source);
    return *this;
  }

  // Resolves labels and calls; "main" is the entry unless another was named
  // (or noEntry() was called).
  Program build() {
    Program p = p_;
    p.functions.clear();
    for (FnBuilder& fb : fns_) p.functions.push_back(fb.fn_);
    for (size_t fi = 0; fi < fns_.size(); ++fi) {
      FnBuilder& fb = fns_[fi];
      Function& f = p.functions[fi];
      for (const auto& fx : fb.fixups_) {
        auto it = fb.labels_.find(fx.label);
        if (it == fb.labels_.end()) {
          ADD_FAILURE() << "unknown label " << fx.label << " in " << f.name;
          continue;
        }
        f.code[fx.pc].a = int32_t(it->second) - int32_t(fx.pc);
      }
      for (const auto& c : fb.calls_) {
        std::optional<uint32_t> id = p.findFunction(c.fn);
        if (!id) {
          ADD_FAILURE() << "unknown function " << c.fn;
          continue;
        }
        f.code[c.pc].a = int32_t(*id);
        f.code[c.pc].b =
            c.argc < 0 ? int32_t(p.functions[*id].numParams) : c.argc;
      }
      if (!debug_) f.lines.clear();
    }
    p.hasDebugInfo = debug_;
    auto find = [&](const std::string& n) -> uint32_t {
      std::optional<uint32_t> id = p.findFunction(n);
      if (!id) ADD_FAILURE() << "unknown function " << n;
      return id.value_or(0);
    };
    if (!noEntry_) {
      if (entry_)
        p.entry = find(*entry_);
      else if (std::optional<uint32_t> m = p.findFunction("main"))
        p.entry = *m;
    }
    for (const auto& s : spawns_) p.spawns.push_back(find(s));
    for (const auto& r : rules_) p.rules.push_back(find(r));
    return p;
  }

 private:
  static bool sameBits(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
  }
  Program p_;
  std::deque<FnBuilder> fns_;
  std::optional<std::string> entry_;
  bool noEntry_ = false;
  bool debug_ = false;
  std::vector<std::string> spawns_;
  std::vector<std::string> rules_;
  int32_t callSites_ = 0;
};

inline FnBuilder& FnBuilder::k(double d) { return pushConst(pb_.num(d)); }
inline FnBuilder& FnBuilder::ks(std::string_view s) { return pushConst(pb_.str(s)); }
inline FnBuilder& FnBuilder::knil() { return pushConst(pb_.nil()); }
inline FnBuilder& FnBuilder::kbool(bool b) { return pushConst(pb_.boolean(b)); }
inline FnBuilder& FnBuilder::kerr(ErrorTag tag, std::string_view message) {
  return pushConst(pb_.err(tag, message));
}
inline FnBuilder& FnBuilder::loadVar(std::string_view name) {
  return op(Opcode::LoadVar, int32_t(pb_.var(name)));
}
inline FnBuilder& FnBuilder::storeVar(std::string_view name) {
  return op(Opcode::StoreVar, int32_t(pb_.var(name)));
}
inline FnBuilder& FnBuilder::host(std::string_view name, uint32_t argc) {
  return op(Opcode::HostCallArgs, int32_t(pb_.import(name, false)),
            int32_t(argc), pb_.nextCallSite());
}
inline FnBuilder& FnBuilder::hostAsync(std::string_view name, uint32_t argc) {
  return op(Opcode::HostCallArgsAsync, int32_t(pb_.import(name, true)),
            int32_t(argc), pb_.nextCallSite());
}
inline FnBuilder& FnBuilder::hostMap(std::string_view name) {
  return op(Opcode::HostCall, int32_t(pb_.import(name, false)), 0,
            pb_.nextCallSite());
}
inline FnBuilder& FnBuilder::hostMapAsync(std::string_view name) {
  return op(Opcode::HostCallAsync, int32_t(pb_.import(name, true)), 0,
            pb_.nextCallSite());
}
inline FnBuilder& FnBuilder::structNew(uint32_t count,
                                       std::string_view typeName) {
  if (typeName.empty()) return op(Opcode::StructNew, int32_t(count), 0, 0);
  return op(Opcode::StructNew, int32_t(count), int32_t(pb_.str(typeName)), 1);
}

}  // namespace brainvm::test
