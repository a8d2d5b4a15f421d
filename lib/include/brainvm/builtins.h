// The built-in host library of the contract (section 8): operators,
// conversions, print, errors, clock, random numbers, fibers and timers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "brainvm/host.h"
#include "brainvm/runtime.h"
#include "brainvm/value.h"

namespace brainvm {

// Renders a value as the `to_string` host function does: integral numbers
// without a fraction, strings as is at top level and JSON-quoted inside
// containers, lists `[1, "a"]`, maps `{"k": 1, 2: 3}`, structs
// `Point{x: 1, y: 2}`, errors `HostError: message`, handles `handle#3`.
// Cycles print as `<cycle>`; nesting deeper than 64 as `...`.
std::string toDisplayString(const Value& v);
// Shortest round-trip form of a number ("42", "3.5", "nan", "inf", "-inf").
std::string formatNumber(double d);

// State for one run: printed output, timers and the seeded generator.
// Create one per Runtime and register it into the registry used to create
// that runtime.
class BuiltinHost {
 public:
  explicit BuiltinHost(uint64_t seed = 0);
  ~BuiltinHost();
  BuiltinHost(const BuiltinHost&) = delete;
  BuiltinHost& operator=(const BuiltinHost&) = delete;

  Status registerInto(HostRegistry& registry);

  // Settles the timers due at `tick` (in due order, then creation order).
  void completeTimersDue(Runtime& rt, uint64_t tick);
  bool hasPendingTimers() const;

  const std::vector<std::string>& output() const { return output_; }
  // Called with each printed line as it happens (`run --echo`).
  void setEcho(std::function<void(std::string_view)> echo) {
    echo_ = std::move(echo);
  }

  // Used by the registered functions.
  void print(std::string line);
  double random();
  void addTimer(Runtime& rt, uint64_t dueTick, HandleId handle, int kind,
                const Value& value, std::string message);

 private:
  struct Timer {
    uint64_t due;
    uint64_t seq;
    HandleId handle;
    int kind;  // 0 resolve nil, 1 resolve value, 2 reject
    PinId value;
    std::string message;
  };
  std::vector<std::string> output_;
  std::function<void(std::string_view)> echo_;
  std::vector<Timer> timers_;
  uint64_t timerSeq_ = 0;
  uint64_t rng_[4];
};

}  // namespace brainvm
