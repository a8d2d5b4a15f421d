// The image reader: valid images read back exactly; malformed ones are
// rejected with an offset and a reason, never a crash or a huge allocation.
#include <cstring>

#include "asm_test_util.h"
#include "image_format.h"

namespace brainvm::testing {
namespace {

const char* kProgram = R"(
.source "img.bvasm"
.const S "hello \u{1F600}"
.var counter 3
.var e err(HostError, "x")
.spawn worker
.rule worker
.func main(a)
  .local b
  push_const S
  push_const 1.5
  push_const -0
  push_const nan
  push_const true
  push_const false
  push_const nil
  push_const err(Timeout, "t")
  load_var counter
  store_local b
  host_call_args print 1
  host_call_async sleep
  struct_new 0 "Pt"
  call worker
  ret
.end
.func worker()
  push_const nil
  ret
.end
)";

std::vector<uint8_t> image(bool debug = true) {
  Program p = asmOk(kProgram, debug);
  return writeImage(p);
}

// Recomputes the payload checksum so that tests can reach the parser.
void fixChecksum(std::vector<uint8_t>& b) {
  if (b.size() < image::kHeaderSize) return;
  uint32_t crc = image::crc32(b.data() + image::kHeaderSize, b.size() - image::kHeaderSize);
  for (int i = 0; i < 4; ++i) b[12 + i] = static_cast<uint8_t>(crc >> (8 * i));
  auto len = static_cast<uint32_t>(b.size() - image::kHeaderSize);
  for (int i = 0; i < 4; ++i) b[8 + i] = static_cast<uint8_t>(len >> (8 * i));
}

Diagnostic rejected(const std::vector<uint8_t>& b, const ImageLimits& limits = {}) {
  auto r = readImage(b, limits);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return {};
  EXPECT_EQ(r.error().code, ErrorCode::InvalidImage);
  EXPECT_EQ(r.error().diagnostics.size(), 1u);
  EXPECT_GE(r.error().diagnostics[0].offset, 0);
  EXPECT_LE(r.error().diagnostics[0].offset, static_cast<int64_t>(b.size()));
  return r.error().diagnostics[0];
}

bool has(const Diagnostic& d, std::string_view s) {
  return d.message.find(s) != std::string::npos;
}

TEST(Image, ReadsBackExactly) {
  for (bool debug : {true, false}) {
    auto b = image(debug);
    auto r = readImage(b);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(writeImage(*r), b);
    EXPECT_EQ(r->hasDebugInfo, debug);
    EXPECT_EQ(r->functions.size(), 2u);
    EXPECT_EQ(r->constants.size(), 9u);
    EXPECT_TRUE(looksLikeImage(b));
  }
}

TEST(Image, Crc32KnownValue) {
  const char* s = "123456789";
  EXPECT_EQ(image::crc32(reinterpret_cast<const uint8_t*>(s), 9), 0xCBF43926u);
}

TEST(Image, LooksLikeImage) {
  std::string text = ".func main()\n.end\n";
  EXPECT_FALSE(looksLikeImage(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
  EXPECT_FALSE(looksLikeImage({}));
}

TEST(Image, EveryPrefixIsRejected) {
  auto b = image();
  for (size_t n = 0; n < b.size(); ++n) {
    std::vector<uint8_t> prefix(b.begin(), b.begin() + n);
    Diagnostic d = rejected(prefix);
    EXPECT_TRUE(has(d, "truncated") || has(d, "magic")) << n << ": " << d.message;
  }
}

TEST(Image, EveryPrefixWithFixedChecksumIsRejected) {
  // Reaches the section parser's truncation checks.
  auto b = image();
  for (size_t n = image::kHeaderSize; n < b.size(); ++n) {
    std::vector<uint8_t> prefix(b.begin(), b.begin() + n);
    fixChecksum(prefix);
    rejected(prefix);
  }
}

TEST(Image, EverySingleByteFlipRejectedOrLoads) {
  for (bool debug : {true, false}) {
    auto b = image(debug);
    for (size_t i = 0; i < b.size(); ++i) {
      for (bool fix : {false, true}) {
        auto c = b;
        c[i] ^= 0xFF;
        if (fix && i >= image::kHeaderSize) fixChecksum(c);
        auto r = readImage(c);
        if (!r.ok()) {
          ASSERT_EQ(r.error().code, ErrorCode::InvalidImage);
          EXPECT_GE(r.error().diagnostics.at(0).offset, 0);
          EXPECT_FALSE(r.error().diagnostics[0].message.empty());
        } else {
          EXPECT_TRUE(fix) << "checksum must catch a flip at " << i;
          (void)disassemble(*r);  // a loaded program must be printable
        }
      }
    }
  }
}

TEST(Image, BadMagic) {
  auto b = image();
  b[1] = 'X';
  Diagnostic d = rejected(b);
  EXPECT_EQ(d.offset, 0);
  EXPECT_EQ(d.message, "bad magic number (not a brainvm image)");
}

TEST(Image, BadVersion) {
  auto b = image();
  b[4] = 9;
  Diagnostic d = rejected(b);
  EXPECT_EQ(d.offset, 4);
  EXPECT_TRUE(has(d, "unsupported image format version 9")) << d.message;
}

TEST(Image, BadFlags) {
  auto b = image();
  b[6] |= 2;
  Diagnostic d = rejected(b);
  EXPECT_EQ(d.offset, 6);
}

TEST(Image, ChecksumMismatch) {
  auto b = image();
  b[b.size() - 1] ^= 1;
  Diagnostic d = rejected(b);
  EXPECT_EQ(d.offset, 12);
  EXPECT_EQ(d.message, "checksum mismatch: the payload is corrupted");
}

TEST(Image, TrailingBytes) {
  auto b = image();
  size_t n = b.size();
  b.push_back(0);
  Diagnostic d = rejected(b);
  EXPECT_EQ(d.offset, static_cast<int64_t>(n));
  EXPECT_TRUE(has(d, "trailing")) << d.message;
  // Trailing data inside the payload (after the last section).
  b = image(false);
  n = b.size();
  b.push_back(9);
  fixChecksum(b);
  d = rejected(b);
  EXPECT_EQ(d.offset, static_cast<int64_t>(n));
  EXPECT_TRUE(has(d, "unexpected data after the last section")) << d.message;
}

// A hand-made payload: sections given as (id, body) pairs.
std::vector<uint8_t> build(const std::vector<std::pair<uint8_t, std::vector<uint8_t>>>& sections,
                           uint16_t flags = 0) {
  std::vector<uint8_t> b = {'B', 'V', 'M', 0, 1, 0, static_cast<uint8_t>(flags), 0,
                            0, 0, 0, 0, 0, 0, 0, 0};
  for (const auto& [id, body] : sections) {
    b.push_back(id);
    auto len = static_cast<uint32_t>(body.size());
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(len >> (8 * i)));
    b.insert(b.end(), body.begin(), body.end());
  }
  fixChecksum(b);
  return b;
}

using Body = std::vector<uint8_t>;
// Minimal valid sections: empty tables, no entry.
std::vector<std::pair<uint8_t, Body>> minimal() {
  return {{1, {0}}, {2, {0}}, {3, {0}}, {4, {0}}, {5, {0}}, {6, {0, 0, 0}}};
}

TEST(Image, MinimalImageLoads) {
  auto r = readImage(build(minimal()));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->functions.empty());
}

TEST(Image, AbsurdCountsRejectedWithoutAllocation) {
  auto s = minimal();
  s[0].second = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F};  // 2^32-1 constants
  Diagnostic d = rejected(build(s));
  EXPECT_TRUE(has(d, "exceeds the limit")) << d.message;
  s[0].second = {0xFF, 0xFF, 0x0F};  // within the limit, but no bytes
  d = rejected(build(s));
  EXPECT_TRUE(has(d, "cannot fit")) << d.message;
  EXPECT_EQ(d.offset, 21);
  // A function with an absurd instruction count.
  s = minimal();
  s[4].second = {1, 1, 'f', 0, 0, 0xFF, 0xFF, 0xFF, 0x07};
  d = rejected(build(s));
  EXPECT_TRUE(has(d, "instruction count")) << d.message;
  // A string longer than the section.
  s = minimal();
  s[1].second = {1, 0xFF, 0xFF, 0x03, 'a'};
  d = rejected(build(s));
  EXPECT_TRUE(has(d, "truncated")) << d.message;
  ImageLimits small;
  small.maxStringBytes = 2;
  s[1].second = {1, 3, 'a', 'b', 'c'};
  d = rejected(build(s), small);
  EXPECT_TRUE(has(d, "exceeds the limit of 2")) << d.message;
  small = {};
  small.maxImageBytes = 10;
  d = rejected(build(minimal()), small);
  EXPECT_EQ(d.offset, 0);
}

TEST(Image, StructuralErrors) {
  struct Case {
    uint8_t section;
    Body body;
    const char* message;
  };
  std::vector<Case> cases = {
      {1, {1, 9}, "unknown constant kind 9"},
      {1, {1, 5, 6, 0}, "unknown error tag 6"},
      {1, {1, 3, 1, 0, 0, 0, 0, 0, 0xF8, 0x7F}, "non-canonical NaN"},
      {1, {1, 4, 1, 0xFF}, "invalid UTF-8 in string constant"},
      {1, {1, 4, 2, 0xC0, 0x80}, "invalid UTF-8"},
      {1, {1, 4, 0x80, 0x00}, "non-minimal varint"},
      {1, {1, 0, 7}, "unread byte(s) at the end of section constants"},
      {2, {2, 1, 'a', 1, 'a'}, "duplicate variable name 'a'"},
      {3, {1, 0, 0}, "shared variable name index 0 is out of range"},
      {4, {1, 1, 'h', 2}, "bad host import kind 2"},
      {4, {2, 1, 'h', 0, 1, 'h', 1}, "duplicate host import 'h'"},
      {5, {1, 1, 'f', 2, 1, 0}, "has 1 locals, fewer than its 2 parameters"},
      {5, {2, 1, 'f', 0, 0, 0, 1, 'f', 0, 0, 0}, "duplicate function name 'f'"},
      {5, {1, 1, 'f', 0, 0, 1, 0, 0}, "instruction count 1 cannot fit"},
      {5, {1, 1, 'f', 0, 0, 1, 0, 0x80, 0x80, 0x80}, "truncated"},
      {6, {1, 0, 0, 0}, "entry refers to function 0 but there are only 0"},
      {6, {2, 0, 0}, "bad entry flag 2"},
      {6, {0, 1, 3, 0}, "spawn refers to function 3"},
      {6, {0, 0, 1, 0}, "rule refers to function 0"},
      {6, {0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, "does not fit in 32 bits"},
  };
  for (const Case& c : cases) {
    auto s = minimal();
    s[c.section - 1].second = c.body;
    Diagnostic d = rejected(build(s));
    EXPECT_TRUE(has(d, c.message)) << "section " << int(c.section) << ": got '"
                                   << d.message << "', want '" << c.message << "'";
  }
}

TEST(Image, SectionOrderAndPresence) {
  auto s = minimal();
  std::swap(s[0], s[1]);
  Diagnostic d = rejected(build(s));
  EXPECT_TRUE(has(d, "unexpected section 2")) << d.message;
  EXPECT_EQ(d.offset, 16);
  s = minimal();
  s.insert(s.begin() + 1, s[0]);  // duplicate constants section
  d = rejected(build(s));
  EXPECT_TRUE(has(d, "unexpected section 1")) << d.message;
  s = minimal();
  s.pop_back();
  d = rejected(build(s));
  EXPECT_TRUE(has(d, "missing section 6")) << d.message;
  s = minimal();
  s.push_back({7, {0}});
  d = rejected(build(s));  // debug section without the flag
  EXPECT_TRUE(has(d, "debug flag")) << d.message;
  d = rejected(build(minimal(), 1));  // flag without the section
  EXPECT_TRUE(has(d, "missing section 7")) << d.message;
  s = minimal();
  s[0].second = {1};  // section length too short for its count's items
  d = rejected(build(s));
  EXPECT_TRUE(has(d, "cannot fit")) << d.message;
}

TEST(Image, DebugInfoConsistency) {
  auto s = minimal();
  s[4].second = {1, 1, 'f', 1, 1, 1, 1, 0, 0, 0};  // f(p): one instruction
  auto withDebug = [&](Body debug) {
    auto t = s;
    t.push_back({7, debug});
    return build(t, 1);
  };
  ASSERT_TRUE(readImage(withDebug({0, 1, 2, 1, 1, 'p'})).ok());
  Diagnostic d = rejected(withDebug({0, 0, 1, 1, 'p'}));
  EXPECT_TRUE(has(d, "0 debug lines for 1 instructions")) << d.message;
  d = rejected(withDebug({0, 1, 2, 0}));
  EXPECT_TRUE(has(d, "0 local names for 1 locals")) << d.message;
  s[4].second = {1, 1, 'f', 0, 2, 0};
  d = rejected(withDebug({0, 0, 2, 1, 'p', 1, 'p'}));
  EXPECT_TRUE(has(d, "duplicate local name 'p'")) << d.message;
}

TEST(Image, PseudoRandomBytesNeverCrash) {
  uint32_t x = 99;
  auto base = image();
  for (int round = 0; round < 2000; ++round) {
    auto c = base;
    int edits = 1 + round % 4;
    for (int e = 0; e < edits; ++e) {
      x = x * 1664525u + 1013904223u;
      size_t at = image::kHeaderSize + (x >> 8) % (c.size() - image::kHeaderSize);
      c[at] = static_cast<uint8_t>(x >> 3);
    }
    if (round % 3 == 0) c.resize(c.size() - (x % 5));
    fixChecksum(c);
    auto r = readImage(c);
    if (r.ok()) (void)disassemble(*r);
  }
}

}  // namespace
}  // namespace brainvm::testing
