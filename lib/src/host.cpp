#include "brainvm/host.h"

#include <algorithm>
#include <memory>

namespace brainvm {

void HostCall::reportArg(uint32_t i, std::string_view wanted) {
  if (i >= argc_) {
    fail(std::string(name_) + ": missing argument " + std::to_string(i + 1));
    return;
  }
  fail(std::string(name_) + ": argument " + std::to_string(i + 1) +
       " must be " + std::string(wanted) + ", got " +
       std::string(kindName(args_[i].kind())));
}

void HostCall::reportArgCount(uint32_t min, uint32_t max) {
  std::string want = min == max ? std::to_string(min)
                                : std::to_string(min) + " to " +
                                      std::to_string(max);
  fail(std::string(name_) + ": expected " + want + " argument" +
       (max == 1 ? "" : "s") + ", got " + std::to_string(argc_));
}

void HostCall::fail(std::string message, ErrorTag tag) {
  if (failed_) return;  // keep the first failure
  failed_ = true;
  failTag_ = tag;
  failMessage_ = std::move(message);
}

namespace {

Status checkName(const std::vector<HostFunction>& fns, const std::string& name) {
  if (name.empty())
    return Error(ErrorCode::InvalidArgument, "host function name is empty");
  for (const HostFunction& f : fns)
    if (f.name == name)
      return Error(ErrorCode::InvalidArgument,
                   "host function '" + name + "' is already registered");
  return Ok{};
}

}  // namespace

Status HostRegistry::addSync(std::string name, SyncHostFn fn, void* userData) {
  return addIntrinsic(std::move(name), fn, userData, 0);
}

Status HostRegistry::addIntrinsic(std::string name, SyncHostFn fn,
                                  void* userData, uint8_t intrinsic) {
  if (Status s = checkName(functions_, name); !s) return s;
  if (!fn) return Error(ErrorCode::InvalidArgument, "null host function");
  HostFunction h;
  h.name = std::move(name);
  h.sync = fn;
  h.userData = userData;
  h.intrinsic_ = intrinsic;
  functions_.push_back(std::move(h));
  return Ok{};
}

void HostRegistry::merge(const HostRegistry& other) {
  for (const HostFunction& fn : other.functions_) {
    auto same = [&fn](const HostFunction& f) { return f.name == fn.name; };
    auto it = std::find_if(functions_.begin(), functions_.end(), same);
    if (it != functions_.end())
      *it = fn;
    else
      functions_.push_back(fn);
  }
}

Status HostRegistry::addAsync(std::string name, AsyncHostFn fn,
                              void* userData) {
  if (Status s = checkName(functions_, name); !s) return s;
  if (!fn) return Error(ErrorCode::InvalidArgument, "null host function");
  HostFunction h;
  h.name = std::move(name);
  h.async = true;
  h.asyncFn = fn;
  h.userData = userData;
  functions_.push_back(std::move(h));
  return Ok{};
}

Status HostRegistry::addSync(std::string name,
                             std::function<Value(HostCall&)> fn) {
  auto holder = std::make_shared<std::function<Value(HostCall&)>>(std::move(fn));
  Status s = addSync(
      std::move(name),
      [](HostCall& call, void* user) {
        return (*static_cast<std::function<Value(HostCall&)>*>(user))(call);
      },
      holder.get());
  if (s) functions_.back().owner = holder;
  return s;
}

Status HostRegistry::addAsync(std::string name,
                              std::function<void(HostCall&, HandleId)> fn) {
  using Fn = std::function<void(HostCall&, HandleId)>;
  auto holder = std::make_shared<Fn>(std::move(fn));
  Status s = addAsync(
      std::move(name),
      [](HostCall& call, HandleId h, void* user) {
        (*static_cast<Fn*>(user))(call, h);
      },
      holder.get());
  if (s) functions_.back().owner = holder;
  return s;
}

const HostFunction* HostRegistry::find(std::string_view name) const {
  for (const HostFunction& f : functions_)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace brainvm
