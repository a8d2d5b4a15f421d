#include "brainvm/result.h"

namespace brainvm {

std::string Diagnostic::format() const {
  std::string out;
  if (!file.empty()) out += file;
  if (line > 0) {
    if (!out.empty()) out += ':';
    out += std::to_string(line);
    if (column > 0) out += ':' + std::to_string(column);
  }
  if (offset >= 0) {
    if (!out.empty()) out += ':';
    out += "offset " + std::to_string(offset);
  }
  if (!out.empty()) out += ": ";
  out += "error: ";
  if (!function.empty()) {
    out += "in function '" + function + "'";
    if (pc >= 0) out += " at pc " + std::to_string(pc);
    out += ": ";
  }
  out += message;
  return out;
}

std::string Error::message() const {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    if (!out.empty()) out += '\n';
    out += d.format();
  }
  return out;
}

}  // namespace brainvm
