#include "value_json.h"

#include <cmath>
#include <utility>

namespace brainvm::cli {

bool parseJsonText(std::string_view text, Json& out, std::string& error,
                   uint32_t maxDepth) {
  // Bound the nesting before handing the text to the parser.
  uint32_t depth = 0;
  bool inString = false;
  bool escape = false;
  for (char c : text) {
    if (inString) {
      if (escape)
        escape = false;
      else if (c == '\\')
        escape = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > maxDepth) {
        error = "JSON nesting deeper than " + std::to_string(maxDepth);
        return false;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  try {
    out = Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    error = std::string("invalid JSON: ") + e.what();
    return false;
  }
  return true;
}

namespace {

class Decoder {
 public:
  explicit Decoder(Heap* heap) : heap_(heap) {}

  bool decode(const Json& j, Value& out, std::string& error) {
    out = Value::nil();
    switch (j.type()) {
      case Json::value_t::null:
        return true;
      case Json::value_t::boolean:
        out = heap_ ? Value::boolean(j.get<bool>()) : Value::nil();
        return true;
      case Json::value_t::number_integer:
      case Json::value_t::number_unsigned:
      case Json::value_t::number_float:
        out = heap_ ? Value::number(j.get<double>()) : Value::nil();
        return true;
      case Json::value_t::string:
        return makeString(j.get_ref<const std::string&>(), out, error);
      case Json::value_t::array:
        return decodeList(j, out, error);
      case Json::value_t::object:
        return decodeObject(j, out, error);
      case Json::value_t::binary:
      case Json::value_t::discarded:
        break;
    }
    error = "unsupported JSON value";
    return false;
  }

 private:
  bool oom(std::string& error) {
    error = std::string("out of memory: ") + heap_->failureReason();
    return false;
  }

  bool makeString(const std::string& s, Value& out, std::string& error) {
    if (!heap_) return true;
    StringObject* o = heap_->newString(s);
    if (o == nullptr) return oom(error);
    out = Value::object(o);
    return true;
  }

  bool decodeList(const Json& j, Value& out, std::string& error) {
    ListObject* list = nullptr;
    if (heap_) {
      list = heap_->newList(static_cast<uint32_t>(j.size()));
      if (list == nullptr) return oom(error);
    }
    for (const Json& item : j) {
      Value v;
      if (!decode(item, v, error)) return false;
      if (heap_ && !heap_->listPush(list, v)) return oom(error);
    }
    if (heap_) out = Value::object(list);
    return true;
  }

  // A plain object: a map with string keys in document order.
  bool decodePlainMap(const Json& j, Value& out, std::string& error) {
    MapObject* map = nullptr;
    if (heap_) {
      map = heap_->newMap();
      if (map == nullptr) return oom(error);
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
      Value key;
      Value value;
      if (!makeString(it.key(), key, error)) return false;
      if (!decode(it.value(), value, error)) return false;
      if (heap_ && !heap_->mapSet(map, key, value)) return oom(error);
    }
    if (heap_) out = Value::object(map);
    return true;
  }

  bool decodeObject(const Json& j, Value& out, std::string& error) {
    for (const char* refused : {"$handle", "$cycle", "$deep", "$truncated"}) {
      if (j.contains(refused)) {
        error = std::string(refused) + " values cannot be given as input";
        return false;
      }
    }
    if (j.contains("$number")) return decodeNumber(j, out, error);
    if (j.contains("$map")) return decodeMap(j, out, error);
    if (j.contains("$struct")) return decodeStruct(j, out, error);
    if (j.contains("$error")) return decodeError(j, out, error);
    if (j.contains("$enum")) return decodeEnum(j, out, error);
    return decodePlainMap(j, out, error);
  }

  bool decodeNumber(const Json& j, Value& out, std::string& error) {
    const Json& n = j["$number"];
    if (j.size() != 1 || !n.is_string()) {
      error =
          "$number must be {\"$number\": \"NaN\" | \"Infinity\" | "
          "\"-Infinity\"}";
      return false;
    }
    const std::string& s = n.get_ref<const std::string&>();
    double d;
    if (s == "NaN")
      d = std::nan("");
    else if (s == "Infinity")
      d = HUGE_VAL;
    else if (s == "-Infinity")
      d = -HUGE_VAL;
    else {
      error = "$number must be \"NaN\", \"Infinity\" or \"-Infinity\", got \"" +
              s + "\"";
      return false;
    }
    if (heap_) out = Value::number(d);
    return true;
  }

  bool decodeMap(const Json& j, Value& out, std::string& error) {
    const Json& entries = j["$map"];
    if (j.size() != 1 || !entries.is_array()) {
      error = "$map must be {\"$map\": [[key, value], ...]}";
      return false;
    }
    MapObject* map = nullptr;
    if (heap_) {
      map = heap_->newMap();
      if (map == nullptr) return oom(error);
    }
    for (const Json& entry : entries) {
      if (!entry.is_array() || entry.size() != 2) {
        error = "$map entries must be [key, value] pairs";
        return false;
      }
      const Json& k = entry[0];
      bool numberKey = k.is_number() || (k.is_object() && k.size() == 1 &&
                                         k.contains("$number"));
      if (!numberKey && !k.is_string()) {
        error = "$map keys must be numbers or strings";
        return false;
      }
      Value key;
      Value value;
      if (!decode(k, key, error)) return false;
      if (!decode(entry[1], value, error)) return false;
      if (heap_ && !heap_->mapSet(map, key, value)) return oom(error);
    }
    if (heap_) out = Value::object(map);
    return true;
  }

  bool decodeStruct(const Json& j, Value& out, std::string& error) {
    const Json& type = j["$struct"];
    bool shapeOk = (type.is_string() || type.is_null()) &&
                   (j.size() == 1 || (j.size() == 2 && j.contains("fields") &&
                                      j["fields"].is_object()));
    if (!shapeOk) {
      error =
          "$struct must be {\"$struct\": \"Type\" | null, \"fields\": {...}}";
      return false;
    }
    StructObject* s = nullptr;
    if (heap_) {
      const StringObject* typeName = nullptr;
      if (type.is_string()) {
        typeName = heap_->newString(type.get_ref<const std::string&>());
        if (typeName == nullptr) return oom(error);
      }
      s = heap_->newStruct(typeName);
      if (s == nullptr) return oom(error);
    }
    if (j.contains("fields")) {
      const Json& fields = j["fields"];
      for (auto it = fields.begin(); it != fields.end(); ++it) {
        Value value;
        if (!decode(it.value(), value, error)) return false;
        if (heap_) {
          const StringObject* name = heap_->newString(it.key());
          if (name == nullptr || !heap_->structSet(s, name, value))
            return oom(error);
        }
      }
    }
    if (heap_) out = Value::object(s);
    return true;
  }

  bool decodeError(const Json& j, Value& out, std::string& error) {
    const Json& body = j["$error"];
    if (j.size() != 1 || !body.is_object() || !body.contains("tag") ||
        !body["tag"].is_string() ||
        (body.contains("message") && !body["message"].is_string())) {
      error =
          "$error must be {\"$error\": {\"tag\": \"HostError\", \"message\": "
          "\"...\"}}";
      return false;
    }
    ErrorTag tag;
    const std::string& tagName = body["tag"].get_ref<const std::string&>();
    if (!parseErrorTag(tagName, tag)) {
      error = "unknown error tag \"" + tagName + "\"";
      return false;
    }
    if (!heap_) return true;
    std::string message =
        body.contains("message") ? body["message"].get<std::string>() : "";
    const StringObject* m = heap_->newString(message);
    if (m == nullptr) return oom(error);
    // An input "trace" is accepted and ignored: traces are made by the VM.
    ErrorObject* e = heap_->newError(tag, m);
    if (e == nullptr) return oom(error);
    out = Value::object(e);
    return true;
  }

  bool decodeEnum(const Json& j, Value& out, std::string& error) {
    if (j.size() != 2 || !j["$enum"].is_string() || !j.contains("value") ||
        !j["value"].is_string()) {
      error = "$enum must be {\"$enum\": \"TypeId\", \"value\": \"key\"}";
      return false;
    }
    if (!heap_) return true;
    const StringObject* type = heap_->newString(j["$enum"].get<std::string>());
    const StringObject* key = heap_->newString(j["value"].get<std::string>());
    if (type == nullptr || key == nullptr) return oom(error);
    EnumObject* e = heap_->newEnum(type, key);
    if (e == nullptr) return oom(error);
    out = Value::object(e);
    return true;
  }

  Heap* heap_;
};

}  // namespace

bool jsonToValue(const Json& json, Heap* heap, Value& out, std::string& error) {
  Decoder decoder(heap);
  return decoder.decode(json, out, error);
}

}  // namespace brainvm::cli
