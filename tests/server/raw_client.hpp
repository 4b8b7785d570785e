// A minimal client for testing imfsd over a real socket, written with the
// session-protocol codec alone (not the client library), so a test can also
// send what no well-behaved client would. Every receive has a timeout.
#pragma once

#include <capnp/message.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "codec.hpp"
#include "imfs.capnp.h"

namespace imfs::test {

using namespace std::chrono_literals;

// What the tests look at in a Reply, copied out of the frame.
struct ReplyCopy {
    std::uint64_t id = 0;
    int error = 0;
    protocol::Reply::Result::Which which = protocol::Reply::Result::NONE;
    std::int64_t value = 0;
    std::string data;  // data or path
    std::uint32_t mode = 0, uid = 0;
    std::int64_t size = 0;
    std::uint64_t connections = 0, sessions = 0, descriptors = 0, inodes = 0, bytes = 0;
};

class RawClient {
  public:
    // Connects to the Unix socket at path; nullptr on failure.
    static std::unique_ptr<RawClient> connect(const std::string& path);
    explicit RawClient(int fd) : fd_(fd) {}
    ~RawClient();
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    int fd() const noexcept { return fd_; }

    // false once the server has closed (EPIPE, ECONNRESET).
    bool send_bytes(const void* data, std::size_t size);
    bool send(capnp::MessageBuilder& message);
    void shutdown_write();

    // The next frame, or nullopt on end of stream, error, bad frame or
    // timeout.
    std::optional<protocol::FrameReader::Frame> receive(std::chrono::milliseconds timeout = 5s);
    // Whether the server closes the connection within timeout, discarding
    // whatever frames come first.
    bool closed_by_server(std::chrono::milliseconds timeout = 5s);

    // Says hello; the HelloReply's errno, or -1 if none came.
    int hello(const std::string& label = "test", bool writeable = true,
              const std::string& subroot = "", std::uint64_t attach = 0,
              std::uint32_t version = protocol::VERSION);

    // Sends one request (id next_id(), filled by fill) and returns its reply.
    using Fill = std::function<void(protocol::Request::Builder)>;
    std::optional<ReplyCopy> call(const Fill& fill);
    // Sends a prepared request and returns the next reply.
    std::optional<ReplyCopy> call(capnp::MessageBuilder& message);

    std::uint64_t next_id() noexcept { return next_id_++; }

  private:
    int fd_;
    std::uint64_t next_id_ = 1;
    protocol::FrameReader frames_;
};

ReplyCopy copy_reply(protocol::Reply::Reader reply);

// Fills a PathCall.
void set_path(protocol::PathCall::Builder call, const std::string& path, int flags = 0,
              std::uint32_t mode = 0, int dirfd = -100);

}  // namespace imfs::test
