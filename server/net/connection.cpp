#include "connection.hpp"

#include <capnp/any.h>

#include <chrono>
#include <cstring>

#include "dispatch.hpp"
#include "dispatch_support.hpp"
#include "log.hpp"
#include "policies/label.hpp"

namespace imfs::net {

namespace {

// Replies gathered before they are written even if more frames are ready:
// bounds what one connection queues, whatever its requests ask for.
constexpr std::size_t kBatchBytes = 4u << 20;
// When the server stops, a peer gets this long to take the replies being
// written (else the connection's write_stall).
constexpr auto kStopGrace = std::chrono::seconds(2);
// A peer that has not said hello by then is dropped: an idle connection
// must not hold a descriptor of the server for ever.
constexpr auto kHelloWait = std::chrono::seconds(10);
// The longest label accepted from a client.
constexpr std::size_t kMaxLabelBytes = 4096;

constexpr std::size_t kHelloDataBytes =
    protocol::Hello::_capnpPrivate::dataWordSize * sizeof(capnp::word);
constexpr std::size_t kRequestDataBytes =
    protocol::Request::_capnpPrivate::dataWordSize * sizeof(capnp::word);
static_assert(kHelloDataBytes < kRequestDataBytes,
              "a Hello and a Request are told apart by their data sections' sizes");

}  // namespace

Connection::Connection(Socket socket, std::string listener_label, SessionRegistry& registry,
                       const Admission& admission, const ServerActions& actions,
                       std::chrono::steady_clock::duration write_stall, ClosedCallback on_closed)
    : socket_(std::move(socket)),
      write_deadline_(socket_.get_executor()),
      hello_deadline_(socket_.get_executor()),
      listener_label_(std::move(listener_label)),
      registry_(registry),
      admission_(admission),
      actions_(actions),
      write_stall_(write_stall),
      on_closed_(std::move(on_closed)),
      id_(registry.connection_opened()) {}

Connection::~Connection() {
    // Every path out of the handlers goes through close(); this is the
    // safety net for a connection that never started.
    close();
}

void Connection::start() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
        self->hello_deadline_.expires_after(kHelloWait);
        self->hello_deadline_.async_wait([self](const boost::system::error_code& error) {
            if (error || self->closed_ || self->session_) return;
            log(LogLevel::info, "connection ", self->id_, ": no hello in time, dropping it");
            self->close();
        });
        self->read_more();
    });
}

void Connection::review() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
        if (self->closed_ || !self->grant_ || self->admission_.still_granted(*self->grant_)) return;
        log(LogLevel::info, "session closed by reload: ", quoted(self->label_),
            ": its policy changed or is gone");
        self->stopping_ = true;
        if (!self->writing_) return self->close();
    });
}

void Connection::stop() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
        self->stopping_ = true;
        if (!self->writing_) return self->close();
        self->arm_write_deadline(kStopGrace);
    });
}

void Connection::read_more() {
    if (closed_) return;
    if (stopping_) return close();
    std::span<std::byte> space = frames_.free_space();
    socket_.async_read_some(
        asio::buffer(space.data(), space.size()),
        [self = shared_from_this()](const boost::system::error_code& error, std::size_t n) {
            self->on_read(error, n);
        });
}

void Connection::on_read(const boost::system::error_code& error, std::size_t n) {
    if (error) {
        if (error != asio::error::eof && error != asio::error::operation_aborted) {
            log(LogLevel::debug, "connection ", id_, ": read: ", error.message());
        }
        return close();
    }
    frames_.commit(n);
    process();
}

void Connection::process() {
    if (closed_) return;
    while (!close_after_write_ && !stopping_) {
        auto next = frames_.next();
        if (!next) {
            log(LogLevel::warn, "connection ", id_, ": bad frame (",
                std::strerror(next.error().value), "), closing");
            close_after_write_ = true;
            break;
        }
        if (!*next) break;
        bool healthy;
        try {
            healthy = handle_frame(*(**next).reader);
        } catch (const kj::Exception& e) {
            log(LogLevel::warn, "connection ", id_, ": malformed message, closing");
            log(LogLevel::debug, "connection ", id_, ": ", e.getDescription().cStr());
            healthy = false;
        }
        if (!healthy) {
            close_after_write_ = true;
            break;
        }
        if (batch_.bytes() >= kBatchBytes) break;
    }
    if (!batch_.empty()) return flush();
    if (close_after_write_ || stopping_) return close();
    read_more();
}

bool Connection::handle_frame(capnp::MessageReader& message) {
    if (!session_) return handle_hello(message);
    return handle_request(message);
}

bool Connection::handle_hello(capnp::MessageReader& message) {
    auto hello = message.getRoot<protocol::Hello>();
    if (hello.getVersion() != protocol::VERSION) {
        log(LogLevel::info, "session refused: protocol version ", hello.getVersion());
        answer_hello(EPROTONOSUPPORT);
        return true;
    }
    if (message.getRoot<capnp::AnyStruct>().getDataSection().size() > kHelloDataBytes) {
        log(LogLevel::warn, "connection ", id_, ": request before hello, closing");
        return false;
    }
    if (std::uint64_t token = hello.getAttach(); token != 0) {
        auto taken = registry_.take(token);
        session_ = std::move(taken.session);
        if (!session_) {
            log(LogLevel::info, "session refused: unknown attach token");
            answer_hello(EINVAL);
            return true;
        }
        label_ = taken.grant.label + " (forked)";
        if (!admission_.still_granted(taken.grant)) {
            // The policies changed since the fork (a reload): the child gets
            // what its parent would get now, or nothing.
            registry_.retire(std::move(session_));
            log(LogLevel::info, "session refused: ", quoted(label_), ": its policy changed");
            answer_hello(EACCES);
            return true;
        }
        grant_ = std::move(taken.grant);
    } else {
        auto client_label = hello.getLabel();
        if (client_label.size() > kMaxLabelBytes) {
            log(LogLevel::info, "session refused: label too long");
            answer_hello(EINVAL);
            return true;
        }
        label_ = policies::compose_label(
            listener_label_, std::string_view(client_label.begin(), client_label.size()));
        auto subroot = detail::path_of(hello.getSubroot());
        if (!subroot) {
            log(LogLevel::info, "session refused: ", quoted(label_), ": bad subroot");
            answer_hello(subroot.error().value);
            return true;
        }
        auto grant = admission_.admit(label_, hello.getWriteable(), std::string(*subroot));
        if (!grant) {
            log(LogLevel::info, "session refused: ", quoted(label_), ": no policy admits it");
            answer_hello(grant.error().value);
            return true;
        }
        auto session = policies::open_admitted_session(registry_.file_system(), grant->admission);
        if (!session) {
            log(LogLevel::info, "session refused: ", quoted(label_), ": ",
                std::strerror(session.error().value));
            answer_hello(session.error().value);
            return true;
        }
        session_ = std::move(*session);
        grant_ = std::move(*grant);
    }
    registry_.add_live(*session_);
    log(LogLevel::info, "session opened: ", quoted(label_),
        session_->writeable ? " (writeable)" : " (read-only)");
    answer_hello(0);
    return true;
}

void Connection::answer_hello(int error) {
    hello_deadline_.cancel();
    auto message = ReplyBatch::new_message();
    auto reply = message->initRoot<protocol::HelloReply>();
    reply.setErrno(error);
    reply.setWriteable(error == 0 && session_->writeable);
    batch_.add(std::move(message));
    if (error != 0) close_after_write_ = true;
}

bool Connection::handle_request(capnp::MessageReader& message) {
    if (message.getRoot<capnp::AnyStruct>().getDataSection().size() < kRequestDataBytes) {
        log(LogLevel::warn, "connection ", id_, ": second hello, closing");
        return false;
    }
    auto request = message.getRoot<protocol::Request>();
    auto reply = ReplyBatch::new_message();
    dispatch(DispatchContext{registry_, id_, *grant_, actions_}, *session_, request,
             reply->initRoot<protocol::Reply>());
    batch_.add(std::move(reply));
    return true;
}

void Connection::flush() {
    writing_ = true;
    arm_write_deadline(stopping_ ? kStopGrace : write_stall_);
    // The deadline is for progress: a peer that takes a large batch slowly
    // but steadily is reading, and each part it takes re-arms it.
    auto progress = [self = shared_from_this(), written = std::size_t{0}](
                        const boost::system::error_code& error, std::size_t total) mutable {
        if (!error && total > written && !self->stopping_) {
            written = total;
            self->arm_write_deadline(self->write_stall_);
        }
        return asio::transfer_all()(error, total);
    };
    asio::async_write(socket_, batch_.buffers(), std::move(progress),
                      [self = shared_from_this()](const boost::system::error_code& error,
                                                  std::size_t) { self->on_written(error); });
}

void Connection::arm_write_deadline(std::chrono::steady_clock::duration limit) {
    // The generation tells a deadline that expired from one cancelled or
    // re-armed just as it was about to run.
    std::uint64_t generation = ++write_generation_;
    write_deadline_.expires_after(limit);
    write_deadline_.async_wait(
        [self = shared_from_this(), generation](const boost::system::error_code& error) {
            if (error || !self->writing_ || generation != self->write_generation_) return;
            log(LogLevel::warn, "connection ", self->id_, ": peer stopped reading, dropping it");
            boost::system::error_code ignored;
            self->socket_.close(ignored);
        });
}

void Connection::on_written(const boost::system::error_code& error) {
    writing_ = false;
    ++write_generation_;
    write_deadline_.cancel();
    batch_.clear();
    if (error) {
        log(LogLevel::debug, "connection ", id_, ": write: ", error.message());
        return close();
    }
    if (close_after_write_ || stopping_) return close();
    process();
}

void Connection::close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(Socket::shutdown_both, ignored);
    socket_.close(ignored);
    write_deadline_.cancel();
    hello_deadline_.cancel();
    if (session_) {
        log(LogLevel::info, "session closed: ", quoted(label_));
        registry_.retire(std::move(session_));
    }
    registry_.connection_closed(id_);
    if (on_closed_) on_closed_(id_);
}

}  // namespace imfs::net
