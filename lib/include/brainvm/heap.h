// A per-runtime heap of objects with byte accounting, a hard memory cap and a
// non-moving mark-and-sweep collector (see docs/memory.md). Allocation never
// collects: collection only runs at safe points chosen by the runtime, so a
// host function may hold fresh objects in C++ locals until it returns.
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "brainvm/objects.h"
#include "brainvm/value.h"

namespace brainvm {

class StateWriter;
class StateReader;

class Heap {
 public:
  explicit Heap(uint64_t maxBytes = 256ull << 20,
                uint32_t maxStringBytes = 16u << 20);
  ~Heap();
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;

  // Allocation. Each returns nullptr when the memory cap (or the string
  // length limit) would be exceeded; failureReason() then says why.
  StringObject* newString(std::string_view s);
  // The string a + b, without an intermediate std::string.
  StringObject* newConcatenation(std::string_view a, std::string_view b);
  ListObject* newList(uint32_t capacity = 0);
  MapObject* newMap();
  StructObject* newStruct(const StringObject* typeName, uint32_t capacity = 0);
  EnumObject* newEnum(const StringObject* typeId, const StringObject* key);
  ErrorObject* newError(ErrorTag tag, const StringObject* message,
                        std::vector<TraceFrame> trace = {});

  // Mutations that may allocate. Return false when out of memory.
  bool listPush(ListObject* list, const Value& v) {
    if (list->size_ < list->capacity_) [[likely]] {
      list->items_[list->size_++] = v;
      return true;
    }
    return listPushGrow(list, v);
  }
  // Replaces the item at i (< size).
  void listSet(ListObject* list, uint32_t i, const Value& v) {
    list->items_[i] = v;
  }
  bool mapSet(MapObject* map, const Value& key, const Value& v);
  bool mapDelete(MapObject* map, const Value& key);
  // Sets (or appends) a field; a repeated name keeps its position.
  bool structSet(StructObject* s, const StringObject* name, const Value& v);

  const char* failureReason() const { return failure_; }
  uint64_t bytesAllocated() const { return bytes_; }
  uint64_t maxBytes() const { return maxBytes_; }
  uint32_t maxStringBytes() const { return maxStringBytes_; }
  uint64_t objectCount() const { return objects_; }
  uint64_t collections() const { return collections_; }

 private:
  // Collection is the runtime's: it knows the roots and the safe points
  // (Runtime::collectGarbage is the public way in). So are saved states
  // (state_heap.cpp).
  friend class RuntimeImpl;
  friend class StateDecoder;
  // Every object, most recent first, numbered from 0 in that order.
  void numberObjects(std::unordered_map<const Object*, uint64_t>& ids) const;
  // The heap section: accounting, then every object's shape (kind, sizes,
  // capacities, string bytes), then every object's references.
  void writeObjects(StateWriter& out) const;
  // Recreates what writeObjects wrote into this (empty) heap, in the same
  // order with the same capacities, so that accounting and collection go on
  // exactly as before. `objects` receives them by number (references to
  // program constants resolve through the reader's permanents); functions in
  // traces must be below `functionCount`; the heap may not exceed maxBytes.
  bool readObjects(StateReader& in, std::vector<Value>& objects,
                   uint32_t functionCount, uint64_t maxBytes);
  // True when enough has been allocated since the last collection.
  bool wantsCollection() const { return bytes_ >= nextCollection_; }
  void mark(const Value& v) {
    if (v.isObject()) markObject(v.asObject());
  }
  void markObject(Object* o);
  // Call after marking all roots: traces marked objects' children. Handle
  // values found inside objects are reported through onHandle.
  void traceMarked(void (*onHandle)(HandleId, void*), void* ctx);
  // Frees every unmarked object and clears marks.
  void sweep();

  bool listPushGrow(ListObject* list, const Value& v);
  void* allocate(size_t bytes);
  void link(Object* o);
  bool reserve(uint64_t more);
  void release(uint64_t less) { bytes_ -= less; }
  void freeObject(Object* o);
  bool growMap(MapObject* m);
  void rebuildMapIndex(MapObject* m, uint32_t indexCapacity);

  Object* head_ = nullptr;
  uint64_t bytes_ = 0;
  uint64_t maxBytes_;
  uint32_t maxStringBytes_;
  uint64_t nextCollection_ = 1u << 20;
  uint64_t objects_ = 0;
  uint64_t collections_ = 0;
  const char* failure_ = "";
  std::vector<Object*> grey_;
};

}  // namespace brainvm
