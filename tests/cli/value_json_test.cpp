// In-process tests of the report's value encoding and of JSON input decoding.
#include "value_json.h"

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

TEST(ValueJson, Scalars) {
  ValueEncoder enc(nullptr);
  EXPECT_EQ(enc.encode(Value::nil()).dump(), "null");
  EXPECT_EQ(enc.encode(Value::voidValue()).dump(), "null");
  EXPECT_EQ(enc.encode(Value::unknown()).dump(), "null");
  EXPECT_EQ(enc.encode(Value::boolean(true)).dump(), "true");
  EXPECT_EQ(enc.encode(Value::number(42)).dump(), "42");
  EXPECT_EQ(enc.encode(Value::number(-0.0)).dump(), "0");
  EXPECT_EQ(enc.encode(Value::number(3.25)).dump(), "3.25");
  EXPECT_EQ(enc.encode(Value::number(0.1)).dump(), "0.1");
  EXPECT_EQ(enc.encode(Value::number(-7)).dump(), "-7");
  EXPECT_EQ(enc.encode(Value::number(9007199254740991.0)).dump(),
            "9007199254740991");
  EXPECT_EQ(enc.encode(Value::number(1e300)).dump(), "1e+300");
  EXPECT_EQ(enc.encode(Value::number(std::nan(""))).dump(),
            R"({"$number":"NaN"})");
  EXPECT_EQ(enc.encode(Value::number(HUGE_VAL)).dump(),
            R"({"$number":"Infinity"})");
  EXPECT_EQ(enc.encode(Value::number(-HUGE_VAL)).dump(),
            R"({"$number":"-Infinity"})");
  EXPECT_EQ(enc.encode(Value::handle(3)).dump(), R"({"$handle":3})");
}

TEST(ValueJson, Containers) {
  Heap heap;
  ValueEncoder enc(nullptr);
  MapObject* m = heap.newMap();
  heap.mapSet(m, Value::number(1), str(heap, "n"));
  heap.mapSet(m, str(heap, "1"), str(heap, "s"));
  heap.mapSet(m, str(heap, "b"), Value::nil());
  EXPECT_EQ(enc.encode(Value::object(m)).dump(),
            R"({"$map":[[1,"n"],["1","s"],["b",null]]})");

  StructObject* s = heap.newStruct(heap.newString("Point"));
  heap.structSet(s, heap.newString("y"), Value::number(2));
  heap.structSet(s, heap.newString("x"), Value::number(1));
  EXPECT_EQ(enc.encode(Value::object(s)).dump(),
            R"({"$struct":"Point","fields":{"y":2,"x":1}})");
  StructObject* anon = heap.newStruct(nullptr);
  EXPECT_EQ(enc.encode(Value::object(anon)).dump(),
            R"({"$struct":null,"fields":{}})");

  EnumObject* e = heap.newEnum(heap.newString("Color"), heap.newString("red"));
  EXPECT_EQ(enc.encode(Value::object(e)).dump(),
            R"({"$enum":"Color","value":"red"})");
}

TEST(ValueJson, CyclesAndSharing) {
  Heap heap;
  ValueEncoder enc(nullptr);
  ListObject* l = heap.newList();
  heap.listPush(l, Value::number(1));
  heap.listPush(l, Value::object(l));
  EXPECT_EQ(enc.encode(Value::object(l)).dump(), R"([1,{"$cycle":true}])");

  // Shared but acyclic structure is printed in full.
  ListObject* inner = heap.newList();
  heap.listPush(inner, Value::number(7));
  ListObject* outer = heap.newList();
  heap.listPush(outer, Value::object(inner));
  heap.listPush(outer, Value::object(inner));
  EXPECT_EQ(enc.encode(Value::object(outer)).dump(), "[[7],[7]]");

  // A map whose value is itself, a struct holding itself.
  MapObject* m = heap.newMap();
  heap.mapSet(m, str(heap, "self"), Value::object(m));
  EXPECT_EQ(enc.encode(Value::object(m)).dump(),
            R"({"$map":[["self",{"$cycle":true}]]})");
  StructObject* s = heap.newStruct(nullptr);
  heap.structSet(s, heap.newString("me"), Value::object(s));
  EXPECT_EQ(enc.encode(Value::object(s)).dump(),
            R"({"$struct":null,"fields":{"me":{"$cycle":true}}})");
}

TEST(ValueJson, DepthAndNodeLimits) {
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
  ValueEncoder enc(nullptr, limits);
  EXPECT_EQ(enc.encode(Value::object(root)).dump(), R"([[[{"$deep":true}]]])");
  ValueEncoder full(nullptr);
  std::string text = full.encode(Value::object(root)).dump();
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
  ValueEncoder bounded(nullptr, small);
  std::string out = bounded.encode(Value::object(l)).dump();
  EXPECT_NE(out.find(R"({"$truncated":true})"), std::string::npos);
}

TEST(ValueJson, Errors) {
  Heap heap;
  Program program;
  program.functions.resize(2);
  program.functions[0].name = "main";
  program.functions[1].name = "worker";
  ValueEncoder enc(&program);
  ErrorObject* plain = heap.newError(ErrorTag::Timeout, heap.newString("late"));
  EXPECT_EQ(enc.encode(Value::object(plain)).dump(),
            R"({"$error":{"tag":"Timeout","message":"late"}})");
  ErrorObject* traced = heap.newError(
      ErrorTag::HostError, heap.newString("division by zero"),
      {TraceFrame{1, 7, 31}, TraceFrame{0, 2, 0}, TraceFrame{9, 1, 4}});
  EXPECT_EQ(
      enc.encode(Value::object(traced)).dump(),
      R"({"$error":{"tag":"HostError","message":"division by zero",)"
      R"("trace":[{"function":"worker","pc":7,"line":31},)"
      R"({"function":"main","pc":2},{"function":"#9","pc":1,"line":4}]}})");
}

Json parse(const std::string& text) {
  Json j;
  std::string error;
  EXPECT_TRUE(parseJsonText(text, j, error)) << error;
  return j;
}

// Decoding then encoding gives the input back for every accepted form.
TEST(ValueJson, DecodeRoundTrip) {
  for (const char* text :
       {"null", "true", "false", "42", "-1.5", "\"s\"", "[]", "[1,[2,[3]]]",
        R"({"$number":"NaN"})", R"({"$number":"-Infinity"})",
        R"({"$map":[[1,"n"],["1","s"],[{"$number":"Infinity"},null]]})",
        R"({"$struct":"P","fields":{"y":1,"x":{"$map":[]}}})",
        R"({"$struct":null,"fields":{}})",
        R"({"$error":{"tag":"HostError","message":"m"}})",
        R"({"$enum":"Color","value":"red"})"}) {
    Heap heap;
    Value v;
    std::string error;
    Json in = parse(text);
    ASSERT_TRUE(jsonToValue(in, nullptr, v, error)) << text << ": " << error;
    ASSERT_TRUE(jsonToValue(in, &heap, v, error)) << text << ": " << error;
    ValueEncoder enc(nullptr);
    EXPECT_EQ(enc.encode(v).dump(), in.dump()) << text;
  }
}

TEST(ValueJson, PlainObjectsAreStringKeyedMapsInDocumentOrder) {
  Heap heap;
  Value v;
  std::string error;
  ASSERT_TRUE(
      jsonToValue(parse(R"({"z":1,"a":[true],"m":{}})"), &heap, v, error));
  ValueEncoder enc(nullptr);
  EXPECT_EQ(enc.encode(v).dump(),
            R"({"$map":[["z",1],["a",[true]],["m",{"$map":[]}]]})");
}

TEST(ValueJson, DecodeRefusals) {
  for (const char* text :
       {R"({"$handle":1})", R"({"$cycle":true})", R"({"$deep":true})",
        R"({"$truncated":true})", R"({"$number":"nan"})", R"({"$number":1})",
        R"({"$number":"NaN","x":1})", R"({"$map":{}})", R"({"$map":[[1]]})",
        R"({"$map":[[[1],2]]})", R"({"$map":[[true,2]]})",
        R"({"$struct":1,"fields":{}})", R"({"$struct":"T","fields":[]})",
        R"({"$error":{"tag":"Nope"}})", R"({"$error":{"message":"m"}})",
        R"({"$error":"x"})", R"({"$enum":"T"})", R"([1,{"$handle":2}])",
        R"({"k":{"$handle":2}})"}) {
    Heap heap;
    Value v;
    std::string error;
    Json in = parse(text);
    EXPECT_FALSE(jsonToValue(in, nullptr, v, error)) << text;
    EXPECT_FALSE(error.empty()) << text;
    EXPECT_FALSE(jsonToValue(in, &heap, v, error)) << text;
  }
}

TEST(ValueJson, ParseLimits) {
  Json j;
  std::string error;
  EXPECT_TRUE(
      parseJsonText(std::string(64, '[') + std::string(64, ']'), j, error));
  EXPECT_FALSE(
      parseJsonText(std::string(65, '[') + std::string(65, ']'), j, error));
  EXPECT_NE(error.find("64"), std::string::npos);
  // Brackets inside strings do not count.
  EXPECT_TRUE(parseJsonText("\"" + std::string(100, '[') + "\"", j, error));
  EXPECT_FALSE(parseJsonText("{", j, error));
  EXPECT_NE(error.find("invalid JSON"), std::string::npos);
  EXPECT_FALSE(parseJsonText("", j, error));
  EXPECT_FALSE(parseJsonText("1 2", j, error));
}

TEST(ValueJson, DecodeOutOfMemory) {
  Heap heap(64);
  Value v;
  std::string error;
  EXPECT_FALSE(jsonToValue(parse(R"(["a long string that does not fit"])"),
                           &heap, v, error));
  EXPECT_NE(error.find("out of memory"), std::string::npos);
}

}  // namespace
}  // namespace brainvm::cli
