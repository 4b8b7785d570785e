// imfsd as a real process over real sockets: sessions, pipelining, fork,
// credentials, signals, and hostile peers. Every abuse is followed by a
// check that a second, healthy client still gets served.
#include <capnp/any.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <random>
#include <thread>

#include "imfsd_process.hpp"
#include "raw_client.hpp"

namespace imfs::test {
namespace {

using protocol::Request;

std::optional<ReplyCopy> openat(RawClient& c, const std::string& path, int flags,
                                std::uint32_t mode = 0644) {
    return c.call([&](Request::Builder r) { set_path(r.initOpenat(), path, flags, mode); });
}

std::optional<ReplyCopy> pwrite(RawClient& c, int fd, const std::string& data,
                                std::optional<std::int64_t> offset = std::nullopt) {
    return c.call([&](Request::Builder r) {
        auto w = r.initWrite();
        w.setFd(fd);
        w.setData(kj::arrayPtr(reinterpret_cast<const kj::byte*>(data.data()), data.size()));
        w.setPositional(offset.has_value());
        w.setOffset(offset.value_or(0));
    });
}

std::optional<ReplyCopy> pread(RawClient& c, int fd, std::uint32_t count, std::int64_t offset) {
    return c.call([&](Request::Builder r) {
        auto call = r.initRead();
        call.setFd(fd);
        call.setCount(count);
        call.setPositional(true);
        call.setOffset(offset);
    });
}

std::optional<ReplyCopy> stats(RawClient& c) {
    return c.call([](Request::Builder r) { r.setStats(); });
}

class ImfsdTest : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(server_.started()) << "imfsd did not start"; }

    std::unique_ptr<RawClient> connect() { return RawClient::connect(server_.socket_path()); }

    std::unique_ptr<RawClient> session(const std::string& label = "test") {
        auto c = connect();
        if (c && c->hello(label) != 0) return nullptr;
        return c;
    }

    // A new client opens a session, writes a file and reads it back.
    void expect_healthy() {
        static int round = 0;
        auto c = session("healthy");
        ASSERT_TRUE(c);
        std::string name = "/healthy-" + std::to_string(round++);
        auto fd = openat(*c, name, O_CREAT | O_RDWR | O_TRUNC);
        ASSERT_TRUE(fd);
        ASSERT_EQ(fd->error, 0);
        auto written = pwrite(*c, static_cast<int>(fd->value), "still serving", 0);
        ASSERT_TRUE(written);
        EXPECT_EQ(written->value, 13);
        auto back = pread(*c, static_cast<int>(fd->value), 100, 0);
        ASSERT_TRUE(back);
        EXPECT_EQ(back->data, "still serving");
    }

    // Polls the server's counters (seen from c's own session) until
    // sessions and descriptors (and connections, if given) are as expected.
    // Connections lag: the server counts one from its accept, which may come
    // after the peer has already closed it.
    ::testing::AssertionResult settles(RawClient& c, std::uint64_t sessions,
                                       std::uint64_t descriptors,
                                       std::optional<std::uint64_t> connections = {}) {
        auto deadline = std::chrono::steady_clock::now() + 5s;
        std::optional<ReplyCopy> s;
        while (std::chrono::steady_clock::now() < deadline) {
            s = stats(c);
            if (!s) return ::testing::AssertionFailure() << "no stats reply";
            if (s->sessions == sessions && s->descriptors == descriptors &&
                (!connections || s->connections == *connections)) {
                return ::testing::AssertionSuccess();
            }
            std::this_thread::sleep_for(20ms);
        }
        return ::testing::AssertionFailure()
               << "sessions " << s->sessions << " (want " << sessions << "), descriptors "
               << s->descriptors << " (want " << descriptors << "), connections " << s->connections;
    }

    ImfsdProcess server_;
};

TEST_F(ImfsdTest, ServesASession) {
    auto c = session();
    ASSERT_TRUE(c);
    auto cwd = c->call([](Request::Builder r) { r.setGetcwd(); });
    ASSERT_TRUE(cwd);
    EXPECT_EQ(cwd->error, 0);
    EXPECT_EQ(cwd->data, "/");
    expect_healthy();
}

TEST_F(ImfsdTest, RandomBytesCloseOnlyThatConnection) {
    std::mt19937_64 random(42);
    for (int round = 0; round < 8; ++round) {
        auto c = connect();
        ASSERT_TRUE(c);
        if (round % 2 == 1) {
            ASSERT_EQ(c->hello(), 0);  // garbage after a good hello too
        }
        std::vector<std::uint64_t> garbage(1024);
        for (auto& word : garbage)
            word = random();
        c->send_bytes(garbage.data(), garbage.size() * 8);
        c->shutdown_write();
        EXPECT_TRUE(c->closed_by_server());
    }
    expect_healthy();
}

TEST_F(ImfsdTest, TruncatedFrameThenClose) {
    auto checker = session();
    ASSERT_TRUE(checker);
    {
        auto c = session();
        ASSERT_TRUE(c);
        capnp::MallocMessageBuilder message;
        auto request = message.initRoot<Request>();
        request.setId(1);
        set_path(request.initOpenat(), "/truncated", O_CREAT | O_RDWR, 0644);
        auto bytes_words = protocol::encode(message);  // owns the bytes below
        auto bytes = bytes_words.asBytes();
        ASSERT_TRUE(c->send_bytes(bytes.begin(), bytes.size() / 2));
    }
    EXPECT_TRUE(settles(*checker, 1, 0));
    expect_healthy();
}

TEST_F(ImfsdTest, FrameOverTheLimitIsRefusedBeforeItArrives) {
    auto c = session();
    ASSERT_TRUE(c);
    // One segment of twice the limit: only the header is sent.
    std::uint32_t header[2] = {0, static_cast<std::uint32_t>(protocol::kMaxFrameBytes / 4)};
    ASSERT_TRUE(c->send_bytes(header, sizeof header));
    EXPECT_TRUE(c->closed_by_server());
    // A segment table claiming a huge number of segments.
    auto d = session();
    ASSERT_TRUE(d);
    std::uint32_t many[2] = {0xfffffff0u, 1};
    ASSERT_TRUE(d->send_bytes(many, sizeof many));
    EXPECT_TRUE(d->closed_by_server());
    expect_healthy();
}

TEST_F(ImfsdTest, MessageNestedPastTheLimit) {
    auto c = session();
    ASSERT_TRUE(c);
    // A request whose credentials lead into a chain of 64 nested structs.
    capnp::MallocMessageBuilder message;
    auto root = message.getRoot<capnp::AnyPointer>().initAsAnyStruct(3, 2);
    auto data = root.getDataSection();
    data[0] = 7;  // id 7, operation fork (discriminant 0)
    auto link = root.getPointerSection()[0].initAsAnyStruct(1, 1);
    for (int depth = 0; depth < 64; ++depth) {
        link = link.getPointerSection()[0].initAsAnyStruct(1, 1);
    }
    ASSERT_TRUE(c->send(message));
    EXPECT_TRUE(c->closed_by_server());
    expect_healthy();
}

TEST_F(ImfsdTest, WrongProtocolVersionIsRefused) {
    auto c = connect();
    ASSERT_TRUE(c);
    EXPECT_EQ(c->hello("test", true, "", 0, protocol::VERSION + 1), EPROTONOSUPPORT);
    EXPECT_TRUE(c->closed_by_server());
    expect_healthy();
}

TEST_F(ImfsdTest, UnknownOperationIsAnsweredAndServingGoesOn) {
    auto c = session();
    ASSERT_TRUE(c);
    capnp::MallocMessageBuilder message;
    auto request = message.initRoot<Request>();
    request.setId(99);
    request.setGetcwd();
    // The union's discriminant (16 bits at byte 8) set past the last member.
    auto section = message.getRoot<capnp::AnyStruct>().getDataSection();
    section[8] = 200;
    section[9] = 0;
    auto reply = c->call(message);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->id, 99u);
    EXPECT_EQ(reply->error, ENOSYS);
    auto cwd = c->call([](Request::Builder r) { r.setGetcwd(); });
    ASSERT_TRUE(cwd);
    EXPECT_EQ(cwd->data, "/");
    expect_healthy();
}

TEST_F(ImfsdTest, RequestBeforeHelloCloses) {
    for (std::uint64_t id : {1u, 5u}) {  // 1 reads as the right version, 5 as a wrong one
        auto c = connect();
        ASSERT_TRUE(c);
        capnp::MallocMessageBuilder message;
        auto request = message.initRoot<Request>();
        request.setId(id);
        request.setGetcwd();
        ASSERT_TRUE(c->send(message));
        auto frame = c->receive(2s);
        if (frame) {  // at most a refusal
            EXPECT_NE(frame->reader->getRoot<protocol::HelloReply>().getErrno(), 0);
        }
        EXPECT_TRUE(c->closed_by_server());
    }
    expect_healthy();
}

TEST_F(ImfsdTest, SecondHelloCloses) {
    auto checker = session();
    ASSERT_TRUE(checker);
    auto c = session();
    ASSERT_TRUE(c);
    capnp::MallocMessageBuilder message;
    auto hello = message.initRoot<protocol::Hello>();
    hello.setVersion(protocol::VERSION);
    hello.setLabel("again");
    ASSERT_TRUE(c->send(message));
    EXPECT_TRUE(c->closed_by_server());
    EXPECT_TRUE(settles(*checker, 1, 0));
    expect_healthy();
}

TEST_F(ImfsdTest, AThousandConnectionsOpenedAndDropped) {
    auto checker = session();
    ASSERT_TRUE(checker);
    for (int i = 0; i < 1000; ++i) {
        auto c = connect();
        ASSERT_TRUE(c) << "connection " << i;
        if (i % 2 == 0) {
            EXPECT_EQ(c->hello("drop"), 0);
        }
    }
    EXPECT_TRUE(settles(*checker, 1, 0, 1));
    expect_healthy();
}

TEST_F(ImfsdTest, ClientKilledMidWriteLeavesNothingBehind) {
    auto checker = session();
    ASSERT_TRUE(checker);
    auto before = stats(*checker);
    ASSERT_TRUE(before);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // Connects, opens a file and streams 4 MiB writes without reading a
        // reply, until killed.
        auto c = RawClient::connect(server_.socket_path());
        if (!c || c->hello("doomed") != 0) ::_exit(1);
        auto fd = openat(*c, "/doomed", O_CREAT | O_RDWR, 0644);
        if (!fd || fd->error != 0) ::_exit(1);
        std::string chunk(protocol::kMaxTransfer, 'x');
        for (std::uint64_t i = 0;; ++i) {
            capnp::MallocMessageBuilder message;
            auto request = message.initRoot<Request>();
            request.setId(100 + i);
            auto w = request.initWrite();
            w.setFd(static_cast<int>(fd->value));
            w.setData(kj::arrayPtr(reinterpret_cast<const kj::byte*>(chunk.data()), chunk.size()));
            auto words = protocol::encode(message);
            auto bytes = words.asBytes();
            // Stop halfway through a frame now and then.
            c->send_bytes(bytes.begin(), i % 3 == 2 ? bytes.size() / 2 : bytes.size());
        }
    }
    std::this_thread::sleep_for(300ms);
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    EXPECT_TRUE(settles(*checker, before->sessions, before->descriptors));
    expect_healthy();
}

TEST_F(ImfsdTest, PeerThatStopsReadingCannotMakeTheServerBuffer) {
    auto c = session();
    ASSERT_TRUE(c);
    auto fd = openat(*c, "/big", O_CREAT | O_RDWR);
    ASSERT_TRUE(fd && fd->error == 0);
    ASSERT_EQ(c->call([&](Request::Builder r) {
                   auto t = r.initFtruncate();
                   t.setFd(static_cast<int>(fd->value));
                   t.setLength(protocol::kMaxTransfer);
               })->error,
              0);
    // 1 GiB of replies asked for, none read.
    for (int i = 0; i < 256; ++i) {
        capnp::MallocMessageBuilder message;
        auto request = message.initRoot<Request>();
        request.setId(10 + i);
        auto read = request.initRead();
        read.setFd(static_cast<int>(fd->value));
        read.setCount(protocol::kMaxTransfer);
        read.setPositional(true);
        ASSERT_TRUE(c->send(message));
    }
    std::this_thread::sleep_for(300ms);
    EXPECT_LT(resident_kib(server_.pid()), 64 * 1024);
    expect_healthy();
    // The stalled client still gets every reply, in order, once it reads.
    for (int i = 0; i < 256; ++i) {
        auto frame = c->receive();
        ASSERT_TRUE(frame) << "reply " << i;
        auto reply = frame->reader->getRoot<protocol::Reply>();
        ASSERT_EQ(reply.getId(), 10u + i);
        ASSERT_EQ(reply.getResult().getData().size(), protocol::kMaxTransfer);
    }
}

TEST_F(ImfsdTest, PipelinedRequestsAreAnsweredInOrder) {
    auto c = session();
    ASSERT_TRUE(c);
    auto fd = openat(*c, "/pipelined", O_CREAT | O_RDWR, 0644);
    ASSERT_TRUE(fd && fd->error == 0);
    constexpr int kRequests = 100;
    for (int i = 0; i < kRequests; ++i) {
        capnp::MallocMessageBuilder message;
        auto request = message.initRoot<Request>();
        request.setId(1000 + i);
        if (i % 2 == 0) {
            auto w = request.initWrite();
            w.setFd(static_cast<int>(fd->value));
            char byte = static_cast<char>('a' + i % 26);
            w.setData(kj::arrayPtr(reinterpret_cast<const kj::byte*>(&byte), 1));
        } else {
            auto l = request.initLseek();
            l.setFd(static_cast<int>(fd->value));
            l.setWhence(SEEK_CUR);
        }
        ASSERT_TRUE(c->send(message));
    }
    for (int i = 0; i < kRequests; ++i) {
        auto frame = c->receive();
        ASSERT_TRUE(frame) << "reply " << i;
        auto reply = copy_reply(frame->reader->getRoot<protocol::Reply>());
        EXPECT_EQ(reply.id, 1000u + i);
        EXPECT_EQ(reply.error, 0);
        // Each write moved the offset by one: the lseek after write i/2 sees it.
        EXPECT_EQ(reply.value, i % 2 == 0 ? 1 : (i + 1) / 2);
    }
    expect_healthy();
}

TEST_F(ImfsdTest, ForkAndAttachShareOffsets) {
    auto checker = session();
    ASSERT_TRUE(checker);
    auto parent = session("parent");
    ASSERT_TRUE(parent);
    auto fd = openat(*parent, "/shared", O_CREAT | O_RDWR, 0644);
    ASSERT_TRUE(fd && fd->error == 0);
    int file = static_cast<int>(fd->value);
    ASSERT_EQ(pwrite(*parent, file, "abc")->value, 3);
    auto token = parent->call([](Request::Builder r) { r.setFork(); });
    ASSERT_TRUE(token);
    ASSERT_EQ(token->error, 0);
    ASSERT_NE(token->value, 0);

    auto child = connect();
    ASSERT_TRUE(child);
    ASSERT_EQ(child->hello("ignored", true, "", static_cast<std::uint64_t>(token->value)), 0);
    ASSERT_EQ(pwrite(*child, file, "def")->value, 3);
    auto offset = parent->call([&](Request::Builder r) {
        auto l = r.initLseek();
        l.setFd(file);
        l.setWhence(SEEK_CUR);
    });
    ASSERT_TRUE(offset);
    EXPECT_EQ(offset->value, 6);

    // A token attaches once.
    auto again = connect();
    ASSERT_TRUE(again);
    EXPECT_EQ(again->hello("x", true, "", static_cast<std::uint64_t>(token->value)), EINVAL);

    // A fork nobody attaches to goes when its parent's connection does.
    ASSERT_EQ(parent->call([](Request::Builder r) { r.setFork(); })->error, 0);
    EXPECT_TRUE(settles(*checker, 4, 3));  // checker, parent, child, the waiting fork
    parent.reset();
    EXPECT_TRUE(settles(*checker, 2, 1));
    expect_healthy();
}

TEST_F(ImfsdTest, PerRequestCredentialsAreHonouredForTrustedSessions) {
    auto c = session();
    ASSERT_TRUE(c);
    ASSERT_EQ(
        c->call([](Request::Builder r) { set_path(r.initMkdirat(), "/private", 0, 0700); })->error,
        0);
    auto as_user = [](Request::Builder r) {
        auto cred = r.initCredentials();
        cred.setUid(1000);
        cred.setGid(1000);
    };
    auto denied = c->call([&](Request::Builder r) {
        as_user(r);
        set_path(r.initOpenat(), "/private/x", O_CREAT | O_RDWR, 0644);
    });
    ASSERT_TRUE(denied);
    EXPECT_EQ(denied->error, EACCES);
    // The session's own identity (root) is back for the next request.
    auto allowed = openat(*c, "/private/x", O_CREAT | O_RDWR);
    ASSERT_TRUE(allowed);
    EXPECT_EQ(allowed->error, 0);
    // A directory created for a caller belongs to that caller.
    ASSERT_EQ(
        c->call([](Request::Builder r) { set_path(r.initMkdirat(), "/pub", 0, 0755); })->error, 0);
    ASSERT_EQ(
        c->call([](Request::Builder r) { set_path(r.initFchmodat(), "/pub", 0, 0777); })->error, 0);
    auto created = c->call([&](Request::Builder r) {
        as_user(r);
        set_path(r.initMkdirat(), "/pub/users", 0, 0777);
    });
    ASSERT_EQ(created->error, 0);
    auto st = c->call([](Request::Builder r) { set_path(r.initFstatat(), "/pub/users"); });
    ASSERT_TRUE(st);
    EXPECT_EQ(st->uid, 1000u);
    EXPECT_EQ(st->mode & 07777, 0755u);  // the session's umask 022 applied
    expect_healthy();
}

TEST_F(ImfsdTest, FieldsAreValidated) {
    auto c = session();
    ASSERT_TRUE(c);
    auto too_long = openat(*c, "/" + std::string(4095, 'a'), O_RDONLY);
    ASSERT_TRUE(too_long);
    EXPECT_EQ(too_long->error, ENAMETOOLONG);
    auto with_nul = c->call([](Request::Builder r) {
        auto call = r.initOpenat();
        call.setDirfd(AT_FDCWD);
        auto path = call.initPath(4);  // Text with a NUL inside: no C string can say it
        std::memcpy(path.begin(), "/a\0b", 4);
    });
    ASSERT_TRUE(with_nul);
    EXPECT_EQ(with_nul->error, EINVAL);
    auto fd = openat(*c, "/f", O_CREAT | O_RDWR);
    ASSERT_TRUE(fd && fd->error == 0);
    auto huge = pread(*c, static_cast<int>(fd->value), protocol::kMaxTransfer + 1, 0);
    ASSERT_TRUE(huge);
    EXPECT_EQ(huge->error, EINVAL);
    auto dents = c->call([&](Request::Builder r) {
        auto g = r.initGetdents64();
        g.setFd(static_cast<int>(fd->value));
        g.setSize(0xffffffffu);
    });
    ASSERT_TRUE(dents);
    EXPECT_EQ(dents->error, EINVAL);
    auto bad_fd = pread(*c, 12345, 10, 0);
    ASSERT_TRUE(bad_fd);
    EXPECT_EQ(bad_fd->error, EBADF);
    expect_healthy();
}

TEST_F(ImfsdTest, LargeTransfersRoundTrip) {
    auto c = session();
    ASSERT_TRUE(c);
    auto fd = openat(*c, "/large", O_CREAT | O_RDWR);
    ASSERT_TRUE(fd && fd->error == 0);
    std::string data(protocol::kMaxTransfer, '\0');
    std::mt19937 random(7);
    for (auto& byte : data)
        byte = static_cast<char>(random());
    auto written = pwrite(*c, static_cast<int>(fd->value), data, 0);
    ASSERT_TRUE(written);
    EXPECT_EQ(written->value, static_cast<std::int64_t>(data.size()));
    auto back = pread(*c, static_cast<int>(fd->value), protocol::kMaxTransfer, 0);
    ASSERT_TRUE(back);
    EXPECT_TRUE(back->data == data);
    auto past_end = pread(*c, static_cast<int>(fd->value), protocol::kMaxTransfer, 100);
    ASSERT_TRUE(past_end);
    EXPECT_EQ(past_end->data.size(), data.size() - 100);
}

TEST_F(ImfsdTest, SubrootAndReadOnlyWishes) {
    auto c = session();
    ASSERT_TRUE(c);
    ASSERT_EQ(
        c->call([](Request::Builder r) { set_path(r.initMkdirat(), "/home", 0, 0755); })->error, 0);
    auto narrowed = connect();
    ASSERT_TRUE(narrowed);
    ASSERT_EQ(narrowed->hello("sub", false, "/home"), 0);
    auto made =
        narrowed->call([](Request::Builder r) { set_path(r.initMkdirat(), "/x", 0, 0755); });
    ASSERT_TRUE(made);
    EXPECT_EQ(made->error, EROFS);
    auto missing = connect();
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->hello("sub", true, "/nowhere"), ENOENT);
    expect_healthy();
}

TEST_F(ImfsdTest, APeerThatNeverSaysHelloIsDropped) {
    auto silent = connect();
    ASSERT_TRUE(silent);
    // imfsd waits 10 s for a hello, then lets the descriptor go.
    EXPECT_TRUE(silent->closed_by_server(15s));
    expect_healthy();
}

// With its descriptors nearly used up, imfsd turns the newest peer away and
// keeps serving the others (its limit: RLIMIT_NOFILE less 64 spare).
TEST(ImfsdProcessTest, ConnectionsBeyondTheDescriptorLimitAreRefused) {
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    rlimit small = saved;
    small.rlim_cur = 200;  // imfsd inherits it: 136 connections at most
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &small), 0);
    ImfsdProcess server;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
    ASSERT_TRUE(server.started());
    std::vector<std::unique_ptr<RawClient>> clients;
    int refused = 0;
    for (int i = 0; i < 150; ++i) {
        auto c = RawClient::connect(server.socket_path());
        ASSERT_TRUE(c);
        if (c->hello("crowd") == 0) {
            clients.push_back(std::move(c));
        } else {
            ++refused;
        }
    }
    EXPECT_GT(refused, 0);
    EXPECT_LE(clients.size(), 136u);
    // Those admitted still get answers.
    auto reply = stats(*clients.front());
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->error, 0);
    // And once some leave, newcomers are served again.
    clients.resize(clients.size() / 2);
    std::this_thread::sleep_for(200ms);
    auto late = RawClient::connect(server.socket_path());
    ASSERT_TRUE(late);
    EXPECT_EQ(late->hello("late"), 0);
}

TEST(ImfsdProcessTest, SigtermExitsZeroAndRemovesTheSocket) {
    ImfsdProcess server;
    ASSERT_TRUE(server.started());
    auto c = RawClient::connect(server.socket_path());
    ASSERT_TRUE(c);
    ASSERT_EQ(c->hello(), 0);
    auto status = server.stop(SIGTERM, 5s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 0);
    struct stat st {};
    EXPECT_NE(::lstat(server.socket_path().c_str(), &st), 0);
    EXPECT_TRUE(c->closed_by_server(1s));
}

TEST(ImfsdProcessTest, StaleSocketIsReplacedLiveOneIsNot) {
    std::string path = fresh_socket_path();
    {
        // A socket file nobody listens on any more.
        int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
        ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        ::close(fd);
    }
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::execl(IMFSD_PATH, IMFSD_PATH, "--listen", ("unix:" + path).c_str(), "--log-level",
                "error", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    std::unique_ptr<RawClient> c;
    for (int i = 0; i < 500 && !c; ++i) {
        c = RawClient::connect(path);
        if (!c) std::this_thread::sleep_for(10ms);
    }
    ASSERT_TRUE(c);
    EXPECT_EQ(c->hello(), 0);
    // A second server on the same path refuses to start and leaves it alone.
    EXPECT_EQ(run_imfsd({"--listen", "unix:" + path, "--log-level", "error"}, 5s), 1);
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(ImfsdProcessTest, CommandLineErrorsAreReported) {
    // A config that cannot be read is a bad config (1), not a usage error.
    EXPECT_EQ(run_imfsd({"--config", "/nonexistent.xml"}, 5s), 1);
    EXPECT_EQ(run_imfsd({"--listen", "bogus"}, 5s), 2);
    EXPECT_EQ(run_imfsd({"--listen", "unix:/tmp/x", "--log-level", "loud"}, 5s), 2);
    EXPECT_EQ(run_imfsd({"--frobnicate"}, 5s), 2);
    EXPECT_EQ(run_imfsd({"--help"}, 5s), 0);
}

}  // namespace
}  // namespace imfs::test
