// In-process tests of JSON input decoding (--var/--vars/--env).
#include "value_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "brainvm/heap.h"
#include "value_writer.h"

namespace brainvm::cli {
namespace {

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
    EXPECT_EQ(valueToJson(v), in.dump()) << text;
  }
}

TEST(ValueJson, PlainObjectsAreStringKeyedMapsInDocumentOrder) {
  Heap heap;
  Value v;
  std::string error;
  ASSERT_TRUE(
      jsonToValue(parse(R"({"z":1,"a":[true],"m":{}})"), &heap, v, error));
  EXPECT_EQ(valueToJson(v),
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
