// Request handling as imfsd does it for one connection, without the socket:
// Connection::process, handle_hello and handle_request (server/net/
// connection.cpp) need an Asio socket, so this loop repeats their few
// lines around the same pieces: FrameReader, Admission, dispatch().
#include <capnp/any.h>
#include <capnp/message.h>
#include <fcntl.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "admission.hpp"
#include "codec.hpp"
#include "core/file_system.hpp"
#include "dispatch.hpp"
#include "fuzz_targets.hpp"
#include "policies/admission.hpp"
#include "policies/label.hpp"
#include "session_registry.hpp"

namespace imfs::fuzz {

void violation(const char* what) {
    std::fprintf(stderr, "fuzz: broken promise: %s\n", what);
    std::fflush(stderr);
    std::abort();
}

namespace {

// The fuzzed server has no snapshot file: the request answers ENOTSUP.
const net::ServerActions kNoActions;

constexpr std::size_t kHelloDataBytes =
    protocol::Hello::_capnpPrivate::dataWordSize * sizeof(capnp::word);
constexpr std::size_t kRequestDataBytes =
    protocol::Request::_capnpPrivate::dataWordSize * sizeof(capnp::word);
// Small limits: a fuzzer's ftruncate/fallocate must not exhaust memory.
constexpr core::Limits kLimits{.max_bytes = 16u << 20, .max_inodes = 4096};
// Frames handled per input at most (an input of many tiny frames).
constexpr int kMaxFrames = 256;

void populate(core::FileSystem& fs) {
    auto root = fs.open_session(core::SessionSpec{});
    if (!root) violation("cannot open a root session");
    core::Session& s = **root;
    (void)fs.mkdirat(s, AT_FDCWD, "/dir", 0755);
    (void)fs.mkdirat(s, AT_FDCWD, "/dir/sub", 0700);
    (void)fs.symlinkat(s, "/dir", AT_FDCWD, "/link");
    (void)fs.symlinkat(s, "loop", AT_FDCWD, "/loop");
    if (auto fd = fs.openat(s, AT_FDCWD, "/dir/file", O_CREAT | O_WRONLY, 0644)) {
        static const char text[] = "hello, fuzzer\n";
        iovec v{const_cast<char*>(text), sizeof text - 1};
        (void)fs.write(s, *fd, {&v, 1}, std::nullopt);
        (void)fs.close(s, *fd);
    }
    fs.close_session(std::move(*root));
}

// One connection's state: what Connection keeps between frames.
struct FakeConnection {
    net::SessionRegistry& registry;
    const net::Admission& admission;
    std::uint64_t id;
    std::unique_ptr<core::Session> session;
    std::optional<net::Grant> grant;

    // false: the connection would close.
    bool hello(capnp::MessageReader& message) {
        auto hello = message.getRoot<protocol::Hello>();
        if (hello.getVersion() != protocol::VERSION) return false;
        if (message.getRoot<capnp::AnyStruct>().getDataSection().size() > kHelloDataBytes)
            return false;
        if (std::uint64_t token = hello.getAttach(); token != 0) {
            auto taken = registry.take(token);
            if (!taken.session) return false;
            session = std::move(taken.session);
            grant = std::move(taken.grant);
        } else {
            auto client_label = hello.getLabel();
            if (client_label.size() > 4096) return false;
            std::string label = policies::compose_label(
                "fuzz", std::string_view(client_label.begin(), client_label.size()));
            auto subroot = hello.getSubroot();
            if (subroot.size() >= 4096 ||
                std::memchr(subroot.begin(), '\0', subroot.size()) != nullptr)
                return false;
            auto granted = admission.admit(label, hello.getWriteable(), subroot.cStr());
            if (!granted) return false;
            auto opened =
                policies::open_admitted_session(registry.file_system(), granted->admission);
            if (!opened) return false;
            session = std::move(*opened);
            grant = std::move(*granted);
        }
        registry.add_live(*session);
        return true;
    }

    bool request(capnp::MessageReader& message) {
        if (message.getRoot<capnp::AnyStruct>().getDataSection().size() < kRequestDataBytes)
            return false;
        auto request = message.getRoot<protocol::Request>();
        capnp::MallocMessageBuilder reply;
        net::dispatch(net::DispatchContext{registry, id, *grant, kNoActions}, *session, request,
                      reply.initRoot<protocol::Reply>());
        // The reply must encode: what the connection writes next.
        auto words = protocol::encode(reply);
        if (words.size() == 0) violation("empty reply frame");
        return true;
    }

    bool frame(capnp::MessageReader& message) {
        try {
            return session ? request(message) : hello(message);
        } catch (const kj::Exception&) {
            return false;  // imfsd closes a connection that sends a malformed message
        }
    }
};

}  // namespace

int fuzz_request(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::size_t piece = data[0] == 0 ? size : data[0];
    const std::uint8_t* stream = data + 1;
    std::size_t remaining = size - 1;

    core::FileSystem fs(kLimits);
    populate(fs);
    net::SessionRegistry registry(fs);
    net::Admission admission;  // no policies: every label gets "/", may write
    FakeConnection connection{registry, admission, registry.connection_opened(), {}, {}};
    protocol::FrameReader frames;

    bool open = true;
    int handled = 0;
    while (open && remaining > 0) {
        auto space = frames.free_space();
        std::size_t n = std::min({piece, remaining, space.size()});
        std::memcpy(space.data(), stream, n);
        frames.commit(n);
        stream += n;
        remaining -= n;
        while (open) {
            auto next = frames.next();
            if (!next || !*next) {
                open = next.has_value();
                break;
            }
            open = connection.frame(*(**next).reader) && ++handled < kMaxFrames;
        }
    }
    if (connection.session) registry.retire(std::move(connection.session));
    registry.connection_closed(connection.id);
    return 0;
}

}  // namespace imfs::fuzz
