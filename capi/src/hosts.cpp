// Host functions written in C: the host set, the trampolines that the
// runtime's registry calls, and what a bvm_call offers the callback.
#include "brainvm/host.h"
#include "capi_internal.h"

using brainvm::HandleId;
using brainvm::HostCall;
using brainvm::Value;

namespace bvm {

CallbackScope::CallbackScope(bvm_runtime* rt)
    : rt_(rt), mark_(rt->values.openScope()) {
  ++rt_->callbackDepth;
}

CallbackScope::~CallbackScope() {
  --rt_->callbackDepth;
  try {
    rt_->values.closeScope(*rt_->rt, mark_);
  } catch (...) {
    // Unpinning cannot fail in a way that matters here.
  }
}

bvm_status checkNotInCallback(const bvm_runtime* rt, const char* what) {
  if (rt->callbackDepth > 0)
    return badArgument(std::string(what) + " is not allowed inside a callback");
  return BVM_OK;
}

namespace {

// The message of a sync function that returned a failure without
// bvm_call_fail.
std::string failureMessage(const HostEntry& e, bvm_status status,
                           uint64_t failuresBefore) {
  std::string why = failureCount() != failuresBefore ? lastPlainMessage()
                                                     : std::string();
  if (why.empty()) why = std::string("failed (") + bvm_status_name(status) + ")";
  return e.name + ": " + why;
}

Value syncTrampoline(HostCall& call, void* data) {
  const HostEntry& e = *static_cast<const HostEntry*>(data);
  bvm_call c{&call, e.rt, &e, std::nullopt};
  const uint64_t failuresBefore = failureCount();
  bvm_status status;
  {
    CallbackScope scope(e.rt);
    status = e.sync(&c, e.user);
  }
  if (status != BVM_OK) {
    if (!call.failed()) call.fail(failureMessage(e, status, failuresBefore));
    return Value();
  }
  // The result's handle may be gone with the scope, but no collection runs
  // inside a slice: the value itself is intact.
  return c.result ? *c.result : Value();
}

void asyncTrampoline(HostCall& call, HandleId handle, void* data) {
  const HostEntry& e = *static_cast<const HostEntry*>(data);
  bvm_call c{&call, e.rt, &e, std::nullopt};
  CallbackScope scope(e.rt);
  e.asyncFn(&c, handle, e.user);
}

bvm_status addEntry(bvm_hosts* hosts, const char* name, HostEntry entry) {
  if (!hosts) return badArgument("hosts is NULL");
  if (!name || !*name) return badArgument("a host function needs a name");
  if (!entry.sync && !entry.asyncFn)
    return badArgument(std::string("host function '") + name +
                       "': the callback is NULL");
  for (const HostEntry& e : hosts->entries)
    if (e.name == name)
      return badArgument(std::string("host function '") + name +
                         "' is already registered");
  entry.name = name;
  hosts->entries.push_back(std::move(entry));
  return BVM_OK;
}

}  // namespace

void bindHosts(const bvm_hosts* hosts, bvm_runtime* rt,
               brainvm::HostRegistry& registry) {
  if (!hosts) return;
  for (const HostEntry& e : hosts->entries) {
    auto bound = std::make_unique<HostEntry>(e);
    bound->rt = rt;
    HostEntry* data = bound.get();
    rt->hostEntries.push_back(std::move(bound));
    brainvm::Status s =
        e.async ? registry.addAsync(e.name, asyncTrampoline, data)
                : registry.addSync(e.name, syncTrampoline, data);
    (void)s;  // names were checked unique and non-empty by bvm_hosts_add_*
  }
}

}  // namespace bvm

using namespace bvm;

extern "C" {

BVM_API bvm_status bvm_hosts_new(bvm_hosts** out) {
  return guard([&] {
    if (bvm_status s = checkOut(out)) return s;
    *out = new bvm_hosts();
    return BVM_OK;
  });
}

BVM_API void bvm_hosts_free(bvm_hosts* hosts) { delete hosts; }

BVM_API bvm_status bvm_hosts_add_sync(bvm_hosts* hosts, const char* name,
                                      bvm_sync_fn fn, void* user) {
  return guard([&] {
    HostEntry e;
    e.sync = fn;
    e.user = user;
    return addEntry(hosts, name, std::move(e));
  });
}

BVM_API bvm_status bvm_hosts_add_async(bvm_hosts* hosts, const char* name,
                                       bvm_async_fn fn, void* user) {
  return guard([&] {
    HostEntry e;
    e.async = true;
    e.asyncFn = fn;
    e.user = user;
    return addEntry(hosts, name, std::move(e));
  });
}

BVM_API uint32_t bvm_call_argc(const bvm_call* call) {
  return call ? call->call->argCount() : 0;
}

BVM_API bvm_status bvm_call_arg(bvm_call* call, uint32_t i, bvm_value* out) {
  return guard([&] {
    if (!call) return badArgument("call is NULL");
    if (i >= call->call->argCount())
      return badArgument(call->entry->name + ": argument " +
                         std::to_string(i + 1) + " missing (" +
                         std::to_string(call->call->argCount()) + " given)");
    return give(call->rt, call->call->arg(i), out);
  });
}

BVM_API bvm_runtime* bvm_call_runtime(bvm_call* call) {
  return call ? call->rt : nullptr;
}

BVM_API const char* bvm_call_function_name(const bvm_call* call) {
  return call ? call->entry->name.c_str() : "";
}

BVM_API uint32_t bvm_call_fiber(const bvm_call* call) {
  return call ? call->call->fiberId() : 0;
}

BVM_API bvm_status bvm_call_return(bvm_call* call, bvm_value value) {
  return guard([&] {
    if (!call) return badArgument("call is NULL");
    if (call->entry->async)
      return badArgument(call->entry->name +
                         ": an async function settles its handle instead of "
                         "returning a value");
    Value v;
    if (bvm_status s = valueOf(call->rt, value, v)) return s;
    call->result = v;
    return BVM_OK;
  });
}

BVM_API bvm_status bvm_call_fail_tag(bvm_call* call, bvm_error_tag tag,
                                     const char* message) {
  return guard([&] {
    if (!call) return badArgument("call is NULL");
    brainvm::ErrorTag t;
    if (!tagFrom(tag, t)) return badArgument("unknown error tag");
    std::string text = message ? message : "host function failed";
    call->call->fail(text, t);
    return fail(BVM_ERR_HOST, std::move(text));
  });
}

BVM_API bvm_status bvm_call_fail(bvm_call* call, const char* message) {
  return bvm_call_fail_tag(call, BVM_TAG_HOST_ERROR, message);
}

}  // extern "C"
