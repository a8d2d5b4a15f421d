// Private constants and helpers shared by the image reader and writer.
// The byte layout is documented in docs/image-format.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace brainvm::image {

inline constexpr uint8_t kMagic[4] = {'B', 'V', 'M', 0};
inline constexpr uint16_t kVersion = 1;
inline constexpr size_t kHeaderSize = 16;  // magic, version, flags, length, crc
inline constexpr uint16_t kFlagDebugInfo = 1;

enum Section : uint8_t {
  kSecConstants = 1,
  kSecVarNames = 2,
  kSecSharedVars = 3,
  kSecHostImports = 4,
  kSecFunctions = 5,
  kSecRun = 6,
  kSecDebug = 7,
};

enum ConstTag : uint8_t {
  kConstNil = 0,
  kConstFalse = 1,
  kConstTrue = 2,
  kConstNumber = 3,
  kConstString = 4,
  kConstError = 5,
};

inline constexpr uint64_t kCanonicalNaN = 0x7FF8000000000000ull;

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320).
uint32_t crc32(const uint8_t* data, size_t size);

// Zigzag mapping of signed to unsigned integers.
inline uint32_t zigzag(int32_t v) {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
inline int32_t unzigzag(uint32_t u) {
  return static_cast<int32_t>((u >> 1) ^ (~(u & 1) + 1));
}

// True if s is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF).
// On failure *badIndex receives the index of the first offending byte.
bool validUtf8(std::string_view s, size_t* badIndex = nullptr);

}  // namespace brainvm::image
