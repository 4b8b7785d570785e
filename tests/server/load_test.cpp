// Load through the client library against a real imfsd: many clients at
// once, one session shared by several threads, every byte read back
// checked, and nothing left behind on the server afterwards.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <imfs/imfs.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "imfsd_process.hpp"
#include "raw_client.hpp"

namespace {

using imfs::test::ImfsdProcess;
using imfs::test::RawClient;

// Bytes that depend on who wrote them, where and when, so a torn, lost or
// misplaced write cannot read back as expected.
std::vector<char> pattern(unsigned client, unsigned round, std::size_t size) {
    std::vector<char> bytes(size);
    std::uint32_t x = client * 2654435761u ^ round * 40503u ^ 0x9e3779b9u;
    for (auto& b : bytes) {
        x = x * 1664525u + 1013904223u;
        b = static_cast<char>(x >> 24);
    }
    return bytes;
}

std::uint64_t server_sessions(const std::string& socket) {
    auto client = RawClient::connect(socket);
    if (!client || client->hello() != 0) return ~0ull;
    auto stats = client->call([](imfs::protocol::Request::Builder r) { r.setStats(); });
    return stats ? stats->sessions - 1 : ~0ull;  // not counting this one
}

// One client's work: its own session and file; mixed calls, all checked.
// Returns the number of failures (each also reported).
int run_client(const std::string& endpoint, unsigned client, unsigned rounds) {
    int failures = 0;
    auto check = [&](bool ok, const char* what) {
        if (!ok) {
            ++failures;
            ADD_FAILURE() << "client " << client << ": " << what << ": " << strerror(errno);
        }
        return ok;
    };
    int s =
        imfs_session_open(endpoint.c_str(), ("load-" + std::to_string(client)).c_str(), nullptr);
    if (!check(s >= 0, "session_open")) return failures;
    std::string mine = "/load/c" + std::to_string(client);
    check(imfs_mkdir(s, mine.c_str(), 0755) == 0, "mkdir");
    std::string file = mine + "/data";
    int fd = imfs_open(s, file.c_str(), O_CREAT | O_RDWR, 0644);
    check(fd >= 0, "open");
    std::mt19937 random(client);
    for (unsigned round = 0; round < rounds && failures == 0; ++round) {
        std::size_t size = 1 + random() % (200 * 1024);
        off_t offset = static_cast<off_t>(random() % (1 << 20));
        std::vector<char> out = pattern(client, round, size);
        check(imfs_pwrite(s, fd, out.data(), size, offset) == static_cast<ssize_t>(size), "pwrite");
        std::vector<char> in(size);
        check(imfs_pread(s, fd, in.data(), size, offset) == static_cast<ssize_t>(size), "pread");
        check(in == out, "bytes read back differ");
        // Names in a directory every client shares.
        std::string shared = "/load/shared/" + std::to_string(client) + "-" + std::to_string(round);
        int tmp = imfs_open(s, shared.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600);
        check(tmp >= 0, "create shared");
        check(imfs_write(s, tmp, out.data(), 64) == 64, "write shared");
        check(imfs_close(s, tmp) == 0, "close shared");
        check(imfs_rename(s, shared.c_str(), (shared + ".done").c_str()) == 0, "rename");
        struct stat st;
        check(imfs_stat(s, (shared + ".done").c_str(), &st) == 0 && st.st_size == 64, "stat");
        check(imfs_unlink(s, (shared + ".done").c_str()) == 0, "unlink");
    }
    check(imfs_close(s, fd) == 0, "close");
    check(imfs_unlink(s, file.c_str()) == 0, "unlink data");
    check(imfs_rmdir(s, mine.c_str()) == 0, "rmdir");
    check(imfs_session_close(s) == 0, "session_close");
    return failures;
}

TEST(Load, FiftyClientsAtOnceEveryByteChecked) {
    ImfsdProcess imfsd;
    ASSERT_TRUE(imfsd.started());
    std::string endpoint = "unix:" + imfsd.socket_path();
    int setup = imfs_session_open(endpoint.c_str(), "setup", nullptr);
    ASSERT_GE(setup, 0);
    ASSERT_EQ(imfs_mkdir(setup, "/load", 0755), 0);
    ASSERT_EQ(imfs_mkdir(setup, "/load/shared", 0777), 0);
    std::uint64_t baseline = server_sessions(imfsd.socket_path());

    constexpr unsigned kClients = 50;
    std::atomic<int> failures{0};
    std::vector<std::thread> clients;
    for (unsigned c = 0; c < kClients; ++c) {
        clients.emplace_back([&, c] { failures += run_client(endpoint, c, 40); });
    }
    for (auto& t : clients)
        t.join();
    EXPECT_EQ(failures.load(), 0);

    // Everything the clients made is gone, and so are their sessions.
    IMFS_DIR* dir = imfs_opendir(setup, "/load/shared");
    ASSERT_NE(dir, nullptr);
    int entries = 0;
    while (dirent* e = imfs_readdir(dir))
        entries += std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0;
    imfs_closedir(dir);
    EXPECT_EQ(entries, 0);
    // A client's close reaches the server a moment after imfs_session_close
    // returns: wait (bounded) for the count to settle.
    std::uint64_t sessions = ~0ull;
    for (int i = 0; i < 250 && sessions != baseline; ++i) {
        sessions = server_sessions(imfsd.socket_path());
        if (sessions != baseline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(sessions, baseline);
    EXPECT_EQ(imfs_session_close(setup), 0);
}

TEST(Load, ThreadsShareOneRemoteSession) {
    ImfsdProcess imfsd;
    ASSERT_TRUE(imfsd.started());
    int s = imfs_session_open(("unix:" + imfsd.socket_path()).c_str(), "shared", nullptr);
    ASSERT_GE(s, 0);
    constexpr unsigned kThreads = 8;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            std::string name = "/t" + std::to_string(t);
            int fd = imfs_open(s, name.c_str(), O_CREAT | O_RDWR | O_APPEND, 0644);
            if (fd < 0) {
                ++failures;
                return;
            }
            // Large appends too (split into several requests by the client).
            for (unsigned round = 0; round < 30; ++round) {
                std::vector<char> out = pattern(t, round, round % 5 == 0 ? (6 << 20) : 3000);
                if (imfs_write(s, fd, out.data(), out.size()) != static_cast<ssize_t>(out.size())) {
                    ++failures;
                }
            }
            // Read it all back through a second descriptor and compare.
            int reader = imfs_open(s, name.c_str(), O_RDONLY);
            for (unsigned round = 0; round < 30 && reader >= 0; ++round) {
                std::vector<char> expect = pattern(t, round, round % 5 == 0 ? (6 << 20) : 3000);
                std::vector<char> got(expect.size());
                if (imfs_read(s, reader, got.data(), got.size()) !=
                        static_cast<ssize_t>(got.size()) ||
                    got != expect) {
                    ++failures;
                    break;
                }
            }
            imfs_close(s, reader);
            imfs_close(s, fd);
        });
    }
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(imfs_session_close(s), 0);
}

// The embedded file system under threads (the core's tree lock, offset and
// atime mutexes): each thread has a session of its own on "mem:" and does
// mixed calls on its own file, on one file all share (reads racing
// positional writes of whole, self-checking records) and in one directory
// all share while another thread lists it.
TEST(Load, EmbeddedThreadsShareOneTree) {
    int setup = imfs_session_open("mem:", "setup", nullptr);
    ASSERT_GE(setup, 0);
    const std::string top = "/embedded-load-" + std::to_string(::getpid());
    ASSERT_EQ(imfs_mkdir(setup, top.c_str(), 0777), 0);
    const std::string common = top + "/common";
    int fd = imfs_open(setup, common.c_str(), O_CREAT | O_RDWR, 0666);
    ASSERT_GE(fd, 0);
    constexpr std::size_t kRecord = 4096;
    constexpr unsigned kRecords = 64;
    ASSERT_EQ(imfs_ftruncate(setup, fd, kRecord * kRecords), 0);
    ASSERT_EQ(imfs_close(setup, fd), 0);

    constexpr unsigned kThreads = 8;
    std::atomic<int> failures{0};
    std::atomic<bool> done{false};
    auto fail = [&](unsigned t, const char* what) {
        if (failures++ < 5)
            ADD_FAILURE() << "thread " << t << ": " << what << ": " << strerror(errno);
    };
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            int s = imfs_session_open("mem:", ("thread-" + std::to_string(t)).c_str(), nullptr);
            if (s < 0) return fail(t, "session_open");
            int shared = imfs_open(s, common.c_str(), O_RDWR);
            const std::string mine = top + "/own" + std::to_string(t);
            int own = imfs_open(s, mine.c_str(), O_CREAT | O_RDWR | O_APPEND, 0644);
            if (shared < 0 || own < 0) return fail(t, "open");
            std::mt19937 random(t);
            std::vector<char> record(kRecord), got(kRecord);
            for (unsigned round = 0; round < 400 && failures == 0; ++round) {
                // A record is one byte value throughout: a torn write or
                // read would mix two.
                unsigned slot = random() % kRecords;
                std::memset(record.data(), static_cast<char>('A' + (t * 7 + round) % 26), kRecord);
                if (imfs_pwrite(s, shared, record.data(), kRecord, slot * kRecord) !=
                    static_cast<ssize_t>(kRecord))
                    fail(t, "pwrite common");
                slot = random() % kRecords;
                if (imfs_pread(s, shared, got.data(), kRecord, slot * kRecord) !=
                    static_cast<ssize_t>(kRecord))
                    fail(t, "pread common");
                for (char c : got) {
                    if (c != got[0]) {
                        fail(t, "a torn record");
                        break;
                    }
                }
                // Appends to its own file through one description, read
                // back by offset.
                std::vector<char> out = pattern(t, round, 1 + random() % 3000);
                off_t at = imfs_lseek(s, own, 0, SEEK_END);
                if (imfs_write(s, own, out.data(), out.size()) != static_cast<ssize_t>(out.size()))
                    fail(t, "append");
                std::vector<char> in(out.size());
                if (imfs_pread(s, own, in.data(), in.size(), at) !=
                        static_cast<ssize_t>(in.size()) ||
                    in != out)
                    fail(t, "own bytes differ");
                const std::string name =
                    top + "/n" + std::to_string(t) + "-" + std::to_string(round);
                if (imfs_mkdir(s, name.c_str(), 0755) != 0) fail(t, "mkdir");
                if (imfs_rename(s, name.c_str(), (name + "x").c_str()) != 0) fail(t, "rename");
                struct stat st;
                if (imfs_stat(s, (name + "x").c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
                    fail(t, "stat");
                if (imfs_rmdir(s, (name + "x").c_str()) != 0) fail(t, "rmdir");
            }
            imfs_close(s, own);
            imfs_close(s, shared);
            imfs_unlink(s, mine.c_str());
            imfs_session_close(s);
        });
    }
    std::thread lister([&] {
        int s = imfs_session_open("mem:", "lister", nullptr);
        while (!done && s >= 0) {
            IMFS_DIR* dir = imfs_opendir(s, top.c_str());
            if (!dir) {
                fail(kThreads, "opendir");
                break;
            }
            bool common_seen = false;
            while (dirent* e = imfs_readdir(dir))
                common_seen |= std::strcmp(e->d_name, "common") == 0;
            imfs_closedir(dir);
            if (!common_seen) fail(kThreads, "readdir lost an entry nobody touched");
        }
        imfs_session_close(s);
    });
    for (auto& t : threads)
        t.join();
    done = true;
    lister.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(imfs_unlink(setup, common.c_str()), 0);
    EXPECT_EQ(imfs_rmdir(setup, top.c_str()), 0) << "something was left behind";
    EXPECT_EQ(imfs_session_close(setup), 0);
}

// Sessions opened and closed by some threads while others call on handles
// that are being closed: a call on a handle gets its session or EBADF,
// never a closed session's state, and handles stay the lowest free ones.
// The threads hold more sessions than one chunk of the table has slots
// (256), so chunks are made while other threads look handles up.
TEST(Load, EmbeddedSessionsComeAndGoWhileOthersCall) {
    const int first_free = imfs_session_open("mem:", "probe", nullptr);
    ASSERT_GE(first_free, 0);
    ASSERT_EQ(imfs_session_close(first_free), 0);

    constexpr int kChurners = 4;
    constexpr int kHeld = 300;  // per churner: one alone goes past a chunk
    std::atomic<int> failures{0};
    std::atomic<int> highest{-1};
    std::atomic<int> recent{first_free};
    std::atomic<bool> done{false};
    auto fail = [&](const char* what, int handle) {
        if (failures++ < 5) ADD_FAILURE() << what << " (handle " << handle << ")";
    };
    std::vector<std::thread> churners;
    for (int t = 0; t < kChurners; ++t) {
        churners.emplace_back([&] {
            std::vector<int> held;
            for (int round = 0; round < 10 && failures == 0; ++round) {
                for (int i = 0; i < kHeld; ++i) {
                    const int s = imfs_session_open("mem:", "churn", nullptr);
                    if (s < 0) return fail("session_open", s);
                    held.push_back(s);
                    int seen = highest.load();
                    while (s > seen && !highest.compare_exchange_weak(seen, s)) {
                    }
                    recent = s;
                    struct stat st;
                    if (imfs_stat(s, "/", &st) != 0 || !S_ISDIR(st.st_mode)) fail("stat /", s);
                }
                for (int s : held)
                    if (imfs_session_close(s) != 0) fail("session_close", s);
                held.clear();
            }
        });
    }
    std::vector<std::thread> callers;
    for (int t = 0; t < 2; ++t) {
        callers.emplace_back([&, t] {
            while (!done) {
                // The newest handle, or one just below it that may be gone.
                const int s = recent.load() - t;
                struct stat st;
                errno = 0;
                const int result = imfs_stat(s, "/", &st);
                if (result != 0 && errno != EBADF) fail("stat on a handle coming and going", s);
                if (result == 0 && !S_ISDIR(st.st_mode)) fail("stat gave no directory", s);
            }
        });
    }
    for (auto& t : churners)
        t.join();
    done = true;
    for (auto& t : callers)
        t.join();
    EXPECT_EQ(failures.load(), 0);
    // At most kChurners * kHeld sessions were open at once, so the lowest
    // free handle never went past first_free + kChurners * kHeld - 1; and
    // even one churner alone went past a chunk's 256 slots.
    EXPECT_GE(highest.load(), 256);
    EXPECT_LT(highest.load(), first_free + kChurners * kHeld);
    struct stat st;
    for (int handle : {first_free, highest.load(), -1, 1 << 20, INT_MAX}) {
        EXPECT_EQ(imfs_stat(handle, "/", &st), -1) << handle;
        EXPECT_EQ(errno, EBADF) << handle;
        EXPECT_EQ(imfs_session_close(handle), -1) << handle;
        EXPECT_EQ(errno, EBADF) << handle;
    }
    // All closed: the next session gets first_free again.
    const int again = imfs_session_open("mem:", "probe", nullptr);
    EXPECT_EQ(again, first_free);
    EXPECT_EQ(imfs_session_close(again), 0);
}

TEST(Load, ALostServerMakesCallsFailWithEio) {
    auto imfsd = std::make_unique<ImfsdProcess>();
    ASSERT_TRUE(imfsd->started());
    int s = imfs_session_open(("unix:" + imfsd->socket_path()).c_str(), "orphan", nullptr);
    ASSERT_GE(s, 0);
    int fd = imfs_open(s, "/f", O_CREAT | O_RDWR, 0644);
    ASSERT_GE(fd, 0);
    imfsd->stop(SIGKILL, std::chrono::seconds(5));
    char byte = 'x';
    EXPECT_EQ(imfs_write(s, fd, &byte, 1), -1);
    EXPECT_EQ(errno, EIO);
    struct stat st;
    EXPECT_EQ(imfs_stat(s, "/f", &st), -1);
    EXPECT_EQ(errno, EIO);  // and stays so, without hanging
    EXPECT_EQ(imfs_session_close(s), 0);
}

}  // namespace
