// The image reader's fast paths (slice-by-8 CRC, unchecked instruction
// decoding when 16 bytes remain, flat name sets) must behave exactly like the
// checked byte-by-byte paths: same values, same messages, same offsets.
#include <cstring>
#include <string>

#include "asm_test_util.h"
#include "image_format.h"

namespace brainvm::testing {
namespace {

using Body = std::vector<uint8_t>;

// Header + sections 1-6 (+ 7 when debug is given), checksum filled in.
std::vector<uint8_t> imageWith(const Body& functions, const Body* debug = nullptr,
                               const Body& varNames = {0}, const Body& imports = {0}) {
  std::vector<std::pair<uint8_t, Body>> sections = {
      {1, {0}}, {2, varNames}, {3, {0}}, {4, imports}, {5, functions}, {6, {0, 0, 0}}};
  if (debug) sections.push_back({7, *debug});
  std::vector<uint8_t> b = {'B', 'V', 'M', 0, 1, 0, static_cast<uint8_t>(debug ? 1 : 0), 0,
                            0, 0, 0, 0, 0, 0, 0, 0};
  for (const auto& [id, body] : sections) {
    b.push_back(id);
    auto len = static_cast<uint32_t>(body.size());
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(len >> (8 * i)));
    b.insert(b.end(), body.begin(), body.end());
  }
  auto len = static_cast<uint32_t>(b.size() - image::kHeaderSize);
  uint32_t crc = image::crc32(b.data() + image::kHeaderSize, len);
  for (int i = 0; i < 4; ++i) {
    b[8 + i] = static_cast<uint8_t>(len >> (8 * i));
    b[12 + i] = static_cast<uint8_t>(crc >> (8 * i));
  }
  return b;
}

// Byte offset of section `id`'s body in an image made by imageWith.
size_t bodyOffset(const std::vector<uint8_t>& b, uint8_t id) {
  size_t at = image::kHeaderSize;
  while (b[at] != id) {
    uint32_t len = 0;
    std::memcpy(&len, &b[at + 1], 4);
    at += 5 + len;
  }
  return at + 5;
}

void appendString(Body& b, const std::string& s) {
  b.push_back(static_cast<uint8_t>(s.size()));
  b.insert(b.end(), s.begin(), s.end());
}

Diagnostic rejected(const std::vector<uint8_t>& b) {
  auto r = readImage(b);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return {};
  EXPECT_EQ(r.error().diagnostics.size(), 1u);
  return r.error().diagnostics[0];
}

uint32_t crcBitwise(const uint8_t* p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return ~c;
}

TEST(ImageFastPath, Crc32MatchesBitwiseDefinition) {
  std::vector<uint8_t> data(4099);
  uint32_t x = 7;
  for (uint8_t& d : data) d = static_cast<uint8_t>((x = x * 1664525u + 1013904223u) >> 24);
  for (size_t offset = 0; offset < 8; ++offset)
    for (size_t n = 0; n < 80; ++n)
      ASSERT_EQ(image::crc32(data.data() + offset, n), crcBitwise(data.data() + offset, n))
          << "offset " << offset << ", length " << n;
  EXPECT_EQ(image::crc32(data.data(), data.size()), crcBitwise(data.data(), data.size()));
}

TEST(ImageFastPath, OperandsOfEveryWidthReadBack) {
  // Enough instructions that the first ones are decoded by the fast path and
  // the last ones (within 16 bytes of the section end) by the checked path.
  const int32_t values[] = {0, 1, -1, 63, -64, 64, -65, 8191, -8192, 8192,
                            1 << 20, -(1 << 20), INT32_MAX, INT32_MIN, 1 << 27, -(1 << 27)};
  Program p;
  Function f;
  f.name = "f";
  int k = 0;
  for (int32_t a : values)
    for (int32_t c : values) {
      f.code.push_back(Instr{static_cast<uint8_t>(k), a, values[(k * 7) % 16], c});
      ++k;
    }
  p.functions.push_back(f);
  auto r = readImage(writeImage(p));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->functions[0].code, f.code);
}

TEST(ImageFastPath, MalformedOperandReportedLikeTheCheckedPath) {
  struct Case {
    Body operandB;
    const char* message;
  };
  const Case cases[] = {
      {{0x80, 0x00}, "non-minimal varint for operand b"},
      {{0xFF, 0xFF, 0xFF, 0xFF, 0x1F}, "varint for operand b does not fit in 32 bits"},
      {{0xFF, 0xFF, 0xFF, 0xFF, 0x8F}, "varint for operand b does not fit in 32 bits"},
  };
  for (const Case& c : cases) {
    // The bad instruction first (fast path: 16+ bytes follow) or last (the
    // checked path): same message, same offset.
    for (bool last : {false, true}) {
      Body fn = {1, 1, 'f', 0, 0, 5};  // one function "f", 5 instructions
      Body bad = {31, 0};
      bad.insert(bad.end(), c.operandB.begin(), c.operandB.end());
      bad.push_back(0);
      size_t badAt = fn.size() + (last ? 4 * 4 : 0);
      for (int i = 0; i < 5; ++i) {
        if (i == (last ? 4 : 0)) {
          fn.insert(fn.end(), bad.begin(), bad.end());
        } else {
          fn.insert(fn.end(), {31, 0, 0, 0});
        }
      }
      auto b = imageWith(fn);
      Diagnostic d = rejected(b);
      EXPECT_EQ(d.message, c.message) << (last ? "last" : "first");
      EXPECT_EQ(d.offset, static_cast<int64_t>(bodyOffset(b, 5) + badAt + 2))
          << (last ? "last" : "first");
    }
  }
}

// Many names with one duplicate: found at the duplicate's offset, whether the
// names are compared pairwise (few locals) or through the hash set.
TEST(ImageFastPath, DuplicateNamesAmongMany) {
  for (int count : {3, 16, 17, 40, 300}) {
    const int dupAt = count - 1;  // repeats name 1
    auto nameOf = [&](int i) { return "n" + std::to_string(i == dupAt ? 1 : i); };

    // Function names.
    Body fns = {static_cast<uint8_t>(count | 0x80), static_cast<uint8_t>(count >> 7)};
    if (count < 128) fns = {static_cast<uint8_t>(count)};
    size_t dupOffset = 0;
    for (int i = 0; i < count; ++i) {
      if (i == dupAt) dupOffset = fns.size();
      appendString(fns, nameOf(i));
      fns.insert(fns.end(), {0, 0, 1, 31, 0, 0, 0});
    }
    auto b = imageWith(fns);
    Diagnostic d = rejected(b);
    EXPECT_EQ(d.message, "duplicate function name 'n1'") << count;
    EXPECT_EQ(d.offset, static_cast<int64_t>(bodyOffset(b, 5) + dupOffset)) << count;

    // Variable names and host imports.
    Body vars = count < 128 ? Body{static_cast<uint8_t>(count)}
                            : Body{static_cast<uint8_t>(count | 0x80),
                                   static_cast<uint8_t>(count >> 7)};
    Body imports = vars;
    size_t varDup = 0, importDup = 0;
    for (int i = 0; i < count; ++i) {
      if (i == dupAt) varDup = vars.size(), importDup = imports.size();
      appendString(vars, nameOf(i));
      appendString(imports, nameOf(i));
      imports.push_back(0);
    }
    b = imageWith({0}, nullptr, vars);
    d = rejected(b);
    EXPECT_EQ(d.message, "duplicate variable name 'n1'") << count;
    EXPECT_EQ(d.offset, static_cast<int64_t>(bodyOffset(b, 2) + varDup)) << count;
    b = imageWith({0}, nullptr, {0}, imports);
    d = rejected(b);
    EXPECT_EQ(d.message, "duplicate host import 'n1'") << count;
    EXPECT_EQ(d.offset, static_cast<int64_t>(bodyOffset(b, 4) + importDup)) << count;

    // Local names (count < 128 here: one-byte counts).
    if (count >= 128) continue;
    Body fn = {1, 1, 'f', 0, static_cast<uint8_t>(count), 1, 31, 0, 0, 0};
    Body debug = {0, 1, 2, static_cast<uint8_t>(count)};
    size_t localDup = 0;
    for (int i = 0; i < count; ++i) {
      if (i == dupAt) localDup = debug.size();
      appendString(debug, nameOf(i));
    }
    b = imageWith(fn, &debug);
    d = rejected(b);
    EXPECT_EQ(d.message, "duplicate local name 'n1' in function 'f'") << count;
    EXPECT_EQ(d.offset, static_cast<int64_t>(bodyOffset(b, 7) + localDup)) << count;
    // Without the duplicate, the names load in order.
    debug.resize(localDup);
    appendString(debug, "last");
    auto r = readImage(imageWith(fn, &debug));
    ASSERT_TRUE(r.ok()) << r.error().message();
    ASSERT_EQ(r->functions[0].localNames.size(), static_cast<size_t>(count));
    EXPECT_EQ(r->functions[0].localNames[1], "n1");
    EXPECT_EQ(r->functions[0].localNames.back(), "last");
  }
}

}  // namespace
}  // namespace brainvm::testing
