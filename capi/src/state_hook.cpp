// A C host's part of saved states: bvm_state_hook adapted to the library's
// StateHook. The host claims handles and writes opaque bytes; the part is a
// marker, the claimed handles and those bytes.
#include "capi_internal.h"

struct bvm_state_out {
  std::vector<brainvm::HandleId>* claimed;
  std::string* bytes;
};

namespace bvm {

namespace {

constexpr const char* kMarker = "bvm_state_hook";

// The status of a hook callback that failed, with a message saying so.
bvm_status hookFailed(const char* what, bvm_status status,
                      uint64_t failuresBefore) {
  std::string why =
      failureCount() != failuresBefore ? lastPlainMessage() : std::string();
  if (why.empty())
    why = std::string("failed (") + bvm_status_name(status) + ")";
  return fail(status, std::string("state hook: ") + what + ": " + why);
}

}  // namespace

bvm_status HostStateHook::collect(bvm_runtime* rt) {
  claimed_.clear();
  bytes_.clear();
  bvm_state_out out{&claimed_, &bytes_};
  const uint64_t before = failureCount();
  bvm_status status;
  {
    CallbackScope scope(rt);
    status = hook_.save(rt, &out, hook_.user);
  }
  return status == BVM_OK ? BVM_OK : hookFailed("save", status, before);
}

bvm_status HostStateHook::deliver(bvm_runtime* rt) {
  const uint64_t before = failureCount();
  bvm_status status;
  {
    CallbackScope scope(rt);
    status = hook_.restore(
        rt,
        bytes_.empty() ? nullptr
                       : reinterpret_cast<const uint8_t*>(bytes_.data()),
        bytes_.size(), hook_.user);
  }
  return status == BVM_OK ? BVM_OK : hookFailed("restore", status, before);
}

void HostStateHook::save(brainvm::StateWriter& out) const {
  out.str(kMarker);
  out.u64(claimed_.size());
  for (brainvm::HandleId id : claimed_) out.u64(id);
  out.str(bytes_);
}

brainvm::Status HostStateHook::restore(brainvm::StateReader& in,
                                       brainvm::Runtime&) {
  std::string marker;
  uint64_t n;
  if (!in.str(marker, "C host part")) return brainvm::Ok{};
  if (marker != kMarker) {
    in.fail("expected the C host's part (bvm_state_hook)");
    return brainvm::Ok{};
  }
  if (!in.count(n, 1, "claimed handle")) return brainvm::Ok{};
  claimed_.clear();
  for (uint64_t i = 0; i < n; ++i) {
    uint32_t id;
    if (!in.u32(id, "claimed handle")) return brainvm::Ok{};
    claimed_.push_back(id);
  }
  in.str(bytes_, "C host bytes");
  return brainvm::Ok{};
}

}  // namespace bvm

extern "C" {

BVM_API bvm_status bvm_state_claim(bvm_state_out* out, uint32_t handle) {
  return bvm::guard([&] {
    if (!out) return bvm::badArgument("bvm_state_out is NULL");
    out->claimed->push_back(handle);
    return BVM_OK;
  });
}

BVM_API bvm_status bvm_state_write(bvm_state_out* out, const void* bytes,
                                   size_t length) {
  return bvm::guard([&] {
    if (!out) return bvm::badArgument("bvm_state_out is NULL");
    if (!bytes && length) return bvm::badArgument("bytes is NULL");
    if (length) out->bytes->append(static_cast<const char*>(bytes), length);
    return BVM_OK;
  });
}

}  // extern "C"
