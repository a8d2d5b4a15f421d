#include "logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <memory>
#include <string>

namespace brainvm::cli {

void setupLogging() {
  static bool done = false;
  if (done) return;
  done = true;
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("brainvm", sink);
  logger->set_pattern("brainvm: %l: %v");
  spdlog::level::level_enum level = spdlog::level::warn;
  if (const char* env = std::getenv("BRAINVM_LOG"); env != nullptr && *env) {
    // from_str maps unknown names to "off"; keep the default for those.
    std::string name(env);
    spdlog::level::level_enum parsed = spdlog::level::from_str(name);
    if (parsed != spdlog::level::off || name == "off") level = parsed;
  }
  logger->set_level(level);
  spdlog::set_default_logger(logger);
}

void applyVerbosity(int verbosity, bool quiet) {
  if (quiet) {
    spdlog::set_level(spdlog::level::err);
  } else if (verbosity >= 3) {
    spdlog::set_level(spdlog::level::trace);
  } else if (verbosity == 2) {
    spdlog::set_level(spdlog::level::debug);
  } else if (verbosity == 1) {
    spdlog::set_level(spdlog::level::info);
  }
}

}  // namespace brainvm::cli
