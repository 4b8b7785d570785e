// Replies waiting to be written, sent with one gathered write. The frames
// go out straight from their builders' segments: a large read's data is not
// copied again on its way to the socket.
#pragma once

#include <capnp/message.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "asio.hpp"

namespace imfs::net {

// Not thread-safe: owned by one connection.
class ReplyBatch {
  public:
    // A builder for the next reply; its first segment is small because most
    // replies are.
    static std::unique_ptr<capnp::MallocMessageBuilder> new_message();

    // Appends a finished message; it must not change afterwards.
    void add(std::unique_ptr<capnp::MallocMessageBuilder> message);

    bool empty() const noexcept { return messages_.empty(); }
    std::size_t bytes() const noexcept { return bytes_; }
    // The frames of every message added, valid until clear().
    const std::vector<asio::const_buffer>& buffers() const noexcept { return buffers_; }
    void clear();

  private:
    std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages_;
    // Segment tables, one per message, never reallocated while buffers_
    // points into them (each table is its own vector).
    std::vector<std::vector<std::uint32_t>> tables_;
    std::vector<asio::const_buffer> buffers_;
    std::size_t bytes_ = 0;
};

}  // namespace imfs::net
