#include "report_writer.h"

#include <charconv>
#include <cstring>
#include <string>

#include "value_writer.h"

namespace brainvm::cli {

namespace {

// The common fiber record in one step: a plain function name and no value
// or a scalar result (null, boolean, integral number). Writes exactly what
// the general path writes; returns false, having written nothing, for any
// other record. What lies between a record's id and its result depends only
// on the function, the state and the indentation, and consecutive records
// mostly share those: it is made once for each run of them.
class SimpleFiberRecords {
 public:
  [[gnu::always_inline]] inline bool write(JsonWriter& w, ValueWriter& values,
                                           const FiberRecord& f) {
    const bool done = f.state == FiberState::Done;
    const bool hasError =
        (f.state == FiberState::Fault || f.state == FiberState::Cancelled) &&
        f.error;
    if (hasError || !middleFor(w, f)) return false;
    char number[24];
    std::string_view result;  // the result's JSON, when done
    if (done) {
      std::optional<std::string_view> text =
          scalarJson(f.result ? *f.result : Value(), number);
      if (!text) return false;
      result = *text;
      // A missing result is written as null without counting a node.
      if (f.result && !values.countNode()) return false;
    }
    char* p = w.beginRaw(idKey_.size() + 24 + middle_.size() +
                         resultKey_.size() + result.size() + closing_.size());
    auto raw = [&p](std::string_view t) {
      std::memcpy(p, t.data(), t.size());
      p += t.size();
    };
    raw(idKey_);
    p = std::to_chars(p, p + 24, f.id).ptr;
    raw(middle_);
    if (done) {
      raw(resultKey_);
      raw(result);
    }
    raw(closing_);
    w.commit(p);
    return true;
  }

 private:
  // Makes the fragments for this record's function, state and indentation
  // unless the last record's serve; false if the name needs escaping.
  bool middleFor(const JsonWriter& w, const FiberRecord& f) {
    const size_t depth = w.depth();
    if (valid_ && f.state == state_ && depth == depth_ &&
        f.function == function_)
      return plain_;
    valid_ = true;
    state_ = f.state;
    depth_ = depth;
    function_ = f.function;
    plain_ = JsonWriter::plainAscii(f.function);
    if (!plain_) return false;
    // Members are indented one level deeper than the record's braces.
    const bool pretty = w.pretty();
    auto member = [&](std::string& out, std::string_view key) {
      if (pretty) out.append("\n").append((depth + 1) * 2, ' ');
      out.append("\"").append(key).append(pretty ? "\": " : "\":");
    };
    idKey_ = "{";
    member(idKey_, "id");
    middle_ = ",";
    member(middle_, "function");
    middle_.append("\"").append(f.function).append("\",");
    member(middle_, "state");
    middle_.append("\"").append(fiberStateName(f.state)).append("\"");
    resultKey_ = ",";
    member(resultKey_, "result");
    closing_.clear();
    if (pretty) closing_.append("\n").append(depth * 2, ' ');
    closing_ += '}';
    return true;
  }

  bool valid_ = false;
  bool plain_ = false;
  FiberState state_ = FiberState::Runnable;
  size_t depth_ = 0;
  std::string function_;
  std::string idKey_, middle_, resultKey_, closing_;
};

// A fiber's or rule's error: the error body itself ({"tag", "message",
// "trace"?}); anything that is not an error value is written as a value.
void errorField(ValueWriter& values, const Value& error) {
  if (error.isError())
    values.errorBody(*error.asError());
  else
    values.value(error);
}

void fiberRecord(JsonWriter& w, ValueWriter& values,
                 SimpleFiberRecords& simple, const FiberRecord& f) {
  if (simple.write(w, values, f)) return;
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
      values.value(*f.result);
    else
      w.null();
  } else if ((f.state == FiberState::Fault ||
              f.state == FiberState::Cancelled) &&
             f.error) {
    w.key("error");
    errorField(values, *f.error);
  }
  w.endObject();
}

template <size_t N>
void numberMember(JsonWriter& w, const char (&key)[N], uint64_t n) {
  w.key(key);
  w.unsignedNumber(n);
}

void ruleRecord(JsonWriter& w, ValueWriter& values, const RuleRecord& r) {
  w.beginObject();
  w.key("function");
  w.string(r.function);
  numberMember(w, "runs", r.runs);
  numberMember(w, "fired", r.fired);
  numberMember(w, "faults", r.faults);
  if (r.firstError) {
    w.key("error");
    errorField(values, *r.firstError);
  }
  w.endObject();
}

// `"key": [...]`, one element per item; full chunks go on between elements.
template <size_t N, class Items, class WriteItem>
void arrayMember(JsonWriter& w, const char (&key)[N], const Items& items,
                 WriteItem writeItem) {
  w.key(key);
  w.beginArray();
  for (const auto& item : items) {
    w.flushIfLarge();
    writeItem(item);
  }
  w.endArray();
}

void writeReport(JsonWriter& w, const RunReport& report,
                 const Program& program, const FiberRecordSource* fibers) {
  ValueWriter values(w, &program);
  SimpleFiberRecords simple;
  w.beginObject();
  w.key("brainvm");
  w.string("run/1");
  w.key("status");
  w.string(runOutcomeName(report.status));
  numberMember(w, "ticks", report.ticks);
  if (report.result) {
    w.key("result");
    values.value(*report.result);
  }
  if (fibers) {
    w.key("fibers");
    w.beginArray();
    (*fibers)([&](const FiberRecord& f) {
      w.flushIfLarge();
      fiberRecord(w, values, simple, f);
    });
    w.endArray();
  } else {
    arrayMember(w, "fibers", report.fibers,
                [&](const FiberRecord& f) {
                  fiberRecord(w, values, simple, f);
                });
  }
  arrayMember(w, "rules", report.rules,
              [&](const RuleRecord& r) { ruleRecord(w, values, r); });

  w.key("variables");
  w.beginObject();
  for (const auto& [name, value] : report.variables) {
    w.flushIfLarge();
    w.key(name);
    values.value(value);
  }
  w.endObject();

  arrayMember(w, "output", report.output,
              [&](const std::string& line) { w.string(line); });
  w.key("stats");
  w.beginObject();
  numberMember(w, "instructions", report.instructions);
  numberMember(w, "slices", report.slices);
  numberMember(w, "handles", report.handles);
  w.endObject();
  w.endObject();
  w.endLine();
}

}  // namespace

void writeReportJson(const RunReport& report, const Program& program,
                     bool pretty, std::string& out,
                     const FiberRecordSource* fibers) {
  // Most reports are a record per fiber; reserving up front avoids copying
  // (and touching) a growing buffer.
  out.reserve(out.size() + 256 + report.fibers.size() * (pretty ? 120 : 64));
  JsonWriter w(out, pretty);
  writeReport(w, report, program, fibers);
}

bool writeReportJson(const RunReport& report, const Program& program,
                     bool pretty, const ReportSink& sink,
                     const FiberRecordSource* fibers) {
  std::string buffer;
  buffer.reserve(128 * 1024);
  JsonWriter w(buffer, pretty, &sink);
  writeReport(w, report, program, fibers);
  return w.finish();
}

}  // namespace brainvm::cli
