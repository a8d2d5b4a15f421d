// The value encoding of the report (value_writer.h), one value at a time.
#include "value_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "brainvm/heap.h"
#include "brainvm/program.h"

namespace brainvm::cli {
namespace {

Value str(Heap& heap, std::string_view s) {
  return Value::object(heap.newString(s));
}

TEST(ValueWriter, Scalars) {
  EXPECT_EQ(valueToJson(Value::nil()), "null");
  EXPECT_EQ(valueToJson(Value::voidValue()), "null");
  EXPECT_EQ(valueToJson(Value::unknown()), "null");
  EXPECT_EQ(valueToJson(Value::boolean(true)), "true");
  EXPECT_EQ(valueToJson(Value::number(42)), "42");
  EXPECT_EQ(valueToJson(Value::number(-0.0)), "0");
  EXPECT_EQ(valueToJson(Value::number(3.25)), "3.25");
  EXPECT_EQ(valueToJson(Value::number(0.1)), "0.1");
  EXPECT_EQ(valueToJson(Value::number(-7)), "-7");
  EXPECT_EQ(valueToJson(Value::number(9007199254740991.0)), "9007199254740991");
  EXPECT_EQ(valueToJson(Value::number(1e300)), "1e+300");
  EXPECT_EQ(valueToJson(Value::number(std::nan(""))), R"({"$number":"NaN"})");
  EXPECT_EQ(valueToJson(Value::number(HUGE_VAL)), R"({"$number":"Infinity"})");
  EXPECT_EQ(valueToJson(Value::number(-HUGE_VAL)),
            R"({"$number":"-Infinity"})");
  EXPECT_EQ(valueToJson(Value::handle(3)), R"({"$handle":3})");
}

TEST(ValueWriter, StringsAreEscapedAsNlohmannDoes) {
  Heap heap;
  EXPECT_EQ(valueToJson(str(heap, "plain")), R"("plain")");
  // Quotes, backslashes and control characters escaped, other text as is,
  // invalid UTF-8 replaced by U+FFFD.
  EXPECT_EQ(valueToJson(str(heap, "q\"b\\ t\t\x01 \xff \u00e9\u2028")),
            "\"q\\\"b\\\\ t\\t\\u0001 \uFFFD \u00e9\u2028\"");
}

TEST(ValueWriter, Containers) {
  Heap heap;
  MapObject* m = heap.newMap();
  heap.mapSet(m, Value::number(1), str(heap, "n"));
  heap.mapSet(m, str(heap, "1"), str(heap, "s"));
  heap.mapSet(m, str(heap, "b"), Value::nil());
  EXPECT_EQ(valueToJson(Value::object(m)),
            R"({"$map":[[1,"n"],["1","s"],["b",null]]})");

  StructObject* s = heap.newStruct(heap.newString("Point"));
  heap.structSet(s, heap.newString("y"), Value::number(2));
  heap.structSet(s, heap.newString("x"), Value::number(1));
  EXPECT_EQ(valueToJson(Value::object(s)),
            R"({"$struct":"Point","fields":{"y":2,"x":1}})");
  StructObject* anon = heap.newStruct(nullptr);
  EXPECT_EQ(valueToJson(Value::object(anon)),
            R"({"$struct":null,"fields":{}})");

  EnumObject* e = heap.newEnum(heap.newString("Color"), heap.newString("red"));
  EXPECT_EQ(valueToJson(Value::object(e)),
            R"({"$enum":"Color","value":"red"})");
}

TEST(ValueWriter, CyclesAndSharing) {
  Heap heap;
  ListObject* l = heap.newList();
  heap.listPush(l, Value::number(1));
  heap.listPush(l, Value::object(l));
  EXPECT_EQ(valueToJson(Value::object(l)), R"([1,{"$cycle":true}])");

  // Shared but acyclic structure is printed in full.
  ListObject* inner = heap.newList();
  heap.listPush(inner, Value::number(7));
  ListObject* outer = heap.newList();
  heap.listPush(outer, Value::object(inner));
  heap.listPush(outer, Value::object(inner));
  EXPECT_EQ(valueToJson(Value::object(outer)), "[[7],[7]]");

  // A map whose value is itself, a struct holding itself.
  MapObject* m = heap.newMap();
  heap.mapSet(m, str(heap, "self"), Value::object(m));
  EXPECT_EQ(valueToJson(Value::object(m)),
            R"({"$map":[["self",{"$cycle":true}]]})");
  StructObject* s = heap.newStruct(nullptr);
  heap.structSet(s, heap.newString("me"), Value::object(s));
  EXPECT_EQ(valueToJson(Value::object(s)),
            R"({"$struct":null,"fields":{"me":{"$cycle":true}}})");
}

TEST(ValueWriter, DepthAndNodeLimits) {
  Heap heap;
  ListObject* root = heap.newList();
  ListObject* cur = root;
  for (int i = 0; i < 1000; ++i) {
    ListObject* next = heap.newList();
    heap.listPush(cur, Value::object(next));
    cur = next;
  }
  EncodeLimits limits;
  limits.maxDepth = 3;
  EXPECT_EQ(valueToJson(Value::object(root), nullptr, limits),
            R"([[[{"$deep":true}]]])");
  std::string text = valueToJson(Value::object(root));
  EXPECT_NE(text.find(R"({"$deep":true})"), std::string::npos);

  // Exponential sharing stays bounded by the node budget.
  ListObject* l = heap.newList();
  heap.listPush(l, Value::number(1));
  for (int i = 0; i < 60; ++i) {
    ListObject* twice = heap.newList();
    heap.listPush(twice, Value::object(l));
    heap.listPush(twice, Value::object(l));
    l = twice;
  }
  EncodeLimits small;
  small.maxNodes = 1000;
  std::string out = valueToJson(Value::object(l), nullptr, small);
  EXPECT_NE(out.find(R"({"$truncated":true})"), std::string::npos);
}

TEST(ValueWriter, EveryValueCountsAgainstTheNodeLimit) {
  Heap heap;
  ListObject* l = heap.newList();
  for (int i = 1; i <= 3; ++i) heap.listPush(l, Value::number(i));
  EncodeLimits two;
  two.maxNodes = 2;  // the list and its first item
  EXPECT_EQ(valueToJson(Value::object(l), nullptr, two),
            R"([1,{"$truncated":true},{"$truncated":true}])");
  two.maxNodes = 0;
  EXPECT_EQ(valueToJson(Value::object(l), nullptr, two),
            R"({"$truncated":true})");
}

TEST(ValueWriter, Errors) {
  Heap heap;
  Program program;
  program.functions.resize(2);
  program.functions[0].name = "main";
  program.functions[1].name = "worker";
  ErrorObject* plain = heap.newError(ErrorTag::Timeout, heap.newString("late"));
  EXPECT_EQ(valueToJson(Value::object(plain), &program),
            R"({"$error":{"tag":"Timeout","message":"late"}})");
  ErrorObject* traced = heap.newError(
      ErrorTag::HostError, heap.newString("division by zero"),
      {TraceFrame{1, 7, 31}, TraceFrame{0, 2, 0}, TraceFrame{9, 1, 4}});
  EXPECT_EQ(
      valueToJson(Value::object(traced), &program),
      R"({"$error":{"tag":"HostError","message":"division by zero",)"
      R"("trace":[{"function":"worker","pc":7,"line":31},)"
      R"({"function":"main","pc":2},{"function":"#9","pc":1,"line":4}]}})");
}

// Written pretty, values take the indentation of nlohmann's dump().
TEST(ValueWriter, PrettyLayout) {
  Heap heap;
  ListObject* l = heap.newList();
  heap.listPush(l, Value::number(1));
  heap.listPush(l, Value::object(heap.newList()));
  heap.listPush(l, Value::object(heap.newMap()));
  MapObject* m = heap.newMap();
  heap.mapSet(m, str(heap, "k"), Value::object(l));
  std::string text;
  {
    JsonWriter out(text, true);
    out.beginObject();
    out.key("v");
    ValueWriter(out, nullptr).value(Value::object(m));
    out.endObject();
  }
  EXPECT_EQ(text,
            "{\n"
            "  \"v\": {\n"
            "    \"$map\": [\n"
            "      [\n"
            "        \"k\",\n"
            "        [\n"
            "          1,\n"
            "          [],\n"
            "          {\n"
            "            \"$map\": []\n"
            "          }\n"
            "        ]\n"
            "      ]\n"
            "    ]\n"
            "  }\n"
            "}");
}

}  // namespace
}  // namespace brainvm::cli
