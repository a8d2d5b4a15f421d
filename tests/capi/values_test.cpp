// Values through the C API: handles and their lifetimes, scalars, strings,
// lists, maps, structs, errors and JSON.
#include <cstring>
#include <string>
#include <vector>

#include "capi_test_util.h"

using namespace capi_test;

namespace {

const char* kProgram = R"(.func main()
  push_const nil
  ret
.end
)";

class CapiValues : public ::testing::Test {
 protected:
  Runtime rt_ = runtimeOf(kProgram);
  bvm_runtime* rt() { return rt_.get(); }
};

}  // namespace

TEST_F(CapiValues, Scalars) {
  EXPECT_EQ(bvm_value_kind(rt(), BVM_NIL), BVM_KIND_NIL);
  bvm_value b = BVM_NIL;
  ASSERT_EQ(bvm_value_new_boolean(rt(), 7, &b), BVM_OK);
  EXPECT_EQ(bvm_value_kind(rt(), b), BVM_KIND_BOOLEAN);
  int flag = 0;
  ASSERT_EQ(bvm_value_get_boolean(rt(), b, &flag), BVM_OK);
  EXPECT_EQ(flag, 1);
  bvm_value n = number(rt(), 2.5);
  EXPECT_EQ(bvm_value_kind(rt(), n), BVM_KIND_NUMBER);
  EXPECT_EQ(numberOf(rt(), n), 2.5);
  // The wrong kind is an error with a message, not a crash.
  double d = 0;
  EXPECT_EQ(bvm_value_get_number(rt(), b, &d), BVM_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(bvm_last_error_message(), "expected a number, got boolean"),
            nullptr)
      << bvm_last_error_message();
  EXPECT_EQ(bvm_value_get_number(rt(), n, nullptr), BVM_ERR_INVALID_ARGUMENT);
}

TEST_F(CapiValues, StringsByPointerAndLength) {
  const char bytes[] = {'a', '\0', 'b'};
  bvm_value s = BVM_NIL;
  ASSERT_EQ(bvm_value_new_string(rt(), bytes, 3, &s), BVM_OK);
  EXPECT_EQ(bvm_value_kind(rt(), s), BVM_KIND_STRING);
  EXPECT_EQ(stringOf(rt(), s), std::string(bytes, 3));
  const char* data = nullptr;
  ASSERT_EQ(bvm_value_get_string(rt(), s, &data, nullptr), BVM_OK);
  EXPECT_EQ(data[3], '\0');  // NUL-terminated
  bvm_value empty = BVM_NIL;
  ASSERT_EQ(bvm_value_new_string(rt(), nullptr, 0, &empty), BVM_OK);
  EXPECT_EQ(stringOf(rt(), empty), "");
}

TEST_F(CapiValues, HandlesAreCountedAndReleased) {
  const size_t base = bvm_runtime_value_count(rt());
  const uint64_t live = bvm_debug_live_objects();
  bvm_value s = string(rt(), "x");
  bvm_value n = number(rt(), 1);
  EXPECT_EQ(bvm_runtime_value_count(rt()), base + 2);
  EXPECT_EQ(bvm_debug_live_objects(), live + 2);
  bvm_value copy = BVM_NIL;
  ASSERT_EQ(bvm_value_retain(rt(), s, &copy), BVM_OK);
  EXPECT_NE(copy, s);
  bvm_value_release(rt(), s);
  EXPECT_EQ(stringOf(rt(), copy), "x");
  // A released handle is refused, also once its slot is reused.
  EXPECT_EQ(bvm_value_kind(rt(), s), BVM_KIND_INVALID);
  bvm_value reuse = number(rt(), 3);
  EXPECT_EQ(bvm_value_kind(rt(), s), BVM_KIND_INVALID);
  const char* data = nullptr;
  EXPECT_EQ(bvm_value_get_string(rt(), s, &data, nullptr),
            BVM_ERR_INVALID_ARGUMENT);
  bvm_value_release(rt(), s);  // again: ignored
  bvm_value_release(rt(), BVM_NIL);
  for (bvm_value v : {n, copy, reuse}) bvm_value_release(rt(), v);
  EXPECT_EQ(bvm_runtime_value_count(rt()), base);
  EXPECT_EQ(bvm_debug_live_objects(), live);
  // Nil needs no handle.
  bvm_value nil = number(rt(), 0);
  bvm_value_release(rt(), nil);
  ASSERT_EQ(bvm_value_from_json(rt(), "null", 4, &nil), BVM_OK);
  EXPECT_EQ(nil, BVM_NIL);
  EXPECT_EQ(bvm_runtime_value_count(rt()), base);
}

TEST_F(CapiValues, HandlesOfAnotherRuntimeAreRefused) {
  Runtime other = runtimeOf(kProgram);
  bvm_value s = string(rt(), "mine");
  bvm_value t = string(other.get(), "theirs");
  // Same slot number in both tables, but the generation check is per
  // runtime: only a live slot of the other runtime would match, so use one
  // that is free there.
  bvm_value_release(other.get(), t);
  EXPECT_EQ(bvm_value_kind(other.get(), s), BVM_KIND_INVALID);
  EXPECT_EQ(bvm_value_kind(nullptr, s), BVM_KIND_INVALID);
}

TEST_F(CapiValues, ListsBuildAndRead) {
  bvm_value list = BVM_NIL;
  ASSERT_EQ(bvm_value_new_list(rt(), &list), BVM_OK);
  ASSERT_EQ(bvm_value_list_push(rt(), list, number(rt(), 10)), BVM_OK);
  ASSERT_EQ(bvm_value_list_push(rt(), list, string(rt(), "two")), BVM_OK);
  ASSERT_EQ(bvm_value_list_set(rt(), list, 2, BVM_NIL), BVM_OK);  // appends
  ASSERT_EQ(bvm_value_list_set(rt(), list, 0, number(rt(), 11)), BVM_OK);
  EXPECT_EQ(bvm_value_list_set(rt(), list, 9, BVM_NIL),
            BVM_ERR_INVALID_ARGUMENT);
  size_t n = 0;
  ASSERT_EQ(bvm_value_list_length(rt(), list, &n), BVM_OK);
  EXPECT_EQ(n, 3u);
  bvm_value item = BVM_NIL;
  ASSERT_EQ(bvm_value_list_get(rt(), list, 1, &item), BVM_OK);
  EXPECT_EQ(stringOf(rt(), item), "two");
  EXPECT_EQ(bvm_value_list_get(rt(), list, 3, &item), BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(jsonOf(rt(), list), R"([11,"two",null])");
  // Lists nest and may hold themselves.
  ASSERT_EQ(bvm_value_list_push(rt(), list, list), BVM_OK);
  EXPECT_EQ(jsonOf(rt(), list), R"([11,"two",null,{"$cycle":true}])");
  bvm_value self = BVM_NIL;
  ASSERT_EQ(bvm_value_list_get(rt(), list, 3, &self), BVM_OK);
  EXPECT_NE(self, list);
  EXPECT_EQ(bvm_value_identity(rt(), self), bvm_value_identity(rt(), list));
  EXPECT_NE(bvm_value_identity(rt(), list), 0u);
  EXPECT_TRUE(bvm_value_equal(rt(), self, list));
  EXPECT_EQ(bvm_value_list_length(rt(), number(rt(), 1), &n),
            BVM_ERR_INVALID_ARGUMENT);
}

TEST_F(CapiValues, MapsKeepInsertionOrderAndKeyKinds) {
  bvm_value map = BVM_NIL;
  ASSERT_EQ(bvm_value_new_map(rt(), &map), BVM_OK);
  ASSERT_EQ(bvm_value_map_set(rt(), map, string(rt(), "b"), number(rt(), 1)),
            BVM_OK);
  ASSERT_EQ(bvm_value_map_set(rt(), map, number(rt(), 1), string(rt(), "n")),
            BVM_OK);
  ASSERT_EQ(bvm_value_map_set(rt(), map, string(rt(), "1"), string(rt(), "s")),
            BVM_OK);
  ASSERT_EQ(bvm_value_map_set(rt(), map, string(rt(), "a"), BVM_NIL), BVM_OK);
  EXPECT_EQ(bvm_value_map_set(rt(), map, BVM_NIL, BVM_NIL),
            BVM_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(bvm_value_map_delete(rt(), map, string(rt(), "b")), BVM_OK);
  size_t n = 0;
  ASSERT_EQ(bvm_value_map_length(rt(), map, &n), BVM_OK);
  EXPECT_EQ(n, 3u);
  bvm_value keys[3], values[3];
  size_t count = 0;
  ASSERT_EQ(bvm_value_map_entries(rt(), map, keys, values, 3, &count), BVM_OK);
  ASSERT_EQ(count, 3u);
  EXPECT_EQ(numberOf(rt(), keys[0]), 1);
  EXPECT_EQ(stringOf(rt(), values[0]), "n");
  EXPECT_EQ(stringOf(rt(), keys[1]), "1");
  EXPECT_EQ(stringOf(rt(), keys[2]), "a");
  EXPECT_EQ(values[2], BVM_NIL);
  ASSERT_EQ(bvm_value_map_entries(rt(), map, keys, nullptr, 1, &count), BVM_OK);
  EXPECT_EQ(count, 1u);
  bvm_value got = BVM_NIL;
  int found = 0;
  ASSERT_EQ(bvm_value_map_get(rt(), map, number(rt(), 1), &got, &found), BVM_OK);
  EXPECT_TRUE(found);
  EXPECT_EQ(stringOf(rt(), got), "n");
  ASSERT_EQ(bvm_value_map_get(rt(), map, string(rt(), "zz"), &got, &found),
            BVM_OK);
  EXPECT_FALSE(found);
  EXPECT_EQ(got, BVM_NIL);
  EXPECT_EQ(jsonOf(rt(), map), R"({"$map":[[1,"n"],["1","s"],["a",null]]})");
}

TEST_F(CapiValues, StructsHaveATypeAndOrderedFields) {
  bvm_value p = BVM_NIL;
  ASSERT_EQ(bvm_value_new_struct(rt(), "Point", 5, &p), BVM_OK);
  ASSERT_EQ(bvm_value_struct_set(rt(), p, "x", 1, number(rt(), 3)), BVM_OK);
  ASSERT_EQ(bvm_value_struct_set(rt(), p, "y", 1, number(rt(), 4)), BVM_OK);
  ASSERT_EQ(bvm_value_struct_set(rt(), p, "x", 1, number(rt(), 30)), BVM_OK);
  const char* name = nullptr;
  size_t length = 0;
  ASSERT_EQ(bvm_value_struct_type(rt(), p, &name, &length), BVM_OK);
  EXPECT_EQ(std::string(name, length), "Point");
  size_t fields = 0;
  ASSERT_EQ(bvm_value_struct_field_count(rt(), p, &fields), BVM_OK);
  EXPECT_EQ(fields, 2u);
  bvm_value v = BVM_NIL;
  ASSERT_EQ(bvm_value_struct_field(rt(), p, 0, &name, &length, &v), BVM_OK);
  EXPECT_EQ(std::string(name, length), "x");
  EXPECT_EQ(numberOf(rt(), v), 30);
  EXPECT_EQ(bvm_value_struct_field(rt(), p, 2, &name, &length, &v),
            BVM_ERR_INVALID_ARGUMENT);
  int found = 0;
  ASSERT_EQ(bvm_value_struct_get(rt(), p, "y", 1, &v, &found), BVM_OK);
  EXPECT_TRUE(found);
  EXPECT_EQ(numberOf(rt(), v), 4);
  EXPECT_EQ(jsonOf(rt(), p), R"({"$struct":"Point","fields":{"x":30,"y":4}})");
  bvm_value anon = BVM_NIL;
  ASSERT_EQ(bvm_value_new_struct(rt(), nullptr, 0, &anon), BVM_OK);
  ASSERT_EQ(bvm_value_struct_type(rt(), anon, &name, &length), BVM_OK);
  EXPECT_EQ(name, nullptr);
  EXPECT_EQ(jsonOf(rt(), anon), R"({"$struct":null,"fields":{}})");
}

TEST_F(CapiValues, ErrorValues) {
  bvm_value e = BVM_NIL;
  ASSERT_EQ(bvm_value_new_error(rt(), BVM_TAG_HOST_ERROR, "boom", 4, &e),
            BVM_OK);
  bvm_error_tag tag = BVM_TAG_SCRIPT_ERROR;
  ASSERT_EQ(bvm_value_error_tag(rt(), e, &tag), BVM_OK);
  EXPECT_EQ(tag, BVM_TAG_HOST_ERROR);
  EXPECT_STREQ(bvm_error_tag_name(tag), "HostError");
  const char* message = nullptr;
  size_t length = 0;
  ASSERT_EQ(bvm_value_error_message(rt(), e, &message, &length), BVM_OK);
  EXPECT_EQ(std::string(message, length), "boom");
  size_t frames = 9;
  ASSERT_EQ(bvm_value_error_trace_length(rt(), e, &frames), BVM_OK);
  EXPECT_EQ(frames, 0u);
  EXPECT_EQ(bvm_value_new_error(rt(), static_cast<bvm_error_tag>(42), "", 0, &e),
            BVM_ERR_INVALID_ARGUMENT);
}

TEST_F(CapiValues, JsonInTheReportEncoding) {
  const std::string json =
      R"([1,2.5,"s",true,null,{"$map":[[1,"a"]]},{"$struct":"P","fields":{"x":1}},)"
      R"({"$number":"NaN"},{"$error":{"tag":"HostError","message":"m"}},{"k":[]}])";
  bvm_value v = BVM_NIL;
  ASSERT_EQ(bvm_value_from_json(rt(), json.data(), json.size(), &v), BVM_OK)
      << bvm_last_error_message();
  EXPECT_EQ(bvm_value_kind(rt(), v), BVM_KIND_LIST);
  EXPECT_EQ(jsonOf(rt(), v),
            R"([1,2.5,"s",true,null,{"$map":[[1,"a"]]},{"$struct":"P","fields":{"x":1}},)"
            R"({"$number":"NaN"},{"$error":{"tag":"HostError","message":"m"}},{"$map":[["k",[]]]}])");
  EXPECT_EQ(bvm_value_from_json(rt(), "{\"$handle\": 1}", 14, &v),
            BVM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bvm_value_from_json(rt(), "[1,", 3, &v), BVM_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(bvm_last_error_message(), "invalid JSON"), nullptr);
  char* text = nullptr;
  size_t length = 0;
  bvm_value s = BVM_NIL;
  ASSERT_EQ(bvm_value_from_json(rt(), "[1, \"a\"]", 8, &s), BVM_OK);
  ASSERT_EQ(bvm_value_to_display(rt(), s, &text, &length), BVM_OK);
  EXPECT_EQ(std::string(text, length), "[1, \"a\"]");
  bvm_free(text);
}

TEST(CapiValueLimits, TheMemoryCapIsAnErrorCode) {
  bvm_runtime_config c;
  bvm_runtime_config_init(&c);
  c.max_heap_bytes = 4096;
  Runtime rt = runtimeOf(kProgram, nullptr, &c);
  std::string big(10000, 'x');
  bvm_value v = BVM_NIL;
  EXPECT_EQ(bvm_value_new_string(rt.get(), big.data(), big.size(), &v),
            BVM_ERR_LIMIT);
  EXPECT_NE(std::strstr(bvm_last_error_message(), "out of memory"), nullptr)
      << bvm_last_error_message();
  bvm_value list = BVM_NIL;
  ASSERT_EQ(bvm_value_new_list(rt.get(), &list), BVM_OK);
  bvm_status s = BVM_OK;
  for (int i = 0; i < 10000 && s == BVM_OK; ++i)
    s = bvm_value_list_push(rt.get(), list, BVM_NIL);
  EXPECT_EQ(s, BVM_ERR_LIMIT);
}
