// Parses and structurally validates .bvm images (docs/image-format.md).
// Every failure is an InvalidImage error carrying the byte offset and reason;
// counts are checked against the bytes that remain before anything is
// reserved, so allocation stays proportional to the input size.
#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <vector>

#include "brainvm/image.h"
#include "brainvm/objects.h"
#include "image_format.h"
#include "name_set.h"

namespace brainvm {
namespace {

using namespace image;

const char* sectionName(uint8_t id) {
  switch (id) {
    case kSecConstants: return "constants";
    case kSecVarNames: return "variable names";
    case kSecSharedVars: return "shared variables";
    case kSecHostImports: return "host imports";
    case kSecFunctions: return "functions";
    case kSecRun: return "run";
    case kSecDebug: return "debug info";
    default: return "unknown";
  }
}

class Reader {
 public:
  Reader(std::span<const uint8_t> bytes, const ImageLimits& limits)
      : b_(bytes), limits_(limits), end_(bytes.size()) {}

  Result<Program> run();

 private:
  // Records the first failure; always returns false.
  bool fail(size_t at, std::string message) {
    if (!failed_) {
      failed_ = true;
      Diagnostic d;
      d.message = std::move(message);
      d.offset = static_cast<int64_t>(at);
      diag_ = std::move(d);
    }
    return false;
  }
  size_t remaining() const { return end_ - pos_; }
  bool need(size_t n, const char* what) {
    if (remaining() >= n) [[likely]]
      return true;
    return truncated(n, what);
  }
  // Kept out of line so the checks above stay small enough to inline.
  [[gnu::noinline]] bool truncated(size_t n, const char* what) {
    return fail(pos_, std::string("truncated: ") + what + " needs " +
                          std::to_string(n) + " byte(s) but the " + scope_ +
                          " has " + std::to_string(remaining()) + " left");
  }
  bool u8(uint8_t& v, const char* what) {
    if (!need(1, what)) return false;
    v = b_[pos_++];
    return true;
  }
  uint64_t fixed(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t{b_[pos_ + i]} << (8 * i);
    pos_ += n;
    return v;
  }
  // Unsigned LEB128, at most 32 bits, minimal encoding.
  bool var(uint32_t& out, const char* what) {
    // Most varints are one byte: counts, indices, small operands.
    if (pos_ < end_ && b_[pos_] < 0x80) [[likely]] {
      out = b_[pos_++];
      return true;
    }
    return varMultiByte(out, what);
  }
  [[gnu::noinline]] bool varMultiByte(uint32_t& out, const char* what) {
    if (remaining() >= 5) {
      if (size_t k = decodeVar(b_.data() + pos_, out)) {
        pos_ += k;
        return true;
      }
    }
    // Near the end of the scope, or malformed: byte by byte, for the report.
    size_t start = pos_;
    uint64_t v = 0;
    for (int i = 0;; ++i) {
      uint8_t byte;
      if (!u8(byte, what)) return false;
      if (i == 4 && (byte & 0xF0) != 0)
        return fail(start, std::string("varint for ") + what +
                               " does not fit in 32 bits");
      v |= uint64_t{byte & 0x7Fu} << (7 * i);
      if (!(byte & 0x80)) {
        if (i > 0 && byte == 0)
          return fail(start, std::string("non-minimal varint for ") + what);
        break;
      }
    }
    out = static_cast<uint32_t>(v);
    return true;
  }
  bool svar(int32_t& out, const char* what) {
    uint32_t u;
    if (!var(u, what)) return false;
    out = unzigzag(u);
    return true;
  }
  // A count of items of at least minBytes each, bounded by a limit.
  bool count(uint32_t& n, size_t minBytes, uint64_t limit, const char* what) {
    size_t at = pos_;
    if (!var(n, what)) return false;
    if (n > limit)
      return fail(at, std::string(what) + " count " + std::to_string(n) +
                          " exceeds the limit of " + std::to_string(limit));
    if (uint64_t{n} * minBytes > remaining())
      return fail(at, std::string(what) + " count " + std::to_string(n) +
                          " cannot fit in the " + std::to_string(remaining()) +
                          " remaining byte(s) of the " + scope_);
    return true;
  }
  bool str(std::string& out, const char* what) {
    std::string_view s;
    if (!strView(s, what)) return false;
    out.assign(s);
    return true;
  }
  // A string as a view into the image bytes (no copy).
  bool strView(std::string_view& out, const char* what) {
    size_t at = pos_;
    uint32_t len;
    if (!var(len, what)) return false;
    if (len > limits_.maxStringBytes)
      return fail(at, std::string(what) + " length " + std::to_string(len) +
                          " exceeds the limit of " +
                          std::to_string(limits_.maxStringBytes));
    if (!need(len, what)) return false;
    std::string_view s(reinterpret_cast<const char*>(b_.data() + pos_), len);
    size_t bad = 0;
    if (!isAscii(s) && !validUtf8(s, &bad))
      return fail(pos_ + bad, std::string("invalid UTF-8 in ") + what);
    out = s;
    pos_ += len;
    return true;
  }
  static bool isAscii(std::string_view s) {
    unsigned char any = 0;
    for (char c : s) any |= static_cast<unsigned char>(c);
    return any < 0x80;
  }
  // One instruction: u8 opcode, then svarint a, b, c.
  bool instr(Instr& in) {
    // Fast path: when a whole instruction of the largest size fits, decode
    // without per-byte bounds checks. Anything malformed is decoded again by
    // the checked path, which reports it.
    constexpr size_t kMaxInstrBytes = 1 + 3 * 5;
    if (remaining() >= kMaxInstrBytes) [[likely]] {
      const uint8_t* const start = b_.data() + pos_;
      const uint8_t* q = start + 1;
      uint32_t operands[3];
      for (uint32_t& u : operands) {
        const size_t k = decodeVar(q, u);
        if (k == 0) return instrSlow(in);
        q += k;
      }
      in.op = start[0];
      in.a = unzigzag(operands[0]);
      in.b = unzigzag(operands[1]);
      in.c = unzigzag(operands[2]);
      pos_ += static_cast<size_t>(q - start);
      return true;
    }
    return instrSlow(in);
  }
  // Decodes the varint at q, which must have 5 readable bytes. Returns its
  // length, or 0 if it is malformed (too long or not minimal).
  static size_t decodeVar(const uint8_t* q, uint32_t& out) {
    if (q[0] < 0x80) [[likely]] {
      out = q[0];
      return 1;
    }
    uint32_t v = q[0] & 0x7Fu;
    for (size_t i = 1; i < 5; ++i) {
      const uint8_t byte = q[i];
      v |= uint32_t{byte & 0x7Fu} << (7 * i);
      if (!(byte & 0x80)) {
        if (byte == 0 || (i == 4 && byte > 0x0F)) return 0;
        out = v;
        return i + 1;
      }
    }
    return 0;
  }
  [[gnu::noinline]] bool instrSlow(Instr& in) {
    return u8(in.op, "opcode") && svar(in.a, "operand a") &&
           svar(in.b, "operand b") && svar(in.c, "operand c");
  }
  bool constant(Program& p, Value& out, const char* what);

  bool readConstants(Program& p);
  bool readVarNames(Program& p);
  bool readSharedVars(Program& p);
  bool readHostImports(Program& p);
  bool readFunctions(Program& p);
  bool readRun(Program& p);
  bool readDebug(Program& p);
  bool functionIndex(const Program& p, uint32_t& out, const char* what) {
    size_t at = pos_;
    if (!var(out, what)) return false;
    if (out >= p.functions.size())
      return fail(at, std::string(what) + " refers to function " +
                          std::to_string(out) + " but there are only " +
                          std::to_string(p.functions.size()));
    return true;
  }

  std::span<const uint8_t> b_;
  const ImageLimits& limits_;
  size_t pos_ = 0;
  size_t end_;
  const char* scope_ = "image";
  bool failed_ = false;
  Diagnostic diag_;
};

bool Reader::constant(Program& p, Value& out, const char* what) {
  size_t at = pos_;
  uint8_t tag;
  if (!u8(tag, what)) return false;
  switch (tag) {
    case kConstNil: out = Value::nil(); return true;
    case kConstFalse: out = Value::boolean(false); return true;
    case kConstTrue: out = Value::boolean(true); return true;
    case kConstNumber: {
      if (!need(8, "number constant")) return false;
      uint64_t bits = fixed(8);
      double d = std::bit_cast<double>(bits);
      if (d != d && bits != kCanonicalNaN)
        return fail(at + 1, "non-canonical NaN bit pattern in number constant");
      out = Value::number(d);
      return true;
    }
    case kConstString: {
      std::string_view s;
      if (!strView(s, "string constant")) return false;
      out = Value::object(const_cast<StringObject*>(p.arena->string(s)));
      return true;
    }
    case kConstError: {
      uint8_t t;
      size_t tagAt = pos_;
      if (!u8(t, "error tag")) return false;
      if (t > static_cast<uint8_t>(ErrorTag::StackUnderflow))
        return fail(tagAt, "unknown error tag " + std::to_string(t));
      std::string_view msg;
      if (!strView(msg, "error message")) return false;
      out = Value::object(const_cast<ErrorObject*>(
          p.arena->error(static_cast<ErrorTag>(t), msg)));
      return true;
    }
    default:
      return fail(at, std::string("unknown constant kind ") +
                          std::to_string(tag) + " in " + what);
  }
}

bool Reader::readConstants(Program& p) {
  uint32_t n;
  if (!count(n, 1, limits_.maxConstants, "constant")) return false;
  p.constants.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Value v;
    if (!constant(p, v, "constant pool")) return false;
    p.constants.push_back(v);
  }
  return true;
}

bool Reader::readVarNames(Program& p) {
  uint32_t n;
  if (!count(n, 1, limits_.maxNames, "variable name")) return false;
  p.variableNames.reserve(n);
  NameSet seen(n, [&](uint32_t k) -> std::string_view {
    return p.variableNames[k];
  });
  for (uint32_t i = 0; i < n; ++i) {
    size_t at = pos_;
    std::string_view s;
    if (!strView(s, "variable name")) return false;
    if (!seen.insert(i, s))
      return fail(at, "duplicate variable name '" + std::string(s) + "'");
    p.variableNames.emplace_back(s);
  }
  return true;
}

bool Reader::readSharedVars(Program& p) {
  uint32_t n;
  if (!count(n, 2, limits_.maxNames, "shared variable")) return false;
  p.sharedVars.reserve(n);
  std::vector<bool> seen(p.variableNames.size());
  for (uint32_t i = 0; i < n; ++i) {
    size_t at = pos_;
    SharedVar sv;
    if (!var(sv.name, "shared variable name index")) return false;
    if (sv.name >= p.variableNames.size())
      return fail(at, "shared variable name index " + std::to_string(sv.name) +
                          " is out of range (" +
                          std::to_string(p.variableNames.size()) + " names)");
    if (seen[sv.name])
      return fail(at, "shared variable '" + p.variableNames[sv.name] +
                          "' is declared twice");
    seen[sv.name] = true;
    if (!constant(p, sv.initial, "shared variable initial value")) return false;
    p.sharedVars.push_back(sv);
  }
  return true;
}

bool Reader::readHostImports(Program& p) {
  uint32_t n;
  if (!count(n, 2, limits_.maxNames, "host import")) return false;
  p.hostImports.reserve(n);
  NameSet seen(n, [&](uint32_t k) -> std::string_view {
    return p.hostImports[k].name;
  });
  for (uint32_t i = 0; i < n; ++i) {
    size_t at = pos_;
    std::string_view name;
    if (!strView(name, "host import name")) return false;
    if (!seen.insert(i, name))
      return fail(at, "duplicate host import '" + std::string(name) + "'");
    HostImport h;
    h.name.assign(name);
    size_t kindAt = pos_;
    uint8_t kind;
    if (!u8(kind, "host import kind")) return false;
    if (kind > 1)
      return fail(kindAt, "bad host import kind " + std::to_string(kind) +
                              " (expected 0 = sync or 1 = async)");
    h.async = kind == 1;
    p.hostImports.push_back(std::move(h));
  }
  return true;
}

bool Reader::readFunctions(Program& p) {
  uint32_t n;
  if (!count(n, 4, limits_.maxFunctions, "function")) return false;
  p.functions.reserve(n);
  NameSet seen(n, [&](uint32_t k) -> std::string_view {
    return p.functions[k].name;
  });
  for (uint32_t i = 0; i < n; ++i) {
    size_t at = pos_;
    std::string_view name;
    if (!strView(name, "function name")) return false;
    if (!seen.insert(i, name))
      return fail(at, "duplicate function name '" + std::string(name) + "'");
    // Built in place; on failure the whole program is discarded.
    Function& f = p.functions.emplace_back();
    f.name.assign(name);
    size_t numAt = pos_;
    if (!var(f.numParams, "parameter count") ||
        !var(f.numLocals, "local count"))
      return false;
    if (f.numLocals < f.numParams)
      return fail(numAt, "function '" + f.name + "' has " +
                             std::to_string(f.numLocals) +
                             " locals, fewer than its " +
                             std::to_string(f.numParams) + " parameters");
    if (f.numLocals > limits_.maxNames)
      return fail(numAt, "function '" + f.name + "' local count " +
                             std::to_string(f.numLocals) +
                             " exceeds the limit of " +
                             std::to_string(limits_.maxNames));
    uint32_t len;
    if (!count(len, 4, limits_.maxCodeLength, "instruction")) return false;
    f.code.resize(len);
    for (Instr& in : f.code)
      if (!instr(in)) return false;
  }
  return true;
}

bool Reader::readRun(Program& p) {
  size_t at = pos_;
  uint8_t hasEntry;
  if (!u8(hasEntry, "entry flag")) return false;
  if (hasEntry > 1)
    return fail(at, "bad entry flag " + std::to_string(hasEntry) +
                        " (expected 0 or 1)");
  if (hasEntry) {
    uint32_t f;
    if (!functionIndex(p, f, "entry")) return false;
    p.entry = f;
  }
  for (auto* list : {&p.spawns, &p.rules}) {
    const char* what = list == &p.spawns ? "spawn" : "rule";
    uint32_t n;
    if (!count(n, 1, limits_.maxFunctions, what)) return false;
    list->reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t f;
      if (!functionIndex(p, f, what)) return false;
      list->push_back(f);
    }
  }
  return true;
}

bool Reader::readDebug(Program& p) {
  p.hasDebugInfo = true;
  if (!str(p.sourceName, "source name")) return false;
  for (Function& f : p.functions) {
    size_t at = pos_;
    uint32_t n;
    if (!count(n, 1, limits_.maxCodeLength, "line")) return false;
    if (n != f.code.size())
      return fail(at, "function '" + f.name + "' has " + std::to_string(n) +
                          " debug lines for " + std::to_string(f.code.size()) +
                          " instructions");
    f.lines.resize(n);
    uint32_t line = 0;
    for (uint32_t& out : f.lines) {
      int32_t delta;
      if (!svar(delta, "line delta")) return false;
      line += static_cast<uint32_t>(delta);
      out = line;
    }
    at = pos_;
    if (!count(n, 1, limits_.maxNames, "local name")) return false;
    if (n != f.numLocals)
      return fail(at, "function '" + f.name + "' has " + std::to_string(n) +
                          " local names for " + std::to_string(f.numLocals) +
                          " locals");
    f.localNames.reserve(n);
    // Functions have few locals: compare pairwise unless there are many.
    constexpr uint32_t kMaxPairwise = 16;
    NameSet seen(n <= kMaxPairwise ? 0 : n, [&](uint32_t k) -> std::string_view {
      return f.localNames[k];
    });
    for (uint32_t k = 0; k < n; ++k) {
      size_t nameAt = pos_;
      std::string_view s;
      if (!strView(s, "local name")) return false;
      const bool duplicate =
          n <= kMaxPairwise
              ? std::find(f.localNames.begin(), f.localNames.end(), s) !=
                    f.localNames.end()
              : !seen.insert(k, s);
      if (duplicate)
        return fail(nameAt, "duplicate local name '" + std::string(s) +
                                "' in function '" + f.name + "'");
      f.localNames.emplace_back(s);
    }
  }
  return true;
}

Result<Program> Reader::run() {
  Program p;
  if (b_.size() > limits_.maxImageBytes)
    fail(0, "image is " + std::to_string(b_.size()) +
                " bytes, larger than the limit of " +
                std::to_string(limits_.maxImageBytes));
  else if (!need(4, "magic number")) {
  } else if (std::memcmp(b_.data(), kMagic, 4) != 0)
    fail(0, "bad magic number (not a brainvm image)");
  else if ((pos_ = 4, !need(kHeaderSize - 4, "header"))) {
  } else {
    auto version = static_cast<uint16_t>(fixed(2));
    auto flags = static_cast<uint16_t>(fixed(2));
    auto length = static_cast<uint32_t>(fixed(4));
    auto crc = static_cast<uint32_t>(fixed(4));
    size_t actual = b_.size() - kHeaderSize;
    if (version != kVersion)
      fail(4, "unsupported image format version " + std::to_string(version) +
                  " (this build reads version " + std::to_string(kVersion) +
                  ")");
    else if (flags & ~kFlagDebugInfo)
      fail(6, "unknown header flag bits " + std::to_string(flags) + " (only bit 0, debug info, is defined)");
    else if (length > actual)
      fail(b_.size(), "truncated: header announces a " +
                          std::to_string(length) + "-byte payload but only " +
                          std::to_string(actual) + " byte(s) follow");
    else if (length < actual)
      fail(kHeaderSize + length,
           std::to_string(actual - length) + " trailing byte(s) after the payload");
    else if (crc32(b_.data() + kHeaderSize, length) != crc)
      fail(12, "checksum mismatch: the payload is corrupted");
    else {
      bool debug = flags & kFlagDebugInfo;
      const uint8_t last = debug ? kSecDebug : kSecRun;
      for (uint8_t want = kSecConstants; want <= last && !failed_; ++want) {
        end_ = b_.size();
        scope_ = "image";
        size_t at = pos_;
        if (pos_ == end_) {
          fail(at, std::string("missing section ") + std::to_string(want) +
                       " (" + sectionName(want) + ")");
          break;
        }
        uint8_t id;
        if (!u8(id, "section id")) break;
        if (id != want) {
          fail(at, std::string("unexpected section ") + std::to_string(id) +
                       " (" + sectionName(id) + "); expected section " +
                       std::to_string(want) + " (" + sectionName(want) +
                       "): sections must appear once each, in order");
          break;
        }
        if (!need(4, "section length")) break;
        size_t len = fixed(4);
        if (len > remaining()) {
          fail(at, std::string("truncated: section ") + sectionName(id) +
                       " announces " + std::to_string(len) +
                       " byte(s) but only " + std::to_string(remaining()) +
                       " remain");
          break;
        }
        end_ = pos_ + len;
        scope_ = "section";
        bool ok = false;
        switch (id) {
          case kSecConstants: ok = readConstants(p); break;
          case kSecVarNames: ok = readVarNames(p); break;
          case kSecSharedVars: ok = readSharedVars(p); break;
          case kSecHostImports: ok = readHostImports(p); break;
          case kSecFunctions: ok = readFunctions(p); break;
          case kSecRun: ok = readRun(p); break;
          case kSecDebug: ok = readDebug(p); break;
          default: break;
        }
        if (ok && pos_ != end_)
          fail(pos_, std::to_string(end_ - pos_) + " unread byte(s) at the end "
                         "of section " + sectionName(id));
      }
      end_ = b_.size();
      if (!failed_ && pos_ != end_) {
        uint8_t id = b_[pos_];
        fail(pos_, id == kSecDebug && !debug
                       ? std::string("debug info section present but the "
                                     "header's debug flag is clear")
                       : "unexpected data after the last section (section id " +
                             std::to_string(id) + ")");
      }
    }
  }
  if (failed_) {
    std::vector<Diagnostic> diags;
    diags.push_back(std::move(diag_));
    return Error(ErrorCode::InvalidImage, std::move(diags));
  }
  return p;
}

}  // namespace

Result<Program> readImage(std::span<const uint8_t> bytes,
                          const ImageLimits& limits) {
  Reader r(bytes, limits);
  return r.run();
}

}  // namespace brainvm
