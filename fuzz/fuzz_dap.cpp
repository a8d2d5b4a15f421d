// Fuzzes the wire of `brainvm dap` (apps/brainvm/dap_protocol.h): arbitrary
// bytes through the Content-Length framing, split into pieces as a pipe may
// deliver them; every body decoded as a message; every request's arguments
// checked as the server checks them before serving it. Nothing may crash,
// hang or throw anything but RequestError, and what the server would send
// back must frame and unframe to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dap_protocol.h"

namespace dap = brainvm::dap;

namespace {

void unframeOne(const std::string& framed, const std::string& expected) {
  dap::FrameParser parser;
  parser.append(framed);
  std::string body, error;
  if (parser.next(body, error) != dap::FrameParser::Result::Message ||
      body != expected ||
      parser.next(body, error) != dap::FrameParser::Result::Incomplete)
    std::abort();
}

void handle(std::string_view body) {
  dap::Incoming in = dap::parseMessage(body);
  if (!in.request) {
    if (in.error.empty()) std::abort();
    return;
  }
  dap::Json reply;
  try {
    dap::checkArguments(*in.request);
    reply = dap::response(*in.request, in.request->arguments);
  } catch (const dap::RequestError& e) {
    reply = dap::errorResponse(in.request->seq, in.request->command, e.what());
  }
  const std::string framed = dap::frame(reply);
  unframeOne(framed, framed.substr(framed.find("\r\n\r\n") + 4));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The first byte chooses how the stream is cut.
  const size_t piece = size > 0 ? 1 + data[0] % 97 : 1;
  dap::FrameParser parser;
  std::string body, error;
  for (size_t at = 0; at < size; at += piece) {
    parser.append(bytes.substr(at, piece));
    for (;;) {
      const dap::FrameParser::Result r = parser.next(body, error);
      if (r == dap::FrameParser::Result::Incomplete) break;
      if (r == dap::FrameParser::Result::Error) {
        if (error.empty()) std::abort();
        continue;
      }
      handle(body);
    }
  }
  handle(bytes);  // the whole input as one body
  // Text that is not UTF-8 (a program's output, say) still frames.
  (void)dap::frame(dap::event("output", {{"output", std::string(bytes)}}));
  return 0;
}
