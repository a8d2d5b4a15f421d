// Helpers for the saved-state tests of the C API: owned state bytes, a C
// host with requests in flight and its state hook, and the header fix-ups
// that let mangled payloads reach the reader's own checks.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "capi_test_util.h"

namespace capi_test {

using Bytes = std::vector<uint8_t>;

inline Bytes takeState(uint8_t* data, size_t length) {
  Bytes out(data, data + length);
  bvm_free(data);
  return out;
}

inline Bytes saveRuntime(bvm_runtime* rt) {
  uint8_t* data = nullptr;
  size_t length = 0;
  EXPECT_EQ(bvm_runtime_save_state(rt, &data, &length), BVM_OK)
      << bvm_last_error_message();
  return takeState(data, length);
}

inline Bytes saveRunner(bvm_runner* r) {
  uint8_t* data = nullptr;
  size_t length = 0;
  EXPECT_EQ(bvm_runner_save_state(r, &data, &length), BVM_OK)
      << bvm_last_error_message();
  return takeState(data, length);
}

// A host whose async `fetch(what)` answers "<what>!" when the game says so;
// its requests in flight are saved with the state through its hook.
struct Fetcher {
  std::vector<std::pair<uint32_t, std::string>> pending;
  int restores = 0;
};

inline void fetch(bvm_call* call, uint32_t handle, void* user) {
  bvm_value arg = BVM_NIL;
  const char* data = "";
  size_t length = 0;
  if (bvm_call_arg(call, 0, &arg) == BVM_OK)
    bvm_value_get_string(bvm_call_runtime(call), arg, &data, &length);
  static_cast<Fetcher*>(user)->pending.emplace_back(handle,
                                                    std::string(data, length));
}

inline void answerAll(bvm_runtime* rt, Fetcher& f) {
  for (const auto& [handle, what] : f.pending) {
    bvm_value v = string(rt, what + "!");
    EXPECT_EQ(bvm_runtime_resolve(rt, handle, v), BVM_OK)
        << bvm_last_error_message();
    bvm_value_release(rt, v);
  }
  f.pending.clear();
}

// The hook: claims each request's handle and writes (handle, length, what).
inline bvm_status saveFetcher(bvm_runtime*, bvm_state_out* out, void* user) {
  for (const auto& [handle, what] : static_cast<Fetcher*>(user)->pending) {
    const uint32_t head[2] = {handle, static_cast<uint32_t>(what.size())};
    if (bvm_status s = bvm_state_claim(out, handle)) return s;
    if (bvm_status s = bvm_state_write(out, head, sizeof head)) return s;
    if (bvm_status s = bvm_state_write(out, what.data(), what.size())) return s;
  }
  return BVM_OK;
}

inline bvm_status restoreFetcher(bvm_runtime*, const uint8_t* bytes,
                                 size_t length, void* user) {
  auto& f = *static_cast<Fetcher*>(user);
  ++f.restores;
  f.pending.clear();
  size_t at = 0;
  while (at < length) {
    uint32_t head[2];
    if (length - at < sizeof head) return BVM_ERR_INVALID_STATE;
    std::memcpy(head, bytes + at, sizeof head);
    at += sizeof head;
    if (length - at < head[1]) return BVM_ERR_INVALID_STATE;
    f.pending.emplace_back(
        head[0],
        std::string(reinterpret_cast<const char*>(bytes + at), head[1]));
    at += head[1];
  }
  return BVM_OK;
}

inline bvm_state_hook hookOf(Fetcher& f) {
  return bvm_state_hook{sizeof(bvm_state_hook), saveFetcher, restoreFetcher,
                        &f};
}

inline Hosts fetchHosts(Fetcher& f) {
  bvm_hosts* h = nullptr;
  EXPECT_EQ(bvm_hosts_new(&h), BVM_OK);
  EXPECT_EQ(bvm_hosts_add_async(h, "fetch", fetch, &f), BVM_OK);
  return Hosts(h);
}

// --- the state format's header (docs/snapshots.md) ---

constexpr size_t kHeaderSize = 28;

inline uint32_t crc32(const uint8_t* p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
  }
  return ~c;
}

// Makes the header's payload length and checksum agree with the payload,
// so that the payload's own checks are what a mangled state meets.
inline void fixHeader(Bytes& s) {
  if (s.size() < kHeaderSize) return;
  const uint64_t length = s.size() - kHeaderSize;
  for (int i = 0; i < 8; ++i)
    s[12 + i] = static_cast<uint8_t>(length >> (8 * i));
  const uint32_t crc = crc32(s.data() + kHeaderSize, length);
  for (int i = 0; i < 4; ++i) s[8 + i] = static_cast<uint8_t>(crc >> (8 * i));
}

// The last error's (first) message, without the "error: " of its
// formatted form.
inline std::string lastMessage() {
  const bvm_diagnostic* d = bvm_last_error_diagnostic(0);
  return d ? d->message : "";
}

// A refusal must come as the API reports a bad state: its status and the
// reader's "invalid state: offset N: reason" (or the host hook's own
// refusal of its bytes).
inline ::testing::AssertionResult refusedAsInvalidState(bvm_status s) {
  const std::string m = lastMessage();
  if (s != BVM_ERR_INVALID_STATE)
    return ::testing::AssertionFailure() << bvm_status_name(s) << ": " << m;
  if (m.rfind("invalid state: offset ", 0) != 0 &&
      m.rfind("state hook: restore: ", 0) != 0)
    return ::testing::AssertionFailure() << "message: " << m;
  return ::testing::AssertionSuccess();
}

}  // namespace capi_test
