// The built-in host library of the contract (section 8): operators,
// conversions, print, errors, clock, random numbers, fibers and timers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "brainvm/host.h"
#include "brainvm/runtime.h"
#include "brainvm/state.h"
#include "brainvm/value.h"

namespace brainvm {

// Renders a value as the `to_string` host function does: numbers as
// formatNumber writes them, strings as is at top level and JSON-quoted inside
// containers, lists `[1, "a"]`, maps `{"k": 1, 2: 3}`, structs
// `Point{x: 1, y: 2}`, errors `HostError: message`, handles `handle#3`.
// Cycles print as `<cycle>`; nesting deeper than 64 as `...`.
std::string toDisplayString(const Value& v);
// A string as to_string writes it inside a container: in double quotes, with
// `"`, `\`, newline, tab and carriage return escaped and other control
// characters as \u00XX.
void appendQuotedString(std::string& out, std::string_view s);
// A number as ECMAScript's Number.prototype.toString writes it (the shortest
// digits that read back to d: "42", "3.5", "100000000000000000000", "0.0001",
// "1e+21", "1e-7"), except "nan", "inf", "-inf"; -0 as "0".
std::string formatNumber(double d);
// Reads a number as the `to_number` host function does: after trimming ASCII
// whitespace, an optional sign, then decimal digits with an optional fraction
// and exponent, or "inf" or "nan". A magnitude beyond the double range gives
// inf or -inf, below it 0 or -0; anything else gives nullopt.
// parseNumber(formatNumber(x)) gives back x (any NaN as a NaN, -0 as 0).
std::optional<double> parseNumber(std::string_view text);

// State for one run: printed output, timers and the seeded generator.
// Create one per Runtime and register it into the registry used to create
// that runtime.
// It is also the StateHook of its own part of a saved state: the output so
// far, the generator and the pending timers (which own their handles).
class BuiltinHost : public StateHook {
 public:
  explicit BuiltinHost(uint64_t seed = 0);
  ~BuiltinHost() override;
  BuiltinHost(const BuiltinHost&) = delete;
  BuiltinHost& operator=(const BuiltinHost&) = delete;

  // Registers the library's functions (only those `onlyImportsOf`
  // imports, when given: creating thousands of runtimes of one program).
  Status registerInto(HostRegistry& registry,
                      const Program* onlyImportsOf = nullptr);

  // Settles the timers due at `tick` (in due order, then creation order).
  void completeTimersDue(Runtime& rt, uint64_t tick);
  bool hasPendingTimers() const;

  const std::vector<std::string>& output() const { return output_; }
  // Called with each printed line as it happens (`run --echo`).
  void setEcho(std::function<void(std::string_view)> echo) {
    echo_ = std::move(echo);
  }

  // What a timer does to its handle when it is due (sleep, delay,
  // fail_after).
  enum class TimerAction : uint8_t { ResolveNil, ResolveValue, Reject };

  // Its part of a saved state (state.h).
  std::vector<HandleId> pendingHandles() const override;
  void save(StateWriter& out) const override;
  Status restore(StateReader& in, Runtime& runtime) override;

  // Used by the registered functions.
  void print(std::string line);
  double random();
  // `value` (ResolveValue) is pinned until the timer is due; `message` is
  // the HostError message (Reject).
  void addTimer(Runtime& rt, uint64_t dueTick, HandleId handle,
                TimerAction action, const Value& value, std::string message);

 private:
  struct Timer {
    uint64_t due;
    uint64_t seq;  // creation order, for timers due at the same tick
    HandleId handle;
    TimerAction action;
    PinId value;
    std::string message;
  };
  std::vector<std::string> output_;
  std::function<void(std::string_view)> echo_;
  // Pending timers are timers_[timersDone_..], in (due, seq) order: a tick
  // completes a prefix of them, without looking at the timers not due.
  std::vector<Timer> timers_;
  size_t timersDone_ = 0;
  uint64_t timerSeq_ = 0;
  uint64_t rng_[4];
};

}  // namespace brainvm
