// Framing of session-protocol messages, shared by imfsd and the client
// library: Cap'n Proto's standard stream framing, read incrementally under
// limits meant for an untrusted peer.
#pragma once

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/result.hpp"
#include "imfs.capnp.h"

namespace imfs::protocol {

// The largest read or write one request carries; clients split larger ones.
inline constexpr std::uint32_t kMaxTransfer = 4u << 20;
// The largest frame either side accepts: a full transfer plus headroom for
// the rest of a message (paths, credentials, the segment table).
inline constexpr std::size_t kMaxFrameBytes = kMaxTransfer + (64u << 10);
// How deep a message may nest. Ours nest four levels at most.
inline constexpr int kNestingLimit = 8;

// Reader options for one frame of frame_words: the traversal limit is a
// small multiple of the frame (a frame cannot be made to look larger than
// that by aliasing pointers), never Cap'n Proto's generous default.
capnp::ReaderOptions reader_options(std::size_t frame_words);

// The message as one frame of bytes.
kj::Array<capnp::word> encode(capnp::MessageBuilder& message);

// The stream framing's segment table for segments (count - 1, each size in
// words, padded to a whole word): sent first, then the segments as they
// are, so a frame goes out without copying its segments.
std::vector<std::uint32_t> segment_table(
    kj::ArrayPtr<const kj::ArrayPtr<const capnp::word>> segments);

// Collects bytes from a stream and cuts them into frames. Not thread-safe:
// one per connection direction.
class FrameReader {
  public:
    explicit FrameReader(std::size_t max_frame_bytes = kMaxFrameBytes);

    // Where to put the next bytes read from the stream (never empty).
    std::span<std::byte> free_space();
    // n bytes were written at the start of free_space().
    void commit(std::size_t n);

    // A parsed frame. Valid until the next call to next() or free_space().
    // Its getters may still throw kj::Exception on a malformed message
    // (Cap'n Proto validates lazily): catch around the handling of one.
    struct Frame {
        std::unique_ptr<capnp::FlatArrayMessageReader> reader;
    };
    // The next complete frame, nullopt if more bytes are needed, or
    // EMSGSIZE when the frame being received is over the limit (the stream
    // cannot continue).
    [[nodiscard]] core::Result<std::optional<Frame>> next();

    // Bytes received and not yet consumed as frames.
    std::size_t buffered_bytes() const noexcept { return filled_ - consumed_; }

  private:
    kj::Array<capnp::word> buffer_;
    std::size_t filled_ = 0;    // bytes
    std::size_t consumed_ = 0;  // bytes, always a whole number of words
    std::size_t max_frame_bytes_;
};

}  // namespace imfs::protocol
