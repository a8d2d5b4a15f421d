// lcov tracefiles from coverage counts (brainvm/coverage.h).
#include <string>

#include "brainvm/coverage.h"
#include "brainvm/opcodes.h"

namespace brainvm {
namespace {

bool isConditionalJump(uint8_t op) {
  const OpcodeInfo* info = opcodeInfo(op);
  return info && info->flow == Flow::Branch;
}

}  // namespace

bool LcovReport::add(const Program& program, const CoverageCounts& counts,
                     std::string_view fallbackPath) {
  const std::string path = program.sourceName.empty()
                               ? std::string(fallbackPath)
                               : program.sourceName;
  File& file = files_[path];
  const bool lines = program.hasDebugInfo;
  // Conditional jumps are numbered per line in code order (blocks).
  std::map<uint32_t, uint32_t> blocksOnLine;
  for (uint32_t f = 0; f < program.functions.size(); ++f) {
    const Function& fn = program.functions[f];
    const uint32_t firstLine = lines && !fn.lines.empty() ? fn.lines[0] : 0;
    file.functions[{firstLine, fn.name}] += counts.entered(f);
    if (!lines) continue;
    for (uint32_t pc = 0; pc < fn.code.size(); ++pc) {
      const uint32_t line = pc < fn.lines.size() ? fn.lines[pc] : 0;
      if (line == 0) continue;
      const bool newLine = pc == 0 || fn.lines[pc - 1] != line;
      const uint64_t ran = counts.executed(f, pc);
      const uint64_t jumpedIn = counts.arrivals(f, pc);
      // Arrivals always enter the line; falling through enters it only
      // from another line.
      file.lines[line] += newLine ? ran : jumpedIn;
      if (isConditionalJump(fn.code[pc].op)) {
        Branch& b = file.branches[{line, blocksOnLine[line]++}];
        const uint64_t taken = counts.taken(f, pc);
        b.taken += taken;
        b.notTaken += ran - taken;
      }
    }
  }
  return lines;
}

void LcovReport::merge(const LcovReport& other) {
  for (const auto& [path, theirs] : other.files_) {
    File& mine = files_[path];
    for (const auto& [line, n] : theirs.lines) mine.lines[line] += n;
    for (const auto& [key, n] : theirs.functions) mine.functions[key] += n;
    for (const auto& [key, b] : theirs.branches) {
      mine.branches[key].taken += b.taken;
      mine.branches[key].notTaken += b.notTaken;
    }
  }
}

std::string LcovReport::text() const {
  std::string out;
  auto line = [&out](std::string_view key, const std::string& rest) {
    out += key;
    out += ':';
    out += rest;
    out += '\n';
  };
  auto num = [](uint64_t n) { return std::to_string(n); };
  for (const auto& [path, file] : files_) {
    line("TN", "");
    line("SF", path);
    uint64_t hit = 0;
    for (const auto& [key, n] : file.functions)
      line("FN", num(key.first) + "," + key.second);
    for (const auto& [key, n] : file.functions) {
      line("FNDA", num(n) + "," + key.second);
      hit += n > 0;
    }
    line("FNF", num(file.functions.size()));
    line("FNH", num(hit));
    hit = 0;
    for (const auto& [key, b] : file.branches) {
      auto it = file.lines.find(key.first);
      const bool ran = it != file.lines.end() && it->second > 0;
      const std::string at = num(key.first) + "," + num(key.second) + ",";
      line("BRDA", at + "0," + (ran ? num(b.taken) : "-"));
      line("BRDA", at + "1," + (ran ? num(b.notTaken) : "-"));
      hit += (b.taken > 0) + (b.notTaken > 0);
    }
    line("BRF", num(file.branches.size() * 2));
    line("BRH", num(hit));
    hit = 0;
    for (const auto& [l, n] : file.lines) {
      line("DA", num(l) + "," + num(n));
      hit += n > 0;
    }
    line("LF", num(file.lines.size()));
    line("LH", num(hit));
    out += "end_of_record\n";
  }
  return out;
}

}  // namespace brainvm
