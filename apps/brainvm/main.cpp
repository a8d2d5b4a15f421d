#include "cli_main.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

// The VM frees and re-grows large buffers (lists, fiber tables, the report)
// as its collector runs. glibc's default hands blocks over 128 KiB back to
// the kernel and maps fresh, zeroed pages for the next one; keeping them in
// the process instead halves the page faults of a list-heavy run
// (docs/performance.md). The library leaves the allocator alone: an embedding
// application owns its process.
void tuneAllocator() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum on 64-bit
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  tuneAllocator();
  return brainvm::cli::cliMain(argc, argv);
}
