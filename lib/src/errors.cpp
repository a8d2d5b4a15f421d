// Error values raised by the VM: traces and the out-of-memory fallback.
#include "runtime_impl.h"

namespace brainvm {

std::vector<TraceFrame> RuntimeImpl::traceOf(const Fiber& f,
                                             uint32_t pc) const {
  std::vector<TraceFrame> trace;
  trace.reserve(f.frames.size());
  for (size_t i = f.frames.size(); i-- > 0;) {
    const Frame& fr = f.frames[i];
    // Outer frames hold their return address; report the call itself.
    uint32_t at = (i + 1 == f.frames.size()) ? pc : (fr.pc ? fr.pc - 1 : 0);
    trace.push_back(TraceFrame{fr.function, at, program.lineOf(fr.function, at)});
  }
  return trace;
}

// Error messages are cut to the string length limit: a long message must not
// turn the error into "out of memory" (losing its tag) when the limit is small.
Value RuntimeImpl::makeError(Fiber& f, uint32_t pc, ErrorTag tag,
                             std::string message) {
  StringObject* msg = heap.newString(
      std::string_view(message).substr(0, heap.maxStringBytes()));
  ErrorObject* err = msg ? heap.newError(tag, msg, traceOf(f, pc)) : nullptr;
  if (!err) return Value::object(const_cast<ErrorObject*>(outOfMemoryError));
  return Value::object(err);
}

Value RuntimeImpl::withTrace(Fiber& f, uint32_t pc, const Value& error) {
  const ErrorObject* e = error.asError();
  if (e->hasTrace()) return error;
  ErrorObject* traced = heap.newError(e->tag(), e->message(), traceOf(f, pc));
  return traced ? Value::object(traced) : error;
}

Value RuntimeImpl::makeErrorNoTrace(ErrorTag tag, std::string_view message) {
  StringObject* msg = heap.newString(message.substr(0, heap.maxStringBytes()));
  ErrorObject* err = msg ? heap.newError(tag, msg) : nullptr;
  if (!err) return Value::object(const_cast<ErrorObject*>(outOfMemoryError));
  return Value::object(err);
}

}  // namespace brainvm
