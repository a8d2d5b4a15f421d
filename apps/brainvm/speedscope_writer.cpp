#include "speedscope_writer.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "brainvm/profile.h"
#include "cli_main.h"

namespace brainvm::cli {

std::string speedscopeProfile(const ProfileCounts& counts,
                              const Program& program, const std::string& name,
                              bool hostTime) {
  using Json = nlohmann::ordered_json;
  // Frames in order of first use along the sorted stacks, so the file is
  // the same on every run.
  std::map<int32_t, size_t> frameIndex;
  Json frames = Json::array();
  auto frameOf = [&](int32_t frame) {
    auto [it, added] = frameIndex.emplace(frame, frameIndex.size());
    if (added) {
      Json f = Json::object();
      std::string label = profileFrameName(program, frame);
      if (frame >= 0 && program.hasDebugInfo) {
        const Function& fn = program.functions[static_cast<size_t>(frame)];
        const uint32_t line = fn.lines.empty() ? 0 : fn.lines[0];
        label += " (" + program.sourceName + ":" + std::to_string(line) + ")";
        f["name"] = label;
        f["file"] = program.sourceName;
        f["line"] = line;
      } else {
        f["name"] = label;
      }
      frames.push_back(std::move(f));
    }
    return it->second;
  };

  // Distinct stacks (root first), sorted by their folded text.
  struct Stack {
    std::string text;
    std::vector<int32_t> frames;
    uint64_t weight;
  };
  std::vector<Stack> stacks;
  const auto& nodes = counts.nodes();
  for (uint32_t n = 0; n < nodes.size(); ++n) {
    const uint64_t weight =
        hostTime ? nodes[n].hostNanoseconds : nodes[n].instructions;
    if (weight == 0) continue;
    Stack s{{}, {}, weight};
    for (uint32_t m = n; m != ProfileCounts::kRoot; m = nodes[m].parent)
      s.frames.push_back(nodes[m].frame);
    std::reverse(s.frames.begin(), s.frames.end());
    for (int32_t f : s.frames) s.text += profileFrameName(program, f) + ";";
    stacks.push_back(std::move(s));
  }
  std::sort(stacks.begin(), stacks.end(),
            [](const Stack& a, const Stack& b) { return a.text < b.text; });

  Json samples = Json::array();
  Json weights = Json::array();
  uint64_t total = 0;
  for (const Stack& s : stacks) {
    Json sample = Json::array();
    for (int32_t f : s.frames) sample.push_back(frameOf(f));
    samples.push_back(std::move(sample));
    weights.push_back(s.weight);
    total += s.weight;
  }
  Json profile = Json::object();
  profile["type"] = "sampled";
  profile["name"] = name + (hostTime ? " (host time)" : " (instructions)");
  profile["unit"] = hostTime ? "nanoseconds" : "none";
  profile["startValue"] = 0;
  profile["endValue"] = total;
  profile["samples"] = std::move(samples);
  profile["weights"] = std::move(weights);

  Json doc = Json::object();
  doc["$schema"] = "https://www.speedscope.app/file-format-schema.json";
  doc["shared"] = Json{{"frames", std::move(frames)}};
  doc["profiles"] = Json::array({std::move(profile)});
  doc["name"] = name;
  doc["activeProfileIndex"] = 0;
  doc["exporter"] = kVersionString;
  return doc.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace brainvm::cli
