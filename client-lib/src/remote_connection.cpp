#include "remote_connection.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <utility>
#include <vector>

namespace imfs::client {

namespace {

// Closes a socket unless released.
class SocketGuard {
  public:
    explicit SocketGuard(int fd) : fd_(fd) {}
    ~SocketGuard() {
        if (fd_ >= 0) ::close(fd_);
    }
    SocketGuard(const SocketGuard&) = delete;
    SocketGuard& operator=(const SocketGuard&) = delete;
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

  private:
    int fd_;
};

Result<int> connect_unix(std::string_view path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof address.sun_path) return core::fail(EINVAL);
    std::memcpy(address.sun_path, path.data(), path.size());
    SocketGuard sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (sock.get() < 0) return core::fail(errno);
    if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        return core::fail(errno);
    }
    return sock.release();
}

Result<int> connect_tcp(std::string_view host_port) {
    std::size_t colon = host_port.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == host_port.size()) {
        return core::fail(EINVAL);
    }
    std::string host(host_port.substr(0, colon));
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    std::string port(host_port.substr(colon + 1));
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return core::fail(EINVAL);
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
    int error = ECONNREFUSED;
    for (addrinfo* a = addresses.get(); a != nullptr; a = a->ai_next) {
        SocketGuard sock(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
        if (sock.get() < 0) {
            error = errno;
            continue;
        }
        if (::connect(sock.get(), a->ai_addr, a->ai_addrlen) != 0) {
            error = errno;
            continue;
        }
        int one = 1;
        ::setsockopt(sock.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return sock.release();
    }
    return core::fail(error);
}

}  // namespace

Result<std::unique_ptr<RemoteConnection>> RemoteConnection::open(std::string_view endpoint,
                                                                 const HelloRequest& hello) {
    int fd;
    if (endpoint.starts_with("unix:")) {
        fd = IMFS_TRY(connect_unix(endpoint.substr(5)));
    } else if (endpoint.starts_with("tcp:")) {
        fd = IMFS_TRY(connect_tcp(endpoint.substr(4)));
    } else {
        return core::fail(EINVAL);
    }
    // Room for a whole frame each way (the kernel caps it at wmem_max and
    // rmem_max): a 4 MiB transfer is then one wake-up, not one per default
    // 208 KiB buffer.
    const int frame = static_cast<int>(protocol::kMaxFrameBytes);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &frame, sizeof frame);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &frame, sizeof frame);
    auto connection = std::make_unique<RemoteConnection>(fd, std::string(endpoint));
    IMFS_TRY(connection->say_hello(hello));
    return connection;
}

RemoteConnection::~RemoteConnection() {
    ::close(fd_);
}

Result<void> RemoteConnection::broken() {
    broken_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    return core::fail(EIO);
}

Result<void> RemoteConnection::say_hello(const HelloRequest& hello) {
    capnp::MallocMessageBuilder message;
    auto request = message.initRoot<protocol::Hello>();
    request.setVersion(protocol::VERSION);
    request.setLabel(hello.label);
    request.setWriteable(hello.writeable);
    request.setSubroot(hello.subroot);
    request.setAttach(hello.attach);
    IMFS_TRY(send(message));
    protocol::FrameReader::Frame frame = IMFS_TRY(receive());
    try {
        auto reply = frame.reader->getRoot<protocol::HelloReply>();
        if (reply.getErrno() != 0) {
            broken_ = true;
            return core::fail(reply.getErrno());
        }
        writeable_ = reply.getWriteable();
    } catch (const kj::Exception&) {
        return broken();
    }
    return {};
}

Result<void> RemoteConnection::send(capnp::MessageBuilder& message) {
    // The stream framing written straight from the builder's segments: a
    // large write's data is not copied again. MSG_NOSIGNAL: a closed peer
    // is an error, not SIGPIPE in the caller's process.
    auto segments = message.getSegmentsForOutput();
    std::vector<std::uint32_t> table = protocol::segment_table(segments);
    std::vector<iovec> pieces;
    pieces.push_back({table.data(), table.size() * sizeof(std::uint32_t)});
    for (auto segment : segments) {
        pieces.push_back(
            {const_cast<capnp::word*>(segment.begin()), segment.size() * sizeof(capnp::word)});
    }
    std::size_t next = 0;
    while (next < pieces.size()) {
        msghdr header{};
        header.msg_iov = pieces.data() + next;
        header.msg_iovlen = std::min<std::size_t>(pieces.size() - next, IOV_MAX);
        ssize_t sent = ::sendmsg(fd_, &header, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR) continue;
            return broken();
        }
        auto left = static_cast<std::size_t>(sent);
        while (next < pieces.size() && left >= pieces[next].iov_len)
            left -= pieces[next++].iov_len;
        if (left > 0) {
            pieces[next].iov_base = static_cast<char*>(pieces[next].iov_base) + left;
            pieces[next].iov_len -= left;
        }
    }
    return {};
}

Result<protocol::FrameReader::Frame> RemoteConnection::receive() {
    while (true) {
        auto frame = frames_.next();
        if (!frame) return std::unexpected(broken().error());
        if (*frame) return std::move(**frame);
        std::span<std::byte> space = frames_.free_space();
        ssize_t got = ::recv(fd_, space.data(), space.size(), 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return std::unexpected(broken().error());
        frames_.commit(static_cast<std::size_t>(got));
    }
}

}  // namespace imfs::client
