// The program model: what an image holds and what the assembler produces.
// A Program is immutable once loaded and may be shared by many runtimes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "brainvm/objects.h"
#include "brainvm/value.h"

namespace brainvm {

// One instruction as stored in an image. `op` is the raw opcode byte (it may
// be an unknown number until the verifier has run).
struct Instr {
  uint8_t op = 0;
  int32_t a = 0;
  int32_t b = 0;
  int32_t c = 0;
  bool operator==(const Instr&) const = default;
};

// Owns the permanent string and error objects that constants point to.
class ConstantArena {
 public:
  ConstantArena() = default;
  ConstantArena(const ConstantArena&) = delete;
  ConstantArena& operator=(const ConstantArena&) = delete;
  ~ConstantArena();

  const StringObject* string(std::string_view s);
  const ErrorObject* error(ErrorTag tag, std::string_view message);

 private:
  std::vector<Object*> objects_;
};

struct HostImport {
  std::string name;
  bool async = false;
  bool operator==(const HostImport&) const = default;
};

// A shared-scope variable declared by the program (`.var NAME [LITERAL]`).
struct SharedVar {
  uint32_t name = 0;  // index into Program::variableNames
  Value initial;      // an immutable constant-kind value
};

struct Function {
  std::string name;
  uint32_t numParams = 0;
  uint32_t numLocals = 0;  // >= numParams; params are locals 0..numParams-1
  std::vector<Instr> code;
  // Computed by the verifier: the deepest operand stack (not counting locals).
  uint32_t maxStack = 0;

  // Debug info (empty when stripped): source line per instruction and names
  // of the locals (params first).
  std::vector<uint32_t> lines;
  std::vector<std::string> localNames;
};

struct Program {
  // Constants: nil, booleans, numbers, strings and errors only.
  std::vector<Value> constants;
  std::vector<std::string> variableNames;
  std::vector<SharedVar> sharedVars;
  std::vector<HostImport> hostImports;
  std::vector<Function> functions;
  std::optional<uint32_t> entry;  // function id
  std::vector<uint32_t> spawns;   // function ids, in order
  std::vector<uint32_t> rules;    // function ids, in order

  // Debug info.
  bool hasDebugInfo = false;
  std::string sourceName;

  // Owner of the objects constants point to. Shared so that copies of a
  // Program keep their constants alive.
  std::shared_ptr<ConstantArena> arena = std::make_shared<ConstantArena>();

  std::optional<uint32_t> findFunction(std::string_view name) const;
  std::optional<uint32_t> findVariable(std::string_view name) const;
  // Source line of function f at pc, or 0 if unknown.
  uint32_t lineOf(uint32_t function, uint32_t pc) const;
  // Drops all debug info (function names stay: they are part of the program).
  void stripDebugInfo();
};

// Is a value allowed in the constant pool (nil, boolean, number, string,
// error)?
bool isConstantKind(ValueKind kind);

}  // namespace brainvm
