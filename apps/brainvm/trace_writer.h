// `run --trace FILE`: scheduler events as JSON lines (docs/cli.md "Trace").
//
//   {"event":"tick","tick":T}
//   {"event":"spawn","fiber":ID,"function":NAME}
//   {"event":"slice","fiber":ID,"instructions":N,"outcome":"DONE"|"YIELDED"|
//            "WAITING"|"FAULT"|"CANCELLED"[,"handle":H]}   (handle: WAITING)
//   {"event":"settle","handle":H,"state":"RESOLVED"|"REJECTED"|"CANCELLED"}
//   {"event":"cancel","fiber":ID}
//
// Lines are written as events happen; the events (and so the file) are
// deterministic, so two runs can be diffed.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "brainvm/program.h"
#include "brainvm/runtime.h"

namespace brainvm::cli {

class TraceWriter : public RuntimeObserver {
 public:
  // Function names are copied from the program (they name spawned fibers).
  TraceWriter(const Program& program, std::ostream& out);

  void onTickStart(uint64_t tick);
  void onFiberSpawned(FiberId fiber, uint32_t function) override;
  void onSlice(FiberId fiber, const RunResult& result) override;
  void onHandleSettled(HandleId handle, HandleState state) override;
  void onFiberCancelled(FiberId fiber) override;

  // False once a write failed (the caller reports exit code 74).
  bool good() const { return static_cast<bool>(out_); }

 private:
  void line(const std::string& json);

  std::vector<std::string> functionNames_;
  std::ostream& out_;
};

}  // namespace brainvm::cli
