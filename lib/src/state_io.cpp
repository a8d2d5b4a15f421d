// The encoding of saved states (brainvm/state.h): varints, doubles,
// strings, sections and value references.
#include <cstring>

#include "brainvm/objects.h"
#include "brainvm/state.h"
#include "state_format.h"
#include "value_internals.h"

namespace brainvm {

void StateWriter::u64(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<uint8_t>(v));
}

void StateWriter::i64(int64_t v) {
  u64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

void StateWriter::f64(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  for (int i = 0; i < 8; ++i) out_.push_back(static_cast<uint8_t>(bits >> (8 * i)));
}

void StateWriter::str(std::string_view s) {
  u64(s.size());
  out_.insert(out_.end(), s.begin(), s.end());
}

void StateWriter::value(const Value& v) {
  using namespace state;
  if (isAbsent(v)) return u8(kValAbsent);
  switch (v.kind()) {
    case ValueKind::Nil: return u8(kValNil);
    case ValueKind::Boolean: return u8(v.asBool() ? kValTrue : kValFalse);
    case ValueKind::Number:
      u8(kValNumber);
      return f64(v.asNumber());
    case ValueKind::Handle:
      u8(kValHandle);
      return u64(v.asHandle());
    case ValueKind::Void: return u8(kValVoid);
    case ValueKind::Unknown: return u8(kValUnknown);
    default: break;
  }
  auto it = objectIds_ ? objectIds_->find(v.asObject()) : decltype(objectIds_->end()){};
  if (!objectIds_ || it == objectIds_->end()) {
    // Only possible for an object the state does not know: the save fails.
    valueError_ = true;
    return u8(kValNil);
  }
  if (it->second & kPermanentBit) {
    u8(kValPermanent);
    u64(it->second & ~kPermanentBit);
  } else {
    u8(kValObject);
    u64(it->second);
  }
}

void StateWriter::beginSection(uint8_t tag) {
  u8(tag);
  open_.push_back(out_.size());
  for (int i = 0; i < 8; ++i) out_.push_back(0);  // length, filled later
}

void StateWriter::endSection() {
  const size_t at = open_.back();
  open_.pop_back();
  const uint64_t length = out_.size() - at - 8;
  for (int i = 0; i < 8; ++i) out_[at + i] = static_cast<uint8_t>(length >> (8 * i));
}

bool StateReader::fail(std::string reason) {
  if (error_.empty())
    error_ = "offset " + std::to_string(offset()) + ": " + std::move(reason);
  return false;
}

bool StateReader::u8(uint8_t& v, const char* what) {
  if (!ok()) return false;
  if (pos_ >= data_.size()) return fail(std::string("truncated ") + what);
  v = data_[pos_++];
  return true;
}

bool StateReader::u64(uint64_t& v, const char* what) {
  if (!ok()) return false;
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= data_.size()) return fail(std::string("truncated ") + what);
    const uint8_t b = data_[pos_++];
    if (shift == 63 && b > 1) return fail(std::string("oversized ") + what);
    v |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return fail(std::string("oversized ") + what);
}

bool StateReader::i64(int64_t& v, const char* what) {
  uint64_t u;
  if (!u64(u, what)) return false;
  v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return true;
}

bool StateReader::u32(uint32_t& v, const char* what) {
  uint64_t u;
  if (!u64(u, what)) return false;
  if (u > UINT32_MAX) return fail(std::string(what) + " out of range");
  v = static_cast<uint32_t>(u);
  return true;
}

bool StateReader::f64(double& v, const char* what) {
  if (!ok()) return false;
  if (data_.size() - pos_ < 8) return fail(std::string("truncated ") + what);
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits |= uint64_t(data_[pos_ + i]) << (8 * i);
  pos_ += 8;
  std::memcpy(&v, &bits, 8);
  return true;
}

bool StateReader::str(std::string& s, const char* what) {
  uint64_t n;
  if (!count(n, 1, what)) return false;
  s.assign(reinterpret_cast<const char*>(data_.data() + pos_), n);
  pos_ += n;
  return true;
}

bool StateReader::count(uint64_t& n, size_t minBytes, const char* what) {
  if (!u64(n, what)) return false;
  const uint64_t left = data_.size() - pos_;
  if (minBytes > 0 && n > left / minBytes)
    return fail(std::string(what) + " count " + std::to_string(n) +
                " exceeds the remaining bytes");
  return true;
}

bool StateReader::value(Value& v, const char* what) {
  if (!valueOrUndefined(v, what)) return false;
  if (isAbsent(v)) return fail(std::string(what) + " is an undefined slot");
  return true;
}

bool StateReader::valueOrUndefined(Value& v, const char* what) {
  using namespace state;
  uint8_t tag;
  if (!u8(tag, what)) return false;
  switch (tag) {
    case kValNil: v = Value(); return true;
    case kValFalse: v = Value::boolean(false); return true;
    case kValTrue: v = Value::boolean(true); return true;
    case kValNumber: {
      double d;
      if (!f64(d, what)) return false;
      v = Value::number(d);
      return true;
    }
    case kValHandle: {
      uint32_t h;
      if (!u32(h, what)) return false;
      v = Value::handle(h);
      return true;
    }
    case kValVoid: v = Value::voidValue(); return true;
    case kValUnknown: v = Value::unknown(); return true;
    case kValAbsent: v = absentValue(); return true;
    case kValObject:
    case kValPermanent: {
      uint64_t index;
      if (!u64(index, what)) return false;
      const std::vector<Value>* table =
          tag == kValObject ? objects_ : permanents_;
      if (!table || index >= table->size())
        return fail(std::string(what) + " refers to object " +
                    std::to_string(index) + ", which the state does not hold");
      v = (*table)[index];
      return true;
    }
    default:
      return fail(std::string(what) + " has an unknown value tag " +
                  std::to_string(tag));
  }
}

}  // namespace brainvm
