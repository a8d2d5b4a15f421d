// Private constants of the saved-state format (docs/snapshots.md).
#pragma once

#include <cstdint>

namespace brainvm::state {

inline constexpr uint8_t kMagic[4] = {'B', 'V', 'M', 'S'};
inline constexpr uint32_t kVersion = 1;
// magic, version (u32), CRC-32 of the payload (u32), payload length (u64),
// program hash (u64); then the payload: sections.
inline constexpr size_t kHeaderSize = 4 + 4 + 4 + 8 + 8;

enum Section : uint8_t {
  kSecConfig = 1,
  kSecHeap = 2,
  kSecClock = 3,
  kSecVariables = 4,
  kSecPins = 5,
  kSecHandles = 6,
  kSecFibers = 7,
  kSecHook = 8,  // one per host hook, in the order they were given
};

// Value tags.
enum ValueTag : uint8_t {
  kValNil = 0,
  kValFalse = 1,
  kValTrue = 2,
  kValNumber = 3,
  kValHandle = 4,
  kValVoid = 5,
  kValUnknown = 6,
  kValAbsent = 7,     // an undefined slot (variables, map tombstones)
  kValObject = 8,     // a heap object, by index in the heap section
  kValPermanent = 9,  // a program constant's object, by permanent index
};

// Heap object tags.
enum ObjectTag : uint8_t {
  kObjString = 1,
  kObjList = 2,
  kObjMap = 3,
  kObjStruct = 4,
  kObjEnum = 5,
  kObjError = 6,
};

// Permanent objects: what the program's constants (and the runtime's own
// out-of-memory error) point to, recorded with their content so a state
// can be read without its program and checked against it.
enum PermanentTag : uint8_t {
  kPermConstString = 1,   // constant k, a string
  kPermConstError = 2,    // constant k, an error
  kPermErrorMessage = 3,  // the message string of constant error k
  kPermOutOfMemory = 4,   // the runtime's "out of memory" error
  kPermOutOfMemoryMessage = 5,
};

// In the writer's object map: set for permanent objects.
inline constexpr uint64_t kPermanentBit = 1ull << 63;

}  // namespace brainvm::state
