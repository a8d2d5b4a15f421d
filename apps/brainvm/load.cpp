#include "load.h"

#include <cstdint>
#include <span>

#include "brainvm/assembler.h"
#include "brainvm/image.h"
#include "brainvm/verifier.h"
#include "exit_codes.h"
#include "io.h"

namespace brainvm::cli {

namespace {

bool hasExtension(const std::string& name, std::string_view ext) {
  return name.size() >= ext.size() &&
         std::string_view(name).substr(name.size() - ext.size()) == ext;
}

}  // namespace

std::string formatError(const Error& error) {
  std::string out;
  for (const Diagnostic& d : error.diagnostics) {
    out += formatDiagnosticWithCaret(d);
    out += '\n';
  }
  if (error.diagnostics.empty()) out += "error: unknown error\n";
  return out;
}

ProgramInput loadProgram(const std::string& name, std::string_view bytes,
                          std::string& diagnostics) {
  ProgramInput loaded;
  std::span<const uint8_t> raw(reinterpret_cast<const uint8_t*>(bytes.data()),
                               bytes.size());
  if (looksLikeImage(raw) || hasExtension(name, ".bvm")) {
    loaded.fromImage = true;
    Result<Program> r = readImage(raw);
    if (!r.ok()) {
      Error e = r.takeError();
      for (Diagnostic& d : e.diagnostics)
        if (d.file.empty()) d.file = name;
      diagnostics += formatError(e);
      loaded.exitCode = kExitDataError;
      return loaded;
    }
    loaded.program.emplace(std::move(r).value());
    return loaded;
  }
  AssembleOptions options;
  options.fileName = name;
  options.debugInfo = true;
  Result<Program> r = assemble(bytes, options);
  if (!r.ok()) {
    diagnostics += formatError(r.error());
    loaded.exitCode = kExitDataError;
    return loaded;
  }
  loaded.program.emplace(std::move(r).value());
  return loaded;
}

ProgramInput loadVerifiedProgram(const std::string& inputPath,
                                 std::string& diagnostics) {
  ProgramInput failed;
  std::string bytes;
  failed.exitCode = readInput(inputPath, bytes, diagnostics);
  if (failed.exitCode != kExitOk) return failed;
  const std::string name = displayName(inputPath);
  ProgramInput loaded = loadProgram(name, bytes, diagnostics);
  if (loaded.exitCode != kExitOk) return loaded;
  VerifyOptions vopts;
  vopts.fileName = name;
  if (Status verified = verifyProgram(*loaded.program, vopts); !verified) {
    diagnostics += formatError(verified.error());
    failed.exitCode = kExitDataError;
    return failed;
  }
  return loaded;
}

}  // namespace brainvm::cli
