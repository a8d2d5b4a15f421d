#include "dap_channel.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>

namespace brainvm::dap {

void Channel::start(std::function<bool(const Request&)> intercept) {
  intercept_ = std::move(intercept);
  reader_ = std::thread([this] { readLoop(); });
}

void Channel::stop() {
  stop_ = true;
  if (reader_.joinable()) reader_.join();
}

bool Channel::send(Json message) {
  std::lock_guard<std::mutex> lock(writeMutex_);
  if (broken_) return false;
  message["seq"] = nextSeq_++;
  const std::string data = frame(message);
  for (size_t done = 0; done < data.size();) {
    const ssize_t n = ::write(out_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      spdlog::warn("dap: cannot write to the client: stopping");
      broken_ = true;
      std::lock_guard<std::mutex> q(queueMutex_);
      queueChanged_.notify_all();
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

Channel::Got Channel::next(Request& out, bool wait) {
  std::unique_lock<std::mutex> lock(queueMutex_);
  if (wait)
    queueChanged_.wait(lock,
                       [&] { return !queue_.empty() || ended_ || broken_; });
  if (!queue_.empty()) {
    out = std::move(queue_.front());
    queue_.pop_front();
    return Got::Request;
  }
  return ended_ || broken_ ? Got::End : Got::Nothing;
}

void Channel::readLoop() {
  FrameParser parser;
  std::string body, error;
  char buf[65536];
  while (!stop_) {
    pollfd p{in_, POLLIN, 0};
    const int r = ::poll(&p, 1, 100);  // wakes up to see stop_
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    const ssize_t n = ::read(in_, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    parser.append(std::string_view(buf, static_cast<size_t>(n)));
    for (;;) {
      const FrameParser::Result got = parser.next(body, error);
      if (got == FrameParser::Result::Incomplete) break;
      if (got == FrameParser::Result::Error) {
        spdlog::warn("dap: {}", error);
        continue;
      }
      Incoming in = parseMessage(body);
      if (!in.request) {
        spdlog::warn("dap: ignored a message: {}", in.error);
        if (in.seq > 0 && !in.command.empty())
          send(errorResponse(in.seq, in.command,
                             "malformed request: " + in.error));
        continue;
      }
      if (intercept_ && intercept_(*in.request)) continue;
      std::lock_guard<std::mutex> lock(queueMutex_);
      queue_.push_back(std::move(*in.request));
      queueChanged_.notify_all();
    }
  }
  std::lock_guard<std::mutex> lock(queueMutex_);
  ended_ = true;
  queueChanged_.notify_all();
}

}  // namespace brainvm::dap
