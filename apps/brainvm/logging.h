// spdlog set-up for the brainvm command: logs go to stderr only. The level
// comes from BRAINVM_LOG (trace, debug, info, warn, error, critical, off),
// then -v (info; -vv debug; -vvv trace) and -q (errors only) override it.
#pragma once

namespace brainvm::cli {

void setupLogging();
// verbosity: number of -v flags; quiet: -q given.
void applyVerbosity(int verbosity, bool quiet);

}  // namespace brainvm::cli
