// Host functions: C++ callables that programs reach through host_call*.
// A HostRegistry maps names to functions; a Runtime binds the program's
// imports to it by name when it is created.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "brainvm/result.h"
#include "brainvm/value.h"

namespace brainvm {

class Runtime;
class RuntimeImpl;
class LoadedProgram;
class BuiltinHost;
using FiberId = uint32_t;

// What a host function sees: its arguments (a view, no copies), the calling
// fiber and call site, and the runtime. Report failures with fail().
class HostCall {
 public:
  HostCall(Runtime& rt, std::string_view name, const Value* args,
           uint32_t argc, FiberId fiber, uint32_t callSite)
      : runtime_(rt), name_(name), args_(args), argc_(argc), fiber_(fiber),
        callSite_(callSite) {}

  Runtime& runtime() const { return runtime_; }
  std::string_view functionName() const { return name_; }
  FiberId fiberId() const { return fiber_; }
  uint32_t callSiteId() const { return callSite_; }

  uint32_t argCount() const { return argc_; }
  const Value& arg(uint32_t i) const { return args_[i]; }
  std::span<const Value> args() const { return {args_, argc_}; }

  // Typed access. On a kind mismatch or missing argument these record a
  // HostError naming the function ("add: argument 2 must be a number, got
  // string") and return nullopt; the host function should then return.
  // (The checks are inline, the reports out of line: built-ins check their
  // arguments on every call.)
  std::optional<double> number(uint32_t i) {
    if (!argIs(i, ValueKind::Number, "a number")) return std::nullopt;
    return args_[i].asNumber();
  }
  std::optional<std::string_view> string(uint32_t i) {
    if (!argIs(i, ValueKind::String, "a string")) return std::nullopt;
    return args_[i].stringView();
  }
  std::optional<bool> boolean(uint32_t i) {
    if (!argIs(i, ValueKind::Boolean, "a boolean")) return std::nullopt;
    return args_[i].asBool();
  }
  // Requires between min and max arguments; records an error otherwise.
  bool expectArgs(uint32_t min, uint32_t max) {
    if (argc_ >= min && argc_ <= max) [[likely]]
      return true;
    reportArgCount(min, max);
    return false;
  }

  // Makes the call raise an error (tag HostError unless given) in the
  // calling fiber, catchable by its handlers. The message is used as is;
  // only the first failure of a call counts.
  void fail(std::string message, ErrorTag tag = ErrorTag::HostError);
  // Whether fail() was called, and with what.
  bool failed() const { return failed_; }
  ErrorTag failureTag() const { return failTag_; }
  const std::string& failureMessage() const { return failMessage_; }

 private:
  // True if argument i is there and of `kind`; else reports which.
  bool argIs(uint32_t i, ValueKind kind, std::string_view wanted) {
    if (i < argc_ && args_[i].kind() == kind) [[likely]]
      return true;
    reportArg(i, wanted);
    return false;
  }
  void reportArg(uint32_t i, std::string_view wanted);
  void reportArgCount(uint32_t min, uint32_t max);
  Runtime& runtime_;
  std::string_view name_;
  const Value* args_;
  uint32_t argc_;
  FiberId fiber_;
  uint32_t callSite_;
  bool failed_ = false;
  ErrorTag failTag_ = ErrorTag::HostError;
  std::string failMessage_;
};

// A sync function returns its result. An async function receives a pending
// handle and settles it through Runtime::resolveHandle/rejectHandle, either
// before returning or later (from a timer, an event loop, ...).
using SyncHostFn = Value (*)(HostCall& call, void* userData);
using AsyncHostFn = void (*)(HostCall& call, HandleId handle, void* userData);

struct HostFunction {
  std::string name;
  bool async = false;
  SyncHostFn sync = nullptr;
  AsyncHostFn asyncFn = nullptr;
  void* userData = nullptr;
  std::shared_ptr<void> owner;  // keeps userData alive (std::function form)

 private:
  // Set only by the built-in library for its arithmetic and comparison
  // functions: the interpreter may then compute them inline on numbers.
  // A function anyone else registers under the same name has none, so it
  // is the one that runs.
  friend class HostRegistry;
  friend class RuntimeImpl;
  friend class LoadedProgram;
  uint8_t intrinsic_ = 0;
};

class HostRegistry {
 public:
  // Registration fails (InvalidArgument) on an empty or duplicate name.
  Status addSync(std::string name, SyncHostFn fn, void* userData = nullptr);
  Status addAsync(std::string name, AsyncHostFn fn, void* userData = nullptr);
  // Convenience forms taking any callable.
  Status addSync(std::string name, std::function<Value(HostCall&)> fn);
  Status addAsync(std::string name,
                  std::function<void(HostCall&, HandleId)> fn);
  // Adds every function of `other`, replacing functions of the same name
  // (e.g. an embedder's own `add` over the built-in one).
  void merge(const HostRegistry& other);

  const HostFunction* find(std::string_view name) const;
  const std::vector<HostFunction>& functions() const { return functions_; }

 private:
  friend class BuiltinHost;
  // A built-in the interpreter may run inline (see HostFunction).
  Status addIntrinsic(std::string name, SyncHostFn fn, void* userData,
                      uint8_t intrinsic);
  std::vector<HostFunction> functions_;
};

}  // namespace brainvm
