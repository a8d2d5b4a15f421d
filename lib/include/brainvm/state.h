// Saved states (snapshots) of a runtime: the encoding helpers that the
// runtime and host hooks write and read their parts with, and the hook a
// host implements to save what it holds (operations in flight, its own
// state). The format is documented in docs/snapshots.md.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "brainvm/result.h"
#include "brainvm/value.h"

namespace brainvm {

class Runtime;
class Object;
using HandleId = uint32_t;

// Appends the parts of a state: unsigned and signed integers as LEB128
// varints, doubles as their 8 bytes, strings with their length, values
// (heap objects by their index in the state's heap section).
class StateWriter {
 public:
  void u8(uint8_t v) { out_.push_back(v); }
  void u64(uint64_t v);
  void i64(int64_t v);
  void f64(double v);
  void str(std::string_view s);
  void value(const Value& v);
  // Opens a section: its tag and a length, filled in by endSection.
  void beginSection(uint8_t tag);
  void endSection();
  std::vector<uint8_t>& bytes() { return out_; }

 private:
  friend class RuntimeImpl;
  std::vector<uint8_t> out_;
  std::vector<size_t> open_;
  // Filled by the runtime before anything writes values.
  const std::unordered_map<const Object*, uint64_t>* objectIds_ = nullptr;
  bool valueError_ = false;
};

// Reads what a StateWriter wrote, checking every count against the bytes
// that remain and every reference against what exists. The first failure
// is kept with its offset; every read after it fails too.
class StateReader {
 public:
  StateReader(std::span<const uint8_t> bytes, size_t baseOffset = 0)
      : data_(bytes), base_(baseOffset) {}
  bool u8(uint8_t& v, const char* what);
  bool u64(uint64_t& v, const char* what);
  bool i64(int64_t& v, const char* what);
  bool u32(uint32_t& v, const char* what);  // a u64 that must fit
  bool f64(double& v, const char* what);
  bool str(std::string& s, const char* what);
  // A value; an undefined slot marker is refused (see valueOrUndefined).
  bool value(Value& v, const char* what);
  // A count of items each at least `minBytes` long: fails unless that many
  // can still follow (so nothing is reserved for counts the bytes do not
  // back).
  bool count(uint64_t& n, size_t minBytes, const char* what);
  // Fails with a reason at the current offset.
  bool fail(std::string reason);
  bool ok() const { return error_.empty(); }
  bool atEnd() const { return pos_ == data_.size(); }
  size_t offset() const { return base_ + pos_; }
  // "offset N: reason".
  const std::string& error() const { return error_; }

 private:
  friend class RuntimeImpl;
  friend class StateDecoder;
  friend class Heap;
  // A value, or the library's marker for an undefined slot.
  bool valueOrUndefined(Value& v, const char* what);
  std::span<const uint8_t> data_;
  size_t base_;
  size_t pos_ = 0;
  std::string error_;
  // Filled by the runtime before anything reads values.
  const std::vector<Value>* objects_ = nullptr;
  const std::vector<Value>* permanents_ = nullptr;
};

// A host's part of a state. Register hooks with Runtime::saveState and
// Runtime::restoreState (the Runner registers the built-in library's and
// its own). Every handle still pending when a state is saved must be
// claimed by one hook: an async host function whose operation is in
// flight belongs to the host that will settle it.
class StateHook {
 public:
  virtual ~StateHook() = default;
  // The pending handles this host will settle itself.
  virtual std::vector<HandleId> pendingHandles() const = 0;
  virtual void save(StateWriter& out) const = 0;
  // Reads back what save wrote. The runtime's heap, handles, pins and
  // variables are restored already.
  virtual Status restore(StateReader& in, Runtime& runtime) = 0;
};

// What a saved state holds, read without its program (`brainvm state`).
// Values point into the summary's own heap: they live as long as it does.
class StateSummary {
 public:
  // Checks the header and reads the runtime's sections (host hooks' parts
  // are not decoded). Malformed states are refused as by restoring.
  static Result<std::unique_ptr<StateSummary>> read(
      std::span<const uint8_t> state);
  ~StateSummary();

  uint64_t programHash = 0;
  uint32_t version = 0;
  uint64_t tick = 0;
  double timeMs = 0;
  uint64_t instructions = 0;
  uint64_t slices = 0;
  uint64_t heapBytes = 0;
  uint64_t heapObjects = 0;
  uint64_t pendingHandles = 0;
  uint64_t handles = 0;
  // Fibers by state name ("RUNNABLE", "WAITING", "DONE", "FAULT",
  // "CANCELLED"), in that order.
  std::vector<std::pair<std::string, uint64_t>> fibers;
  // Shared variables (defined ones), sorted by name.
  std::vector<std::pair<std::string, Value>> variables;
  uint64_t hookParts = 0;  // host hooks' parts (not decoded)

 private:
  StateSummary();
  friend class StateDecoder;
  struct Storage;
  std::unique_ptr<Storage> storage_;
};

}  // namespace brainvm
