#include "dap_variables.h"

#include <algorithm>

#include "brainvm/builtins.h"
#include "brainvm/objects.h"

namespace brainvm::dap {

namespace {

constexpr size_t kMaxText = 4096;

bool expandable(const Value& v) {
  return (v.isList() && v.asList()->size() > 0) ||
         (v.isMap() && v.asMap()->size() > 0) ||
         (v.isStruct() && v.asStruct()->fieldCount() > 0);
}

std::string quoted(std::string_view s) {
  std::string out;
  appendQuotedString(out, s);
  return out;
}

}  // namespace

std::string valueText(const Value& v) {
  std::string text = v.isString() ? quoted(v.stringView()) : toDisplayString(v);
  if (text.size() > kMaxText) {
    size_t cut = kMaxText;
    // Not inside a UTF-8 sequence.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
      --cut;
    text.resize(cut);
    text += "...";
  }
  return text;
}

int64_t VariableRefs::scope(Scope scope, FiberId fiber, size_t frame) {
  const auto key = std::make_tuple(static_cast<int>(scope), fiber, frame);
  if (auto it = byScope_.find(key); it != byScope_.end()) return it->second;
  Entry e;
  e.isScope = true;
  e.scope = scope;
  e.fiber = fiber;
  e.frame = frame;
  entries_.push_back(e);
  const auto ref = static_cast<int64_t>(entries_.size());
  byScope_.emplace(key, ref);
  return ref;
}

int64_t VariableRefs::container(const Value& v) {
  if (!expandable(v)) return 0;
  const void* object = v.asObject();
  if (auto it = byObject_.find(object); it != byObject_.end())
    return it->second;
  Entry e;
  e.value = v;
  entries_.push_back(e);
  const auto ref = static_cast<int64_t>(entries_.size());
  byObject_.emplace(object, ref);
  return ref;
}

const VariableRefs::Entry* VariableRefs::find(int64_t ref) const {
  if (ref < 1 || ref > static_cast<int64_t>(entries_.size())) return nullptr;
  return &entries_[static_cast<size_t>(ref - 1)];
}

void VariableRefs::clear() {
  entries_.clear();
  byObject_.clear();
  byScope_.clear();
}

Json variableJson(const std::string& name, const Value& v, VariableRefs& refs) {
  Json out = {{"name", name},
              {"value", valueText(v)},
              {"type", std::string(kindName(v.kind()))},
              {"variablesReference", refs.container(v)}};
  if (v.isList() && v.asList()->size() > 0)
    out["indexedVariables"] = v.asList()->size();
  else if (v.isMap() && v.asMap()->size() > 0)
    out["namedVariables"] = v.asMap()->size();
  else if (v.isStruct() && v.asStruct()->fieldCount() > 0)
    out["namedVariables"] = v.asStruct()->fieldCount();
  return out;
}

std::vector<std::pair<std::string, Value>> children(
    const Value& v, VariablesArguments::Filter filter, int64_t start,
    int64_t count) {
  using Filter = VariablesArguments::Filter;
  std::vector<std::pair<std::string, Value>> out;
  const uint64_t first = static_cast<uint64_t>(start);
  const uint64_t end =
      count > 0 ? first + static_cast<uint64_t>(count) : UINT64_MAX;
  uint64_t i = 0;
  auto add = [&](std::string name, const Value& x) {
    if (i >= first && i < end) out.emplace_back(std::move(name), x);
    ++i;
  };
  if (v.isList() && filter != Filter::Named) {
    const ListObject* l = v.asList();
    for (uint32_t k =
             static_cast<uint32_t>(std::min<uint64_t>(first, l->size()));
         k < l->size() && k < end; ++k)
      out.emplace_back("[" + std::to_string(k) + "]", l->at(k));
  } else if (v.isMap() && filter != Filter::Indexed) {
    v.asMap()->forEach(
        [&](const Value& key, const Value& x) { add(valueText(key), x); });
  } else if (v.isStruct() && filter != Filter::Indexed) {
    const StructObject* s = v.asStruct();
    for (uint32_t k = 0; k < s->fieldCount(); ++k)
      add(std::string(s->field(k).name->view()), s->field(k).value);
  }
  return out;
}

}  // namespace brainvm::dap
