// Serialises a Program into the .bvm image format (docs/image-format.md).
#include <bit>
#include <cmath>
#include <cstring>

#include "brainvm/image.h"
#include "brainvm/objects.h"
#include "image_format.h"

namespace brainvm {
namespace {

using namespace image;

class Writer {
 public:
  std::vector<uint8_t> out;

  void u8(uint8_t v) { out.push_back(v); }
  void u16(uint16_t v) {
    u8(static_cast<uint8_t>(v));
    u8(static_cast<uint8_t>(v >> 8));
  }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void var(uint64_t v) {
    while (v >= 0x80) {
      u8(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    u8(static_cast<uint8_t>(v));
  }
  void svar(int32_t v) { var(zigzag(v)); }
  void str(std::string_view s) {
    var(s.size());
    out.insert(out.end(), s.begin(), s.end());
  }
  void count(size_t n) { var(n); }

  void constant(const Value& v) {
    switch (v.kind()) {
      case ValueKind::Boolean: u8(v.asBool() ? kConstTrue : kConstFalse); break;
      case ValueKind::Number: {
        u8(kConstNumber);
        double d = v.asNumber();
        u64(std::isnan(d) ? kCanonicalNaN : std::bit_cast<uint64_t>(d));
        break;
      }
      case ValueKind::String:
        u8(kConstString);
        str(v.stringView());
        break;
      case ValueKind::Error:
        u8(kConstError);
        u8(static_cast<uint8_t>(v.asError()->tag()));
        str(v.asError()->message()->view());
        break;
      default:  // nil, and anything that is not a constant kind
        u8(kConstNil);
        break;
    }
  }

  // Starts a section; returns the position of its length field.
  size_t begin(Section id) {
    u8(id);
    size_t at = out.size();
    u32(0);
    return at;
  }
  void end(size_t at) {
    auto len = static_cast<uint32_t>(out.size() - at - 4);
    for (int i = 0; i < 4; ++i) out[at + i] = static_cast<uint8_t>(len >> (8 * i));
  }
};

}  // namespace

std::vector<uint8_t> writeImage(const Program& p) {
  Writer w;
  for (uint8_t b : kMagic) w.u8(b);
  w.u16(kVersion);
  w.u16(p.hasDebugInfo ? kFlagDebugInfo : 0);
  w.u32(0);  // payload length, patched below
  w.u32(0);  // checksum, patched below

  size_t s = w.begin(kSecConstants);
  w.count(p.constants.size());
  for (const Value& v : p.constants) w.constant(v);
  w.end(s);

  s = w.begin(kSecVarNames);
  w.count(p.variableNames.size());
  for (const std::string& n : p.variableNames) w.str(n);
  w.end(s);

  s = w.begin(kSecSharedVars);
  w.count(p.sharedVars.size());
  for (const SharedVar& sv : p.sharedVars) {
    w.var(sv.name);
    w.constant(sv.initial);
  }
  w.end(s);

  s = w.begin(kSecHostImports);
  w.count(p.hostImports.size());
  for (const HostImport& h : p.hostImports) {
    w.str(h.name);
    w.u8(h.async ? 1 : 0);
  }
  w.end(s);

  s = w.begin(kSecFunctions);
  w.count(p.functions.size());
  for (const Function& f : p.functions) {
    w.str(f.name);
    w.var(f.numParams);
    w.var(f.numLocals);
    w.count(f.code.size());
    for (const Instr& in : f.code) {
      w.u8(in.op);
      w.svar(in.a);
      w.svar(in.b);
      w.svar(in.c);
    }
  }
  w.end(s);

  s = w.begin(kSecRun);
  w.u8(p.entry ? 1 : 0);
  if (p.entry) w.var(*p.entry);
  w.count(p.spawns.size());
  for (uint32_t f : p.spawns) w.var(f);
  w.count(p.rules.size());
  for (uint32_t f : p.rules) w.var(f);
  w.end(s);

  if (p.hasDebugInfo) {
    s = w.begin(kSecDebug);
    w.str(p.sourceName);
    for (const Function& f : p.functions) {
      w.count(f.lines.size());
      uint32_t prev = 0;
      for (uint32_t line : f.lines) {
        w.svar(static_cast<int32_t>(line - prev));
        prev = line;
      }
      w.count(f.localNames.size());
      for (const std::string& n : f.localNames) w.str(n);
    }
    w.end(s);
  }

  auto payloadLen = static_cast<uint32_t>(w.out.size() - kHeaderSize);
  uint32_t crc = crc32(w.out.data() + kHeaderSize, payloadLen);
  for (int i = 0; i < 4; ++i) {
    w.out[8 + i] = static_cast<uint8_t>(payloadLen >> (8 * i));
    w.out[12 + i] = static_cast<uint8_t>(crc >> (8 * i));
  }
  return std::move(w.out);
}

bool looksLikeImage(std::span<const uint8_t> bytes) {
  return bytes.size() >= 4 && std::memcmp(bytes.data(), kMagic, 4) == 0;
}

}  // namespace brainvm
