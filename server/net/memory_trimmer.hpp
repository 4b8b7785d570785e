// Gives freed memory back to the system. glibc's malloc keeps what a
// program frees for its next allocations, and returns to the system only
// the top of each heap: after clients delete a gigabyte of files, imfsd
// would keep a gigabyte resident. Once a second, if file data or
// connections went away since the last look (or the last look trimmed),
// malloc_trim(0) releases every free page of every arena.
#pragma once

#include <cstdint>

#include "asio.hpp"
#include "session_registry.hpp"

namespace imfs::net {

class MemoryTrimmer {
  public:
    MemoryTrimmer(asio::io_context& loop, SessionRegistry& registry);
    void start();
    void stop();

  private:
    void tick();

    asio::steady_timer timer_;
    SessionRegistry& registry_;
    // The most seen since the last trim.
    std::uint64_t peak_bytes_ = 0;
    std::uint64_t peak_connections_ = 0;
    // The last tick trimmed for something freed: trim once more.
    bool trim_again_ = false;
};

}  // namespace imfs::net
