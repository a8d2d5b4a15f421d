// The thread's last error, status names, the version and library-owned
// buffers.
#include <cstdlib>
#include <cstring>

#include "brainvm/assembler.h"
#include "capi_internal.h"

namespace bvm {

std::atomic<uint64_t> liveObjects{0};

namespace {

// The diagnostics own their strings; `views` point into them.
struct LastError {
  bvm_status code = BVM_OK;
  std::string message;
  std::vector<brainvm::Diagnostic> diagnostics;
  std::vector<std::string> formatted;
  std::vector<bvm_diagnostic> views;
};

thread_local LastError lastError;
thread_local uint64_t failures = 0;

void setViews(LastError& e) {
  e.formatted.clear();
  e.views.clear();
  e.formatted.reserve(e.diagnostics.size());
  for (const brainvm::Diagnostic& d : e.diagnostics)
    e.formatted.push_back(brainvm::formatDiagnosticWithCaret(d));
  for (size_t i = 0; i < e.diagnostics.size(); ++i) {
    const brainvm::Diagnostic& d = e.diagnostics[i];
    e.views.push_back(bvm_diagnostic{
        d.message.c_str(), d.file.c_str(), d.line, d.column, d.length,
        d.offset, d.function.c_str(), d.pc, d.sourceLine.c_str(),
        e.formatted[i].c_str()});
  }
}

// Records an error; if even that runs out of memory, keeps the code and a
// static message.
void record(bvm_status code, std::vector<brainvm::Diagnostic> diagnostics) {
  LastError& e = lastError;
  ++failures;
  try {
    e.code = code;
    e.diagnostics = std::move(diagnostics);
    e.message.clear();
    for (const brainvm::Diagnostic& d : e.diagnostics) {
      if (!e.message.empty()) e.message += '\n';
      e.message += d.format();
    }
    setViews(e);
  } catch (...) {
    e.code = code;
    e.diagnostics.clear();
    e.formatted.clear();
    e.views.clear();
    e.message.clear();  // never allocates
  }
}

}  // namespace

bvm_status fail(bvm_status code, std::string message) {
  try {
    std::vector<brainvm::Diagnostic> d;
    d.push_back(brainvm::makeDiagnostic(std::move(message)));
    record(code, std::move(d));
  } catch (...) {
    record(code, {});
  }
  return code;
}

bvm_status statusFor(brainvm::ErrorCode code) {
  switch (code) {
    case brainvm::ErrorCode::AssemblyError: return BVM_ERR_ASSEMBLY;
    case brainvm::ErrorCode::InvalidImage: return BVM_ERR_INVALID_IMAGE;
    case brainvm::ErrorCode::VerificationFailed: return BVM_ERR_VERIFY;
    case brainvm::ErrorCode::LinkError: return BVM_ERR_LINK;
    case brainvm::ErrorCode::InvalidArgument: return BVM_ERR_INVALID_ARGUMENT;
    case brainvm::ErrorCode::LimitExceeded: return BVM_ERR_LIMIT;
    case brainvm::ErrorCode::IoError: return BVM_ERR_IO;
  }
  return BVM_ERR_INTERNAL;
}

bvm_status fail(const brainvm::Error& error) {
  return fail(statusFor(error.code), error);
}

bvm_status fail(bvm_status code, const brainvm::Error& error) {
  try {
    record(code, error.diagnostics);
  } catch (...) {
    record(code, {});
  }
  return code;
}

std::string lastPlainMessage() {
  std::string out;
  for (const brainvm::Diagnostic& d : lastError.diagnostics) {
    if (!out.empty()) out += "; ";
    out += d.message;
  }
  return out;
}

uint64_t failureCount() { return failures; }

bvm_status giveBuffer(std::string_view bytes, char** out, size_t* length) {
  if (!out) return badArgument("no place for the result");
  char* buffer = static_cast<char*>(std::malloc(bytes.size() + 1));
  if (!buffer) return fail(BVM_ERR_OUT_OF_MEMORY, "out of memory");
  if (!bytes.empty()) std::memcpy(buffer, bytes.data(), bytes.size());
  buffer[bytes.size()] = '\0';
  *out = buffer;
  if (length) *length = bytes.size();
  return BVM_OK;
}

bvm_status checkOut(const void* out) {
  return out ? BVM_OK : badArgument("no place for the result (NULL)");
}

}  // namespace bvm

extern "C" {

BVM_API const char* bvm_version(void) { return "0.1.0"; }

BVM_API uint32_t bvm_version_number(void) {
  return BVM_VERSION_MAJOR * 10000 + BVM_VERSION_MINOR * 100 +
         BVM_VERSION_PATCH;
}

BVM_API const char* bvm_status_name(bvm_status status) {
  switch (status) {
    case BVM_OK: return "BVM_OK";
    case BVM_ERR_ASSEMBLY: return "BVM_ERR_ASSEMBLY";
    case BVM_ERR_INVALID_IMAGE: return "BVM_ERR_INVALID_IMAGE";
    case BVM_ERR_VERIFY: return "BVM_ERR_VERIFY";
    case BVM_ERR_LINK: return "BVM_ERR_LINK";
    case BVM_ERR_INVALID_ARGUMENT: return "BVM_ERR_INVALID_ARGUMENT";
    case BVM_ERR_LIMIT: return "BVM_ERR_LIMIT";
    case BVM_ERR_IO: return "BVM_ERR_IO";
    case BVM_ERR_OUT_OF_MEMORY: return "BVM_ERR_OUT_OF_MEMORY";
    case BVM_ERR_HOST: return "BVM_ERR_HOST";
    case BVM_ERR_INTERNAL: return "BVM_ERR_INTERNAL";
    case BVM_ERR_INVALID_STATE: return "BVM_ERR_INVALID_STATE";
  }
  return "BVM_ERR_UNKNOWN";
}

BVM_API bvm_status bvm_last_error_code(void) { return bvm::lastError.code; }

BVM_API const char* bvm_last_error_message(void) {
  return bvm::lastError.message.c_str();
}

BVM_API size_t bvm_last_error_diagnostic_count(void) {
  return bvm::lastError.views.size();
}

BVM_API const bvm_diagnostic* bvm_last_error_diagnostic(size_t i) {
  const auto& views = bvm::lastError.views;
  return i < views.size() ? &views[i] : nullptr;
}

BVM_API void bvm_clear_error(void) {
  bvm::LastError& e = bvm::lastError;
  e.code = BVM_OK;
  e.message.clear();
  e.diagnostics.clear();
  e.formatted.clear();
  e.views.clear();
}

BVM_API void bvm_free(void* buffer) { std::free(buffer); }

BVM_API uint64_t bvm_debug_live_objects(void) {
  return bvm::liveObjects.load(std::memory_order_relaxed);
}

}  // extern "C"
