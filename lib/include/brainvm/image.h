// The .bvm image: a documented, deterministic binary encoding of a Program
// (see docs/image-format.md).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "brainvm/program.h"
#include "brainvm/result.h"

namespace brainvm {

struct ImageLimits {
  uint64_t maxImageBytes = 64ull << 20;
  uint32_t maxFunctions = 1u << 20;
  uint32_t maxConstants = 1u << 22;
  uint32_t maxNames = 1u << 22;
  uint32_t maxCodeLength = 1u << 24;  // instructions per function
  uint32_t maxStringBytes = 16u << 20;
};

// Serialises a program. Same program, same bytes. Debug info is written when
// program.hasDebugInfo is set.
std::vector<uint8_t> writeImage(const Program& program);

// Parses an image. Rejects malformed input with the byte offset and reason
// (ErrorCode::InvalidImage); never allocates more than the input justifies.
// Does not verify: call verifyProgram on the result.
Result<Program> readImage(std::span<const uint8_t> bytes,
                          const ImageLimits& limits = {});

// True if the bytes start with the image magic (to tell images from text).
bool looksLikeImage(std::span<const uint8_t> bytes);

}  // namespace brainvm
