// to_string rendering of values (also used by print and concat).
#include <cstdio>
#include <string>
#include <vector>

#include "brainvm/builtins.h"
#include "brainvm/objects.h"

namespace brainvm {
namespace {

constexpr int kMaxDepth = 64;

class Renderer {
 public:
  std::string out;

  void render(const Value& v, bool nested, int depth) {
    switch (v.kind()) {
      case ValueKind::Nil: out += "nil"; return;
      case ValueKind::Void: out += "void"; return;
      case ValueKind::Unknown: out += "unknown"; return;
      case ValueKind::Boolean: out += v.asBool() ? "true" : "false"; return;
      case ValueKind::Number: out += formatNumber(v.asNumber()); return;
      case ValueKind::String:
        if (nested)
          appendQuotedString(out, v.stringView());
        else
          out += v.stringView();
        return;
      case ValueKind::Handle:
        out += "handle#" + std::to_string(v.asHandle());
        return;
      case ValueKind::Error:
        out += errorTagName(v.asError()->tag());
        out += ": ";
        out += v.asError()->message()->view();
        return;
      case ValueKind::Enum:
        out += v.asEnum()->typeId()->view();
        out += '.';
        out += v.asEnum()->key()->view();
        return;
      case ValueKind::List:
      case ValueKind::Map:
      case ValueKind::Struct: break;
    }
    if (depth >= kMaxDepth) {
      out += "...";
      return;
    }
    const Object* o = v.asObject();
    for (const Object* open : path_)
      if (open == o) {
        out += "<cycle>";
        return;
      }
    path_.push_back(o);
    if (v.isList()) {
      out += '[';
      const ListObject* l = v.asList();
      for (uint32_t i = 0; i < l->size(); ++i) {
        if (i) out += ", ";
        render(l->at(i), true, depth + 1);
      }
      out += ']';
    } else if (v.isMap()) {
      out += '{';
      bool first = true;
      v.asMap()->forEach([&](const Value& k, const Value& val) {
        if (!first) out += ", ";
        first = false;
        render(k, true, depth + 1);
        out += ": ";
        render(val, true, depth + 1);
      });
      out += '}';
    } else {
      const StructObject* s = v.asStruct();
      out += s->typeName() ? s->typeName()->view() : std::string_view("struct");
      out += '{';
      for (uint32_t i = 0; i < s->fieldCount(); ++i) {
        if (i) out += ", ";
        out += s->field(i).name->view();
        out += ": ";
        render(s->field(i).value, true, depth + 1);
      }
      out += '}';
    }
    path_.pop_back();
  }

 private:
  std::vector<const Object*> path_;
};

}  // namespace

void appendQuotedString(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

std::string toDisplayString(const Value& v) {
  Renderer r;
  r.render(v, false, 0);
  return std::move(r.out);
}

}  // namespace brainvm
