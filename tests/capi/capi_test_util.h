// Helpers for the C API's tests: owning wrappers for the C objects and a
// few shortcuts. The tests call only the functions of brainvm.h (the
// library exports nothing else).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "brainvm.h"

namespace capi_test {

struct ProgramFree {
  void operator()(bvm_program* p) const { bvm_program_free(p); }
};
struct RuntimeFree {
  void operator()(bvm_runtime* r) const { bvm_runtime_free(r); }
};
struct RunnerFree {
  void operator()(bvm_runner* r) const { bvm_runner_free(r); }
};
struct ReportFree {
  void operator()(bvm_report* r) const { bvm_report_free(r); }
};
struct HostsFree {
  void operator()(bvm_hosts* h) const { bvm_hosts_free(h); }
};
struct BufferFree {
  void operator()(void* b) const { bvm_free(b); }
};
using Program = std::unique_ptr<bvm_program, ProgramFree>;
using Runtime = std::unique_ptr<bvm_runtime, RuntimeFree>;
using Runner = std::unique_ptr<bvm_runner, RunnerFree>;
using Report = std::unique_ptr<bvm_report, ReportFree>;
using Hosts = std::unique_ptr<bvm_hosts, HostsFree>;

// Assembles text that must assemble.
inline Program assemble(std::string_view text,
                        const char* name = "test.bvasm") {
  bvm_program* p = nullptr;
  bvm_status s = bvm_program_assemble(text.data(), text.size(), name, &p);
  EXPECT_EQ(s, BVM_OK) << bvm_last_error_message();
  return Program(p);
}

// A runtime of `text` with the built-ins and `hosts` (may be null).
inline Runtime runtimeOf(std::string_view text, const bvm_hosts* hosts = nullptr,
                         const bvm_runtime_config* config = nullptr) {
  Program p = assemble(text);
  bvm_runtime* rt = nullptr;
  bvm_status s = bvm_runtime_create(p.get(), hosts, config, &rt);
  EXPECT_EQ(s, BVM_OK) << bvm_last_error_message();
  return Runtime(rt);
}

// Spawns `function` and ticks until no fiber is live (at most 100 ticks).
inline uint32_t spawnAndRun(bvm_runtime* rt, const char* function) {
  uint32_t fiber = 0;
  EXPECT_EQ(bvm_runtime_spawn(rt, function, nullptr, 0, &fiber), BVM_OK)
      << bvm_last_error_message();
  for (int i = 0; i < 100 && bvm_runtime_live_fibers(rt) > 0; ++i)
    EXPECT_EQ(bvm_runtime_tick(rt, nullptr), BVM_OK);
  return fiber;
}

inline std::string stringOf(const bvm_runtime* rt, bvm_value v) {
  const char* data = nullptr;
  size_t length = 0;
  EXPECT_EQ(bvm_value_get_string(rt, v, &data, &length), BVM_OK)
      << bvm_last_error_message();
  return data ? std::string(data, length) : std::string();
}

inline double numberOf(const bvm_runtime* rt, bvm_value v) {
  double d = -1;
  EXPECT_EQ(bvm_value_get_number(rt, v, &d), BVM_OK) << bvm_last_error_message();
  return d;
}

inline std::string jsonOf(const bvm_runtime* rt, bvm_value v) {
  char* text = nullptr;
  size_t length = 0;
  EXPECT_EQ(bvm_value_to_json(rt, v, &text, &length), BVM_OK)
      << bvm_last_error_message();
  std::string out = text ? std::string(text, length) : std::string();
  bvm_free(text);
  return out;
}

inline bvm_value number(bvm_runtime* rt, double d) {
  bvm_value v = BVM_NIL;
  EXPECT_EQ(bvm_value_new_number(rt, d, &v), BVM_OK);
  return v;
}

inline bvm_value string(bvm_runtime* rt, std::string_view s) {
  bvm_value v = BVM_NIL;
  EXPECT_EQ(bvm_value_new_string(rt, s.data(), s.size(), &v), BVM_OK);
  return v;
}

}  // namespace capi_test
