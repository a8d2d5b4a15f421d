// JSON text written token by token in exactly the layout of nlohmann's
// dump(): compact, or indented by 2 with `"key": value` and "[]"/"{}" for
// empty containers. Strings are escaped as dump() escapes them, invalid
// UTF-8 replaced by U+FFFD. The report (report_writer.h) and the values in it
// (value_writer.h) are written with it, never through a JSON document.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace brainvm::cli {

// Receives text in chunks; returns false to report a failed write (the
// remaining chunks are then dropped).
using JsonSink = std::function<bool(std::string_view)>;

// The writer's small steps run many times per report record: keep them
// inline (undefined again at the end of this header).
#define BRAINVM_JSON_INLINE [[gnu::always_inline]] inline

class JsonWriter {
 public:
  // Appends to `out`. With a sink, `out` is only a buffer: whole chunks go
  // to the sink (see flushIfLarge and finish).
  JsonWriter(std::string& out, bool pretty, const JsonSink* sink = nullptr)
      : out_(out), used_(out.size()), pretty_(pretty), sink_(sink) {}
  ~JsonWriter() { out_.resize(used_); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  // Hands the buffer to the sink once it holds a chunk's worth.
  void flushIfLarge() {
    if (sink_ && used_ >= kChunkBytes) flush();
  }
  // Hands everything left to the sink; false if the sink failed.
  bool finish();

  bool pretty() const { return pretty_; }
  // Containers open around the current position.
  size_t depth() const { return open_.size(); }

  void endLine() { put('\n'); }
  BRAINVM_JSON_INLINE void beginObject() { open('{'); }
  BRAINVM_JSON_INLINE void endObject() { close('}'); }
  BRAINVM_JSON_INLINE void beginArray() { open('['); }
  BRAINVM_JSON_INLINE void endArray() { close(']'); }

  // A key that needs no escaping (a literal of the report's own).
  template <size_t N>
  BRAINVM_JSON_INLINE void key(const char (&k)[N]) {
    nextElement();
    put('"');
    put(std::string_view(k, N - 1));
    put(pretty_ ? std::string_view("\": ") : std::string_view("\":"));
    afterKey_ = true;
  }
  void key(std::string_view k) {
    nextElement();
    quoted(k);
    put(pretty_ ? std::string_view(": ") : std::string_view(":"));
    afterKey_ = true;
  }

  BRAINVM_JSON_INLINE void string(std::string_view s) {
    beforeValue();
    quoted(s);
  }
  BRAINVM_JSON_INLINE void unsignedNumber(uint64_t n) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    token(std::string_view(buf, static_cast<size_t>(end - buf)));
  }
  BRAINVM_JSON_INLINE void null() { token("null"); }
  // A scalar given as its JSON text ("true", "-7", "1e+300").
  BRAINVM_JSON_INLINE void token(std::string_view json) {
    beforeValue();
    put(json);
  }

  // For an element written in one step by the caller (the report's
  // fiber-record fast path): the separator and indentation an element gets,
  // then `n` bytes to fill from the returned pointer; commit() takes the
  // end of what was filled.
  BRAINVM_JSON_INLINE char* beginRaw(size_t n) {
    beforeValue();
    return room(n);
  }
  BRAINVM_JSON_INLINE void commit(const char* end) {
    used_ = static_cast<size_t>(end - data_);
  }

  // Bytes dump() writes unchanged inside a string.
  BRAINVM_JSON_INLINE static bool plainAscii(std::string_view s) {
    for (unsigned char c : s)
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
    return true;
  }

 private:
  // Output goes into out_, grown in large steps; used_ is its real length
  // and [data_, data_ + size_) the writable part.
  BRAINVM_JSON_INLINE char* room(size_t n) {
    if (used_ + n > size_) [[unlikely]]
      grow(n);
    char* at = data_ + used_;
    used_ += n;
    return at;
  }
  [[gnu::noinline]] void grow(size_t n);
  BRAINVM_JSON_INLINE void put(char c) { *room(1) = c; }
  BRAINVM_JSON_INLINE void put(std::string_view s) {
    std::memcpy(room(s.size()), s.data(), s.size());
  }
  void spaces(size_t n) { std::memset(room(n), ' ', n); }

  BRAINVM_JSON_INLINE void quoted(std::string_view s) {
    if (!plainAscii(s)) return escaped(s);
    char* at = room(s.size() + 2);
    at[0] = '"';
    std::memcpy(at + 1, s.data(), s.size());
    at[s.size() + 1] = '"';
  }
  // A string with bytes to escape or replace, quoted as dump() does.
  void escaped(std::string_view s);

  BRAINVM_JSON_INLINE void open(char bracket) {
    beforeValue();
    put(bracket);
    open_.push_back(0);
  }
  BRAINVM_JSON_INLINE void close(char bracket) {
    const uint64_t count = open_.back();
    open_.pop_back();
    if (count > 0 && pretty_) newline();
    put(bracket);
  }
  BRAINVM_JSON_INLINE void newline() {
    put('\n');
    spaces(open_.size() * 2);
  }
  // The separator and indentation before an array element or object key.
  BRAINVM_JSON_INLINE void nextElement() {
    if (open_.back()++ > 0) put(',');
    if (pretty_) newline();
  }
  BRAINVM_JSON_INLINE void beforeValue() {
    if (afterKey_) {
      afterKey_ = false;
      return;
    }
    if (!open_.empty()) nextElement();
  }

  void flush();

  static constexpr size_t kChunkBytes = 64 * 1024;
  std::string& out_;
  size_t used_;
  char* data_ = nullptr;
  size_t size_ = 0;
  bool pretty_;
  const JsonSink* sink_;
  bool ok_ = true;
  bool afterKey_ = false;
  std::vector<uint64_t> open_;  // elements written per open container
};

#undef BRAINVM_JSON_INLINE

}  // namespace brainvm::cli
