#include "io.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "exit_codes.h"

namespace brainvm::cli {

namespace {

std::string errnoText() {
  int e = errno;
  return e != 0 ? std::string(std::strerror(e)) : std::string("I/O error");
}

bool readStream(std::istream& in, std::string& out) {
  std::ostringstream buf;
  buf << in.rdbuf();
  // An empty input leaves failbit set on `buf`; only `in` going bad counts.
  if (in.bad()) return false;
  out = std::move(buf).str();
  return true;
}

}  // namespace

std::string displayName(const std::string& path) {
  return path == "-" ? std::string("<stdin>") : path;
}

int readInput(const std::string& path, std::string& out,
              std::string& diagnostics) {
  if (path == "-") {
    if (!readStream(std::cin, out)) {
      diagnostics += "error: cannot read <stdin>\n";
      return kExitNoInput;
    }
    return kExitOk;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    diagnostics += "error: cannot read '" + path + "': is a directory\n";
    return kExitNoInput;
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostics += "error: cannot read '" + path + "': " + errnoText() + "\n";
    return kExitNoInput;
  }
  errno = 0;
  // Read in one block when the size is known (regular files); fall back to
  // streaming for pipes and special files.
  std::string data;
  if (std::uintmax_t size = std::filesystem::file_size(path, ec); !ec) {
    data.resize(static_cast<size_t>(size));
    in.read(data.data(), static_cast<std::streamsize>(size));
    data.resize(static_cast<size_t>(in.gcount()));
    if (in.eof() || in.good()) {
      std::string rest((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
      data += rest;
    }
  } else {
    data.assign((std::istreambuf_iterator<char>(in)),
                std::istreambuf_iterator<char>());
  }
  if (in.bad()) {
    // Directories open fine but fail on the first read.
    diagnostics += "error: cannot read '" + path + "': " + errnoText() + "\n";
    return kExitNoInput;
  }
  out = std::move(data);
  return kExitOk;
}

int runWithDiagnostics(const std::function<int(std::string&)>& body) {
  std::string diagnostics;
  const int rc = body(diagnostics);
  std::cerr << diagnostics << std::flush;
  return rc;
}

int writeOutput(const std::string& path, std::string_view data,
                std::string& diagnostics) {
  ChunkedOutput out(path);
  out.write(data);
  return out.finish(diagnostics);
}

std::ostream* ChunkedOutput::stream() {
  if (path_ == "-") return &std::cout;
  if (!opened_) {
    opened_ = true;
    errno = 0;
    file_.open(path_, std::ios::binary | std::ios::trunc);
  }
  return &file_;
}

void ChunkedOutput::fail() {
  if (!error_.empty()) return;
  error_ = path_ == "-" ? "error: cannot write <stdout>\n"
                        : "error: cannot write '" + path_ + "': " +
                              errnoText() + "\n";
}

bool ChunkedOutput::write(std::string_view piece) {
  if (!error_.empty()) return false;
  std::ostream& out = *stream();
  if (out) out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
  if (!out) fail();
  return error_.empty();
}

int ChunkedOutput::finish(std::string& diagnostics) {
  if (error_.empty()) {
    std::ostream& out = *stream();
    out.flush();
    if (!out) fail();
    if (error_.empty() && file_.is_open()) {
      file_.close();
      if (file_.fail()) fail();
    }
  }
  if (path_ == "-") std::cout.clear();
  if (error_.empty()) return kExitOk;
  diagnostics += error_;
  return kExitIoError;
}

}  // namespace brainvm::cli
