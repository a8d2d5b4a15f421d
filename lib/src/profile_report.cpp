// Folded stacks and the top table from profile counts (brainvm/profile.h).
#include <algorithm>
#include <map>
#include <set>

#include "brainvm/profile.h"

namespace brainvm {

std::string profileFrameName(const Program& program, int32_t frame) {
  std::string name;
  if (frame >= 0) {
    const auto f = static_cast<uint32_t>(frame);
    name = f < program.functions.size() ? program.functions[f].name
                                        : "#" + std::to_string(f);
  } else {
    const auto i = static_cast<uint32_t>(-(frame + 1));
    name = "host:" + (i < program.hostImports.size()
                          ? program.hostImports[i].name
                          : "#" + std::to_string(i));
  }
  for (char& c : name)
    if (c == ';' || c == ' ' || c == '\n' || c == '\r' || c == '\t') c = '_';
  return name;
}

namespace {

// The frames of node n, root first.
std::vector<int32_t> pathOf(const ProfileCounts& counts, uint32_t n) {
  std::vector<int32_t> path;
  for (; n != ProfileCounts::kRoot; n = counts.nodes()[n].parent)
    path.push_back(counts.nodes()[n].frame);
  std::reverse(path.begin(), path.end());
  return path;
}

}  // namespace

std::string foldedStacks(const ProfileCounts& counts, const Program& program,
                         bool hostTime) {
  // Distinct nodes can name the same stack only through sanitised names;
  // add them up.
  std::map<std::string, uint64_t> stacks;
  const auto& nodes = counts.nodes();
  for (uint32_t n = 0; n < nodes.size(); ++n) {
    const uint64_t weight =
        hostTime ? nodes[n].hostNanoseconds : nodes[n].instructions;
    if (weight == 0) continue;
    std::string key;
    for (int32_t frame : pathOf(counts, n)) {
      if (!key.empty()) key += ';';
      key += profileFrameName(program, frame);
    }
    stacks[key] += weight;
  }
  std::string out;
  for (const auto& [stack, weight] : stacks) {
    out += stack;
    out += ' ';
    out += std::to_string(weight);
    out += '\n';
  }
  return out;
}

std::vector<ProfileRow> profileTable(const ProfileCounts& counts,
                                     const Program& program) {
  std::map<std::string, ProfileRow> rows;
  const auto& nodes = counts.nodes();
  for (uint32_t n = 0; n < nodes.size(); ++n) {
    const uint64_t weight = nodes[n].instructions;
    if (weight == 0) continue;
    std::vector<int32_t> path = pathOf(counts, n);
    std::set<std::string> seen;  // each name once per stack
    for (size_t i = 0; i < path.size(); ++i) {
      std::string name = profileFrameName(program, path[i]);
      ProfileRow& row = rows[name];
      row.name = name;
      if (i + 1 == path.size()) row.self += weight;
      if (seen.insert(name).second) row.total += weight;
    }
  }
  std::vector<ProfileRow> out;
  for (auto& [name, row] : rows) out.push_back(std::move(row));
  std::stable_sort(out.begin(), out.end(),
                   [](const ProfileRow& a, const ProfileRow& b) {
                     if (a.self != b.self) return a.self > b.self;
                     return a.total > b.total;
                   });
  return out;
}

}  // namespace brainvm
