#include "json_writer.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace brainvm::cli {

void JsonWriter::grow(size_t n) {
  // Within the reserved capacity, zero-fill at most 64 KiB ahead.
  out_.resize(std::max(used_ + n, std::min(out_.capacity(), used_ + 65536)));
  data_ = out_.data();
  size_ = out_.size();
}

void JsonWriter::escaped(std::string_view s) {
  // Rare (control characters, quotes, non-ASCII): nlohmann's own escaping
  // and replacement of invalid UTF-8, so the text is exactly dump()'s.
  put(nlohmann::json(std::string(s))
          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void JsonWriter::flush() {
  if (ok_) ok_ = (*sink_)(std::string_view(data_, used_));
  used_ = 0;
}

bool JsonWriter::finish() {
  if (sink_ && used_ > 0) flush();
  return ok_;
}

}  // namespace brainvm::cli
