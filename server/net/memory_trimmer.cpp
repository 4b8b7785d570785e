#include "memory_trimmer.hpp"

#include <malloc.h>

#include <algorithm>
#include <chrono>

#include "core/page_pool.hpp"

namespace imfs::net {

namespace {

constexpr auto kInterval = std::chrono::seconds(1);
// Less freed than this is not worth a walk over the heap.
constexpr std::uint64_t kWorthTrimming = 1u << 20;

}  // namespace

MemoryTrimmer::MemoryTrimmer(asio::io_context& loop, SessionRegistry& registry)
    : timer_(loop), registry_(registry) {}

void MemoryTrimmer::start() {
    timer_.expires_after(kInterval);
    timer_.async_wait([this](const boost::system::error_code& error) {
        if (error) return;
        tick();
        start();
    });
}

void MemoryTrimmer::stop() {
    timer_.cancel();
}

void MemoryTrimmer::tick() {
    // File pages freed a second ago or more, kept in case they were wanted
    // again, go back to the kernel whether or not the heap is trimmed.
    core::PagePool::process_pool().release_expired();
    const std::uint64_t bytes = registry_.file_system().bytes_used();
    const std::uint64_t connections = registry_.stats().connections;
    peak_bytes_ = std::max(peak_bytes_, bytes);
    peak_connections_ = std::max(peak_connections_, connections);
    // A closed connection freed its buffers (a frame each way, up to 4 MiB).
    const bool freed = peak_bytes_ - bytes >= kWorthTrimming || connections < peak_connections_;
    if (!freed && !trim_again_) return;
    ::malloc_trim(0);
    // A connection counts as closed when close() runs, but its buffers go
    // when the last handler holding it returns, which under load can come
    // after this tick; then nothing would change to trigger another trim.
    // So a trim for something freed is followed by one more. (A loaded CI
    // run once kept 12 MB after every client had gone; this is the one way
    // found for freed memory to escape every later trim.)
    trim_again_ = freed;
    peak_bytes_ = bytes;
    peak_connections_ = connections;
}

}  // namespace imfs::net
