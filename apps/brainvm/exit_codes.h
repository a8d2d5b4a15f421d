// Exit codes of the brainvm command (contract section 6; the values follow
// BSD sysexits.h).
#pragma once

namespace brainvm::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitTestFailed = 1;  // `brainvm test`: a test failed
inline constexpr int kExitUsage = 64;      // bad command line or JSON input
inline constexpr int kExitDataError = 65;  // assembly, image, verify, link
inline constexpr int kExitNoInput = 66;    // an input cannot be read
inline constexpr int kExitFault = 70;      // a fiber faulted / status limit
inline constexpr int kExitIoError = 74;    // an output cannot be written

}  // namespace brainvm::cli

#include "brainvm/result.h"

namespace brainvm::cli {

// The exit code for a library error: 65 for programs that cannot be loaded
// (assembly, image, verification, link), 64 for invalid arguments, 74 for
// I/O, 70 otherwise.
inline int exitCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::AssemblyError:
    case ErrorCode::InvalidImage:
    case ErrorCode::VerificationFailed:
    case ErrorCode::LinkError:
      return kExitDataError;
    case ErrorCode::InvalidArgument:
      return kExitUsage;
    case ErrorCode::IoError:
      return kExitIoError;
    case ErrorCode::LimitExceeded:
      break;
  }
  return kExitFault;
}

}  // namespace brainvm::cli
