#include "raw_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace imfs::test {

std::unique_ptr<RawClient> RawClient::connect(const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return nullptr;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return nullptr;
    }
    return std::make_unique<RawClient>(fd);
}

RawClient::~RawClient() {
    ::close(fd_);
}

bool RawClient::send_bytes(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t sent = ::send(fd_, bytes, size, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) return false;
        bytes += sent;
        size -= static_cast<std::size_t>(sent);
    }
    return true;
}

bool RawClient::send(capnp::MessageBuilder& message) {
    auto words = protocol::encode(message);
    auto bytes = words.asBytes();
    return send_bytes(bytes.begin(), bytes.size());
}

void RawClient::shutdown_write() {
    ::shutdown(fd_, SHUT_WR);
}

std::optional<protocol::FrameReader::Frame> RawClient::receive(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto frame = frames_.next();
        if (!frame) return std::nullopt;
        if (*frame) return std::move(**frame);
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        pollfd p{fd_, POLLIN, 0};
        int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return std::nullopt;
        auto space = frames_.free_space();
        ssize_t got = ::recv(fd_, space.data(), space.size(), 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return std::nullopt;
        frames_.commit(static_cast<std::size_t>(got));
    }
}

bool RawClient::closed_by_server(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char sink[65536];
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd_, POLLIN, 0};
        int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return false;
        ssize_t got = ::recv(fd_, sink, sizeof sink, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return true;  // end of stream or reset
    }
}

int RawClient::hello(const std::string& label, bool writeable, const std::string& subroot,
                     std::uint64_t attach, std::uint32_t version) {
    capnp::MallocMessageBuilder message;
    auto hello = message.initRoot<protocol::Hello>();
    hello.setVersion(version);
    hello.setLabel(label);
    hello.setWriteable(writeable);
    hello.setSubroot(subroot);
    hello.setAttach(attach);
    if (!send(message)) return -1;
    auto frame = receive();
    if (!frame) return -1;
    try {
        return frame->reader->getRoot<protocol::HelloReply>().getErrno();
    } catch (const kj::Exception&) {
        return -1;
    }
}

std::optional<ReplyCopy> RawClient::call(const Fill& fill) {
    capnp::MallocMessageBuilder message;
    auto request = message.initRoot<protocol::Request>();
    request.setId(next_id());
    fill(request);
    return call(message);
}

std::optional<ReplyCopy> RawClient::call(capnp::MessageBuilder& message) {
    if (!send(message)) return std::nullopt;
    auto frame = receive();
    if (!frame) return std::nullopt;
    try {
        return copy_reply(frame->reader->getRoot<protocol::Reply>());
    } catch (const kj::Exception&) {
        return std::nullopt;
    }
}

ReplyCopy copy_reply(protocol::Reply::Reader reply) {
    ReplyCopy copy;
    copy.id = reply.getId();
    copy.error = reply.getErrno();
    auto result = reply.getResult();
    copy.which = result.which();
    switch (result.which()) {
        case protocol::Reply::Result::VALUE:
            copy.value = result.getValue();
            break;
        case protocol::Reply::Result::DATA: {
            auto data = result.getData();
            copy.data.assign(reinterpret_cast<const char*>(data.begin()), data.size());
            break;
        }
        case protocol::Reply::Result::PATH:
            copy.data = result.getPath();
            break;
        case protocol::Reply::Result::STAT:
            copy.mode = result.getStat().getMode();
            copy.uid = result.getStat().getUid();
            copy.size = result.getStat().getSize();
            break;
        case protocol::Reply::Result::STATS: {
            auto stats = result.getStats();
            copy.connections = stats.getConnections();
            copy.sessions = stats.getSessions();
            copy.descriptors = stats.getDescriptors();
            copy.inodes = stats.getInodes();
            copy.bytes = stats.getBytes();
            break;
        }
        default:
            break;
    }
    return copy;
}

void set_path(protocol::PathCall::Builder call, const std::string& path, int flags,
              std::uint32_t mode, int dirfd) {
    call.setDirfd(dirfd);
    call.setPath(path);
    call.setFlags(flags);
    call.setMode(mode);
}

}  // namespace imfs::test
