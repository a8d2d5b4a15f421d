// Shared helpers for the assembler and image tests.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "brainvm/assembler.h"
#include "brainvm/image.h"

namespace brainvm::testing {

inline AssembleOptions opts(bool debug = true) {
  AssembleOptions o;
  o.fileName = "t.bvasm";
  o.debugInfo = debug;
  return o;
}

// Assembles text that must be valid; fails the test otherwise.
inline Program asmOk(std::string_view text, bool debug = true) {
  auto r = assemble(text, opts(debug));
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
  if (!r.ok()) return Program{};
  return std::move(r).value();
}

// Assembles text that must fail; returns its diagnostics.
inline std::vector<Diagnostic> asmErr(std::string_view text) {
  auto r = assemble(text, opts());
  EXPECT_FALSE(r.ok()) << "expected an assembly error";
  if (r.ok()) return {};
  EXPECT_EQ(r.error().code, ErrorCode::AssemblyError);
  return r.error().diagnostics;
}

// Wraps instructions in a main function.
inline std::string inMain(std::string_view body) {
  return ".func main()\n" + std::string(body) + "\n.end\n";
}

inline std::string readText(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// writeImage(assemble(disassemble(p))) == writeImage(p), using the same
// debug setting as p.
inline ::testing::AssertionResult roundTrips(const Program& p) {
  std::string text = disassemble(p);
  AssembleOptions o = opts(p.hasDebugInfo);
  auto again = assemble(text, o);
  if (!again.ok())
    return ::testing::AssertionFailure()
           << "disassembly does not assemble:\n"
           << again.error().message() << "\n--- text ---\n"
           << text;
  if (writeImage(*again) != writeImage(p))
    return ::testing::AssertionFailure() << "image differs after round trip:\n"
                                         << text;
  return ::testing::AssertionSuccess();
}

}  // namespace brainvm::testing
