// The wire of `brainvm dap`: a reader thread parses the input into
// requests on a queue (a request can be taken there at once, e.g. `pause`
// while the VM runs); writes from any thread are serialized, one whole
// message at a time and flushed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "dap_protocol.h"

namespace brainvm::dap {

class Channel {
 public:
  Channel(int in, int out) : in_(in), out_(out) {}
  ~Channel() { stop(); }

  // Starts the reader. `intercept` sees each request on the reader thread
  // first: true when it answered it (the request is not queued).
  void start(std::function<bool(const Request&)> intercept);
  // Ends the reader thread (within its poll interval).
  void stop();

  // Sends one message, numbering it; false once the client is gone.
  bool send(Json message);

  enum class Got { Request, Nothing, End };
  // The next request; with `wait`, blocks until there is one or the input
  // ended (End; also once the client is gone).
  Got next(Request& out, bool wait);

 private:
  void readLoop();

  const int in_, out_;
  std::function<bool(const Request&)> intercept_;
  std::thread reader_;
  std::atomic<bool> stop_{false};
  std::mutex writeMutex_;
  int64_t nextSeq_ = 1;
  std::atomic<bool> broken_{false};
  std::mutex queueMutex_;
  std::condition_variable queueChanged_;
  std::deque<Request> queue_;
  bool ended_ = false;
};

}  // namespace brainvm::dap
