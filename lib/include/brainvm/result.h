// Result<T>: a value or an Error carrying one or more located diagnostics.
// Library functions that can fail on input return this instead of throwing.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace brainvm {

enum class ErrorCode {
  AssemblyError,       // .bvasm text is invalid
  InvalidImage,        // the image bytes are malformed
  VerificationFailed,  // the program is structurally unsafe
  LinkError,           // host imports missing or of the wrong kind
  InvalidArgument,     // an API argument is invalid (unknown function, ...)
  LimitExceeded,       // a configured limit was hit
  IoError,             // a file could not be read or written
};

// One located message. Fields that do not apply are left empty / zero.
struct Diagnostic {
  std::string message;
  std::string file;         // source or image file name
  uint32_t line = 0;        // 1-based source line, 0 = unknown
  uint32_t column = 0;      // 1-based column, 0 = unknown
  uint32_t length = 0;      // length of the offending token (for carets)
  int64_t offset = -1;      // byte offset in an image, -1 = n/a
  std::string function;     // function name (verifier), empty = n/a
  int64_t pc = -1;          // pc in that function, -1 = n/a
  std::string sourceLine;   // the text of the source line, for carets

  // "file:line:col: error: message" (or the parts that are known).
  std::string format() const;
};

inline Diagnostic makeDiagnostic(std::string message) {
  Diagnostic d;
  d.message = std::move(message);
  return d;
}

struct Error {
  ErrorCode code = ErrorCode::InvalidArgument;
  std::vector<Diagnostic> diagnostics;

  Error() = default;
  Error(ErrorCode c, std::string message) : code(c) {
    Diagnostic d;
    d.message = std::move(message);
    diagnostics.push_back(std::move(d));
  }
  Error(ErrorCode c, std::vector<Diagnostic> d)
      : code(c), diagnostics(std::move(d)) {}

  // Every diagnostic formatted, one per line.
  std::string message() const;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

  const Error& error() const { return std::get<1>(v_); }
  Error&& takeError() { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Result for operations with no value.
struct Ok {};
using Status = Result<Ok>;

}  // namespace brainvm
