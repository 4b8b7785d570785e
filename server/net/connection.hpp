// One connection is one session: the hello, then requests read, dispatched
// and answered in order. Replies to every complete frame received are
// written together, so a pipelining client gets them in one write.
#pragma once

#include <capnp/message.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "admission.hpp"
#include "asio.hpp"
#include "codec.hpp"
#include "dispatch.hpp"
#include "reply_batch.hpp"
#include "session_registry.hpp"

namespace imfs::net {

// Owned by its pending asynchronous operations (shared_from_this); every
// handler runs on the socket's strand, one at a time, so the connection's
// state needs no lock. At most one read or one write is outstanding: a peer
// that sends faster than it reads is simply not read from (the replies
// queued stay under about two batches), and one that takes nothing of
// them for write_stall is dropped.
class Connection : public std::enable_shared_from_this<Connection> {
  public:
    using Socket = asio::generic::stream_protocol::socket;
    using ClosedCallback = std::function<void(std::uint64_t id)>;

    // The socket's executor must be a strand. listener_label is prefixed to
    // the label the client asks for; a peer that takes longer than
    // write_stall to accept a batch of replies is dropped; on_closed runs
    // once, when it closes.
    Connection(Socket socket, std::string listener_label, SessionRegistry& registry,
               const Admission& admission, const ServerActions& actions,
               std::chrono::steady_clock::duration write_stall, ClosedCallback on_closed);
    ~Connection();

    std::uint64_t id() const noexcept { return id_; }
    void start();
    // Thread-safe: finishes the replies being written, then closes.
    void stop();
    // Thread-safe: closes the session (as stop()) unless admission still
    // grants it what it has (after a reload of the policies).
    void review();
    // Closes at once; only when no thread runs the event loop.
    void close_now() { close(); }

  private:
    void read_more();
    void on_read(const boost::system::error_code& error, std::size_t n);
    // Handles the complete frames buffered, then writes their replies or
    // reads more.
    void process();
    // false: the peer broke the protocol; close.
    bool handle_frame(capnp::MessageReader& message);
    bool handle_hello(capnp::MessageReader& message);
    bool handle_request(capnp::MessageReader& message);
    // Queues a HelloReply; a refusal closes the connection once it is sent.
    void answer_hello(int error);
    void flush();
    // Drops the peer unless the write in progress completes within limit.
    void arm_write_deadline(std::chrono::steady_clock::duration limit);
    void on_written(const boost::system::error_code& error);
    void close();

    Socket socket_;
    asio::steady_timer write_deadline_;
    asio::steady_timer hello_deadline_;
    std::string listener_label_;
    SessionRegistry& registry_;
    const Admission& admission_;
    const ServerActions& actions_;
    std::chrono::steady_clock::duration write_stall_;
    ClosedCallback on_closed_;
    std::uint64_t id_;
    protocol::FrameReader frames_;
    ReplyBatch batch_;
    std::unique_ptr<core::Session> session_;
    std::string label_;           // for the log
    std::optional<Grant> grant_;  // set once the hello is accepted
    std::uint64_t write_generation_ = 0;
    bool writing_ = false;
    bool close_after_write_ = false;
    bool stopping_ = false;
    bool closed_ = false;
};

}  // namespace imfs::net
