// Values as text: JSON in the report's encoding (the writer and reader the
// `brainvm` command uses, compiled in from apps/brainvm), and the
// `to_string` rendering.
#include "brainvm/builtins.h"
#include "capi_internal.h"
#include "value_json.h"
#include "value_writer.h"

using namespace bvm;

extern "C" {

BVM_API bvm_status bvm_value_to_json(const bvm_runtime* rt, bvm_value v,
                                     char** json, size_t* length) {
  return guard([&] {
    brainvm::Value value;
    if (bvm_status s = valueOf(rt, v, value)) return s;
    return giveBuffer(brainvm::cli::valueToJson(value, &rt->rt->program()),
                      json, length);
  });
}

BVM_API bvm_status bvm_value_from_json(bvm_runtime* rt, const char* json,
                                       size_t length, bvm_value* out) {
  return guard([&] {
    if (!rt || !rt->rt) return badArgument("runtime is NULL");
    if (bvm_status s = checkOut(out)) return s;
    if (!json && length) return badArgument("json is NULL");
    brainvm::cli::Json doc;
    std::string error;
    if (!brainvm::cli::parseJsonText(std::string_view(json ? json : "", length),
                                     doc, error))
      return badArgument(error);
    brainvm::Value value;
    if (!brainvm::cli::jsonToValue(doc, &rt->rt->heap(), value, error))
      return fail(error.rfind("out of memory", 0) == 0
                      ? BVM_ERR_LIMIT
                      : BVM_ERR_INVALID_ARGUMENT,
                  error);
    // Nothing collects between making the value and pinning it here.
    return give(rt, value, out);
  });
}

BVM_API bvm_status bvm_value_to_display(const bvm_runtime* rt, bvm_value v,
                                        char** text, size_t* length) {
  return guard([&] {
    brainvm::Value value;
    if (bvm_status s = valueOf(rt, v, value)) return s;
    return giveBuffer(brainvm::toDisplayString(value), text, length);
  });
}

}  // extern "C"
