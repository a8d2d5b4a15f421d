// Reading inputs and writing outputs for the brainvm command. A path of "-"
// means stdin (inputs) or stdout (outputs). Failures are reported on the
// `diagnostics` string and mapped to exit codes 66 (input) and 74 (output).
#pragma once

#include <fstream>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace brainvm::cli {

// Reads the whole file (or stdin for "-") into `out`. Returns kExitOk or
// kExitNoInput, appending a message to `diagnostics` on failure.
int readInput(const std::string& path, std::string& out,
              std::string& diagnostics);

// Writes `data` to the file (or stdout for "-"), flushes and checks the
// stream state. Returns kExitOk or kExitIoError (message on `diagnostics`).
int writeOutput(const std::string& path, std::string_view data,
                std::string& diagnostics);

// An output written in pieces: stdout for "-", else a file created when
// the first piece arrives. Failures give the same messages and exit code as
// writeOutput.
class ChunkedOutput {
 public:
  explicit ChunkedOutput(std::string path) : path_(std::move(path)) {}
  // Appends a piece; false once writing has failed.
  bool write(std::string_view piece);
  // Flushes (and closes a file). Returns kExitOk or kExitIoError, with a
  // message on `diagnostics`.
  int finish(std::string& diagnostics);

 private:
  std::ostream* stream();
  void fail();

  std::string path_;
  std::ofstream file_;
  bool opened_ = false;
  std::string error_;  // the first failure
};

// Runs a command's body, which appends its error messages to the string it
// is given, then prints them on stderr. Returns the body's exit code.
int runWithDiagnostics(const std::function<int(std::string&)>& body);

// The name used for a path in diagnostics ("<stdin>" for "-").
std::string displayName(const std::string& path);

}  // namespace brainvm::cli
