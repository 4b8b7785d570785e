// One connection to imfsd: the socket, the hello, and request/reply calls
// in the session protocol (session-protocol/imfs.capnp).
#pragma once

#include <capnp/message.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "codec.hpp"
#include "core/result.hpp"
#include "imfs.capnp.h"

namespace imfs::client {

using core::Result;

// What a new connection asks for in its Hello.
struct HelloRequest {
    std::string label;
    bool writeable = true;
    std::string subroot;
    std::uint64_t attach = 0;
};

// Thread-safe: calls are serialised, one exchange at a time. A lost
// connection makes this and every later call fail with EIO; nothing hangs
// once the server's end is closed.
class RemoteConnection {
  public:
    // Connects to "unix:PATH" or "tcp:HOST:PORT" and says hello. EINVAL for
    // a malformed endpoint; the connect(2) errno; the HelloReply's errno.
    [[nodiscard]] static Result<std::unique_ptr<RemoteConnection>> open(std::string_view endpoint,
                                                                        const HelloRequest& hello);
    // Takes ownership of a connected socket; open() is the way to get one.
    RemoteConnection(int fd, std::string endpoint) : fd_(fd), endpoint_(std::move(endpoint)) {}
    ~RemoteConnection();
    RemoteConnection(const RemoteConnection&) = delete;
    RemoteConnection& operator=(const RemoteConnection&) = delete;

    const std::string& endpoint() const noexcept { return endpoint_; }
    bool writeable() const noexcept { return writeable_; }

    // Sends the requests fill() builds (fill(request, i) for i in [0, n)),
    // then reads their n replies in order, handing each to consume(reply, i)
    // while it is valid. Stops consuming at the first reply with an errno
    // (returned) or the first consume() error, but still reads every reply
    // so the stream stays in step.
    template <typename Fill, typename Consume>
    Result<void> exchange(std::size_t n, Fill&& fill, Consume&& consume);

  private:
    Result<void> say_hello(const HelloRequest& hello);
    Result<void> send(capnp::MessageBuilder& message);
    // The next frame from the server; EIO when the connection is gone.
    Result<protocol::FrameReader::Frame> receive();
    Result<void> broken();

    std::mutex mutex_;
    int fd_;
    bool broken_ = false;
    bool writeable_ = false;
    std::string endpoint_;
    std::uint64_t next_id_ = 1;
    protocol::FrameReader frames_;
};

template <typename Fill, typename Consume>
Result<void> RemoteConnection::exchange(std::size_t n, Fill&& fill, Consume&& consume) {
    std::lock_guard lock(mutex_);
    if (broken_) return core::fail(EIO);
    std::uint64_t first_id = next_id_;
    for (std::size_t i = 0; i < n; ++i) {
        capnp::MallocMessageBuilder message;
        auto request = message.initRoot<protocol::Request>();
        request.setId(next_id_++);
        fill(request, i);
        IMFS_TRY(send(message));
    }
    Result<void> outcome;
    for (std::size_t i = 0; i < n; ++i) {
        protocol::FrameReader::Frame frame = IMFS_TRY(receive());
        try {
            auto reply = frame.reader->getRoot<protocol::Reply>();
            if (reply.getId() != first_id + i) return broken();
            if (!outcome) continue;
            if (reply.getErrno() != 0) {
                outcome = core::fail(reply.getErrno());
                continue;
            }
            outcome = consume(reply, i);
        } catch (const kj::Exception&) {
            return broken();
        }
    }
    return outcome;
}

}  // namespace imfs::client
