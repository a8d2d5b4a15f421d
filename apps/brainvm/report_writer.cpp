#include "report_writer.h"

#include <charconv>
#include <cstring>

#include "value_writer.h"

namespace brainvm::cli {

namespace {

// The common fiber record in one step: a plain function name and no value
// or a scalar result (null, boolean, integral number). Writes exactly what
// the general path writes; returns false, having written nothing, for any
// other record.
[[gnu::always_inline]] inline bool simpleFiberRecord(JsonWriter& w,
                                                     ValueWriter& values,
                                                     const FiberRecord& f) {
  const bool done = f.state == FiberState::Done;
  const bool hasError =
      (f.state == FiberState::Fault || f.state == FiberState::Cancelled) &&
      f.error;
  if (hasError || !JsonWriter::plainAscii(f.function)) return false;
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
  const bool pretty = w.pretty();
  const std::string_view state = fiberStateName(f.state);
  // Members are indented one level deeper than the record's braces.
  const size_t depth = w.depth();
  const size_t inner = pretty ? (depth + 1) * 2 + 1 : 0;  // "\n" + spaces
  char* p = w.beginRaw(f.function.size() + state.size() + result.size() + 64 +
                       4 * inner + depth * 2 + 2);
  auto raw = [&p](std::string_view t) {
    std::memcpy(p, t.data(), t.size());
    p += t.size();
  };
  auto member = [&](std::string_view key) {
    if (pretty) {
      *p++ = '\n';
      std::memset(p, ' ', inner - 1);
      p += inner - 1;
    }
    *p++ = '"';
    raw(key);
    raw(pretty ? std::string_view("\": ") : std::string_view("\":"));
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
  if (pretty) {
    *p++ = '\n';
    std::memset(p, ' ', depth * 2);
    p += depth * 2;
  }
  *p++ = '}';
  w.commit(p);
  return true;
}

// A fiber's or rule's error: the error body itself ({"tag", "message",
// "trace"?}); anything that is not an error value is written as a value.
void errorField(ValueWriter& values, const Value& error) {
  if (error.isError())
    values.errorBody(*error.asError());
  else
    values.value(error);
}

void fiberRecord(JsonWriter& w, ValueWriter& values, const FiberRecord& f) {
  if (simpleFiberRecord(w, values, f)) return;
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
      fiberRecord(w, values, f);
    });
    w.endArray();
  } else {
    arrayMember(w, "fibers", report.fibers,
                [&](const FiberRecord& f) { fiberRecord(w, values, f); });
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
