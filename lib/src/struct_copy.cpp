#include "struct_copy.h"

#include <unordered_map>
#include <vector>

#include "brainvm/objects.h"

namespace brainvm {

bool copyStructValue(Heap& heap, Value& v) {
  // Iterative, so arbitrarily deep nesting cannot overflow the C++ stack.
  std::unordered_map<const StructObject*, StructObject*> copies;
  std::vector<const StructObject*> order;
  std::vector<const StructObject*> work{v.asStruct()};
  while (!work.empty()) {
    const StructObject* s = work.back();
    work.pop_back();
    if (copies.count(s)) continue;
    StructObject* c = heap.newStruct(s->typeName(), s->fieldCount());
    if (!c) return false;
    copies.emplace(s, c);
    order.push_back(s);
    for (uint32_t i = 0; i < s->fieldCount(); ++i)
      if (s->field(i).value.isStruct()) work.push_back(s->field(i).value.asStruct());
  }
  for (const StructObject* s : order) {
    StructObject* c = copies[s];
    for (uint32_t i = 0; i < s->fieldCount(); ++i) {
      Value fv = s->field(i).value;
      if (fv.isStruct()) fv = Value::object(copies[fv.asStruct()]);
      if (!heap.structSet(c, s->field(i).name, fv)) return false;
    }
  }
  v = Value::object(copies[v.asStruct()]);
  return true;
}

}  // namespace brainvm
