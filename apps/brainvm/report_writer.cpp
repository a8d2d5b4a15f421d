#include "report_writer.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "report_json.h"
#include "value_json.h"

namespace brainvm::cli {

namespace {

// The writer's small steps run many times per record: keep them inline.
#define BVM_INLINE [[gnu::always_inline]] inline

// Emits JSON in exactly the layout of nlohmann's dump(): compact, or indented
// by 2 with `"key": value` and "[]"/"{}" for empty containers. Values that
// are not plain scalars are encoded as a JSON document and spliced in.
class Writer {
 public:
  // With a sink, `out` is only a buffer: full chunks go to the sink.
  Writer(std::string& out, bool pretty, const ReportSink* sink = nullptr)
      : out_(out), used_(out.size()), pretty_(pretty), sink_(sink) {}
  ~Writer() { out_.resize(used_); }

  // Hands the buffer to the sink once it holds a chunk's worth.
  void flushIfLarge() {
    if (sink_ && used_ >= kChunkBytes) flush();
  }
  // Hands everything left to the sink; false if the sink failed.
  bool finish() {
    if (sink_ && used_ > 0) flush();
    return ok_;
  }

  void endLine() { put('\n'); }
  BVM_INLINE void beginObject() { open('{'); }
  BVM_INLINE void endObject() { close('}'); }
  BVM_INLINE void beginArray() { open('['); }
  BVM_INLINE void endArray() { close(']'); }

  template <size_t N>
  BVM_INLINE void key(const char (&k)[N]) {
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

  BVM_INLINE void string(std::string_view s) {
    beforeValue();
    quoted(s);
  }

  BVM_INLINE void unsignedNumber(uint64_t n) {
    beforeValue();
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    put(std::string_view(buf, static_cast<size_t>(end - buf)));
  }

  BVM_INLINE void null() {
    beforeValue();
    put("null");
  }

  // A value of the report encoding; scalars and strings directly, the rest
  // through the encoder. Each counts against the encoder's node limit.
  void value(ValueEncoder& enc, const Value& v) {
    char buf[24];
    if (std::optional<std::string_view> text = scalarText(v, buf)) {
      if (enc.countNode()) {
        beforeValue();
        put(*text);
        return;
      }
    } else if (v.isString() && enc.countNode()) {
      string(v.stringView());
      return;
    }
    document(enc.encode(v));
  }

  // A JSON document at the current position, re-indented to its depth.
  void document(const Json& j) {
    beforeValue();
    std::string text =
        j.dump(pretty_ ? 2 : -1, ' ', false, Json::error_handler_t::replace);
    if (!pretty_ || open_.empty()) {
      put(text);
      return;
    }
    const size_t indent = open_.size() * 2;
    for (char c : text) {
      put(c);
      if (c == '\n') spaces(indent);
    }
  }

  // The common fiber record in one step: a plain function name and no value
  // or a scalar result (null, boolean, integral number). Writes exactly what
  // the general path writes; returns false, having written nothing, for any
  // other record.
  bool simpleFiberRecord(const FiberRecord& f, ValueEncoder& enc) {
    const bool done = f.state == FiberState::Done;
    const bool hasError = (f.state == FiberState::Fault ||
                           f.state == FiberState::Cancelled) &&
                          f.error;
    if (hasError || !plainAscii(f.function)) return false;
    char number[24];
    std::string_view result;  // the result's JSON, when done
    if (done) {
      std::optional<std::string_view> text =
          scalarText(f.result ? *f.result : Value(), number);
      if (!text) return false;
      result = *text;
      // A missing result is written as null without counting a node.
      if (f.result && !enc.countNode()) return false;
    }
    beforeValue();
    const std::string_view state = fiberStateName(f.state);
    // Members are indented one level deeper than the record's braces.
    const size_t depth = open_.size();
    const size_t inner = pretty_ ? (depth + 1) * 2 + 1 : 0;  // "\n" + spaces
    char* p = room(f.function.size() + state.size() + result.size() + 64 +
                   4 * inner + depth * 2 + 2);
    auto raw = [&p](std::string_view t) {
      std::memcpy(p, t.data(), t.size());
      p += t.size();
    };
    auto member = [&](std::string_view key) {
      if (pretty_) {
        *p++ = '\n';
        std::memset(p, ' ', inner - 1);
        p += inner - 1;
      }
      *p++ = '"';
      raw(key);
      raw(pretty_ ? std::string_view("\": ") : std::string_view("\":"));
    };
    *p++ = '{';
    member("id");
    auto [idEnd, ec] = std::to_chars(p, p + 24, f.id);
    p = idEnd;
    *p++ = ',';
    member("function");
    *p++ = '"';
    raw(f.function);
    raw("\",");
    member("state");
    *p++ = '"';
    raw(state);
    *p++ = '"';
    if (done) {
      *p++ = ',';
      member("result");
      raw(result);
    }
    if (pretty_) {
      *p++ = '\n';
      std::memset(p, ' ', depth * 2);
      p += depth * 2;
    }
    *p++ = '}';
    used_ = static_cast<size_t>(p - data_);
    return true;
  }

 private:
  // The JSON of a nil-like, boolean or integral-number value (digits go into
  // `buf`); nullopt for anything else.
  static std::optional<std::string_view> scalarText(const Value& v,
                                                    char (&buf)[24]) {
    switch (v.kind()) {
      case ValueKind::Nil:
      case ValueKind::Void:
      case ValueKind::Unknown:
        return "null";
      case ValueKind::Boolean:
        return v.asBool() ? "true" : "false";
      case ValueKind::Number: {
        const double d = v.asNumber();
        if (!isJsonInteger(d)) return std::nullopt;
        auto [end, ec] =
            std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(d));
        return std::string_view(buf, static_cast<size_t>(end - buf));
      }
      default:
        return std::nullopt;
    }
  }

  // Output goes into out_, grown in large steps; used_ is its real length
  // and [data_, data_ + size_) the writable part.
  BVM_INLINE char* room(size_t n) {
    if (used_ + n > size_) [[unlikely]]
      grow(n);
    char* at = data_ + used_;
    used_ += n;
    return at;
  }
  [[gnu::noinline]] void grow(size_t n) {
    // Within the reserved capacity, zero-fill at most 64 KiB ahead.
    out_.resize(std::max(used_ + n, std::min(out_.capacity(), used_ + 65536)));
    data_ = out_.data();
    size_ = out_.size();
  }
  BVM_INLINE void put(char c) { *room(1) = c; }
  BVM_INLINE void put(std::string_view s) { std::memcpy(room(s.size()), s.data(), s.size()); }
  void spaces(size_t n) { std::memset(room(n), ' ', n); }

  // Bytes nlohmann writes unchanged inside a string.
  BVM_INLINE static bool plainAscii(std::string_view s) {
    for (unsigned char c : s)
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
    return true;
  }

  BVM_INLINE void quoted(std::string_view s) {
    if (!plainAscii(s)) {
      put(Json(std::string(s)).dump(-1, ' ', false,
                                    Json::error_handler_t::replace));
      return;
    }
    char* at = room(s.size() + 2);
    at[0] = '"';
    std::memcpy(at + 1, s.data(), s.size());
    at[s.size() + 1] = '"';
  }

  BVM_INLINE void open(char bracket) {
    beforeValue();
    put(bracket);
    open_.push_back(0);
  }

  BVM_INLINE void close(char bracket) {
    const uint64_t count = open_.back();
    open_.pop_back();
    if (count > 0 && pretty_) newline();
    put(bracket);
  }

  BVM_INLINE void newline() {
    put('\n');
    spaces(open_.size() * 2);
  }

  // The separator and indentation before an array element or object key.
  BVM_INLINE void nextElement() {
    if (open_.back()++ > 0) put(',');
    if (pretty_) newline();
  }

  BVM_INLINE void beforeValue() {
    if (afterKey_) {
      afterKey_ = false;
      return;
    }
    if (!open_.empty()) nextElement();
  }

  void flush() {
    if (ok_) ok_ = (*sink_)(std::string_view(data_, used_));
    used_ = 0;
  }

  static constexpr size_t kChunkBytes = 64 * 1024;
  std::string& out_;
  size_t used_;
  char* data_ = nullptr;
  size_t size_ = 0;
  bool pretty_;
  const ReportSink* sink_;
  bool ok_ = true;
  bool afterKey_ = false;
  std::vector<uint64_t> open_;  // elements written per open container
};

void errorField(Writer& w, ValueEncoder& enc, const Value& error) {
  if (error.isError())
    w.document(enc.encodeErrorBody(*error.asError()));
  else
    w.value(enc, error);
}

#undef BVM_INLINE

}  // namespace

namespace {

void writeReport(Writer& w, const RunReport& report, const Program& program) {
  ValueEncoder enc(&program);
  w.beginObject();
  w.key("brainvm");
  w.string("run/1");
  w.key("status");
  w.string(runOutcomeName(report.status));
  w.key("ticks");
  w.unsignedNumber(report.ticks);
  if (report.result) {
    w.key("result");
    w.value(enc, *report.result);
  }

  w.key("fibers");
  w.beginArray();
  for (const FiberRecord& f : report.fibers) {
    w.flushIfLarge();
    if (w.simpleFiberRecord(f, enc)) continue;
    w.beginObject();
    w.key("id");
    w.unsignedNumber(f.id);
    w.key("function");
    w.string(f.function);
    w.key("state");
    w.string(fiberStateName(f.state));
    if (f.state == FiberState::Done) {
      w.key("result");
      if (f.result)
        w.value(enc, *f.result);
      else
        w.null();
    } else if ((f.state == FiberState::Fault ||
                f.state == FiberState::Cancelled) &&
               f.error) {
      w.key("error");
      errorField(w, enc, *f.error);
    }
    w.endObject();
  }
  w.endArray();

  w.key("rules");
  w.beginArray();
  for (const RuleRecord& r : report.rules) {
    w.flushIfLarge();
    w.beginObject();
    w.key("function");
    w.string(r.function);
    w.key("runs");
    w.unsignedNumber(r.runs);
    w.key("fired");
    w.unsignedNumber(r.fired);
    w.key("faults");
    w.unsignedNumber(r.faults);
    if (r.firstError) {
      w.key("error");
      errorField(w, enc, *r.firstError);
    }
    w.endObject();
  }
  w.endArray();

  w.key("variables");
  w.beginObject();
  for (const auto& [name, value] : report.variables) {
    w.flushIfLarge();
    w.key(name);
    w.value(enc, value);
  }
  w.endObject();

  w.key("output");
  w.beginArray();
  for (const std::string& line : report.output) {
    w.flushIfLarge();
    w.string(line);
  }
  w.endArray();

  w.key("stats");
  w.beginObject();
  w.key("instructions");
  w.unsignedNumber(report.instructions);
  w.key("slices");
  w.unsignedNumber(report.slices);
  w.key("handles");
  w.unsignedNumber(report.handles);
  w.endObject();
  w.endObject();
  w.endLine();
}

}  // namespace

void writeReportJson(const RunReport& report, const Program& program,
                     bool pretty, std::string& out) {
  // Most reports are a record per fiber; reserving up front avoids copying
  // (and touching) a growing buffer.
  out.reserve(out.size() + 256 + report.fibers.size() * (pretty ? 120 : 64));
  Writer w(out, pretty);
  writeReport(w, report, program);
}

bool writeReportJson(const RunReport& report, const Program& program,
                     bool pretty, const ReportSink& sink) {
  std::string buffer;
  buffer.reserve(128 * 1024);
  Writer w(buffer, pretty, &sink);
  writeReport(w, report, program);
  return w.finish();
}

}  // namespace brainvm::cli
