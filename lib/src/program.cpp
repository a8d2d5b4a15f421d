#include "brainvm/program.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace brainvm {

ConstantArena::~ConstantArena() {
  for (Object* o : objects_) {
    if (o->type() == ObjectType::Error) {
      static_cast<ErrorObject*>(o)->~ErrorObject();
    }
    std::free(o);
  }
}

const StringObject* ConstantArena::string(std::string_view s) {
  void* mem = std::malloc(sizeof(StringObject) + s.size());
  if (!mem) throw std::bad_alloc();
  auto* str = new (mem) StringObject();
  str->length_ = static_cast<uint32_t>(s.size());
  str->hash_ = StringObject::hashBytes(s);
  if (!s.empty()) std::memcpy(str->data_, s.data(), s.size());
  str->data_[s.size()] = '\0';
  str->permanent_ = true;
  objects_.push_back(str);
  return str;
}

const ErrorObject* ConstantArena::error(ErrorTag tag, std::string_view message) {
  const StringObject* msg = string(message);
  void* mem = std::malloc(sizeof(ErrorObject));
  if (!mem) throw std::bad_alloc();
  auto* err = new (mem) ErrorObject();
  err->tag_ = tag;
  err->message_ = msg;
  err->permanent_ = true;
  objects_.push_back(err);
  return err;
}

std::optional<uint32_t> Program::findFunction(std::string_view name) const {
  for (uint32_t i = 0; i < functions.size(); ++i)
    if (functions[i].name == name) return i;
  return std::nullopt;
}

std::optional<uint32_t> Program::findVariable(std::string_view name) const {
  for (uint32_t i = 0; i < variableNames.size(); ++i)
    if (variableNames[i] == name) return i;
  return std::nullopt;
}

uint32_t Program::lineOf(uint32_t function, uint32_t pc) const {
  if (function >= functions.size()) return 0;
  const auto& lines = functions[function].lines;
  return pc < lines.size() ? lines[pc] : 0;
}

void Program::stripDebugInfo() {
  hasDebugInfo = false;
  sourceName.clear();
  for (Function& f : functions) {
    f.lines.clear();
    f.localNames.clear();
  }
}

bool isConstantKind(ValueKind kind) {
  switch (kind) {
    case ValueKind::Nil:
    case ValueKind::Boolean:
    case ValueKind::Number:
    case ValueKind::String:
    case ValueKind::Error: return true;
    default: return false;
  }
}

}  // namespace brainvm
