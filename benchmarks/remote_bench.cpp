// remote_bench: IMFS through a real imfsd, measured in one run against its floor (a raw Unix
// socket ping-pong), against embedded IMFS and against host tmpfs.
//
//   imfs_remote_bench [--quick] [Google Benchmark flags]
//
// It starts imfsd (the binary CMake built) on a fresh Unix socket, runs the core workloads on
// host tmpfs, embedded IMFS and remote IMFS, and the transport workloads below, then prints
// three tables: remote against tmpfs, remote against embedded, and the transport figures with
// the targets of issue 3.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "bench_fs.hpp"
#include "codec.hpp"
#include "core_workloads.hpp"
#include "imfs.capnp.h"
#include "ratio_table.hpp"

namespace imfs_bench {
namespace {

using Clock = std::chrono::steady_clock;

bool write_full(int fd, const void* data, size_t size) {
    auto* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = ::write(fd, p, size);
        if (n <= 0) return false;
        p += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

bool read_full(int fd, void* data, size_t size) {
    auto* p = static_cast<char*>(data);
    while (size > 0) {
        ssize_t n = ::read(fd, p, size);
        if (n <= 0) return false;
        p += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

int connect_unix(const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
        return fd;
    }
    if (fd >= 0) ::close(fd);
    return -1;
}

// The imfsd of this run: started on a fresh socket, stopped with SIGTERM at the end.
class Imfsd {
  public:
    Imfsd() : socket_("/tmp/imfs-remote-bench-" + std::to_string(::getpid()) + ".sock") {
        pid_ = ::fork();
        if (pid_ == 0) {
            std::string listen = "unix:" + socket_;
            ::execl(IMFSD_PATH, IMFSD_PATH, "--listen", listen.c_str(), "--log-level", "error",
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
        for (int i = 0; i < 500; ++i) {
            int fd = connect_unix(socket_);
            if (fd >= 0) {
                ::close(fd);
                ready_ = true;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    ~Imfsd() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        int status;
        ::waitpid(pid_, &status, 0);
    }
    Imfsd(const Imfsd&) = delete;
    Imfsd& operator=(const Imfsd&) = delete;

    bool ready() const { return ready_; }
    const std::string& socket() const { return socket_; }

  private:
    std::string socket_;
    pid_t pid_ = -1;
    bool ready_ = false;
};

const Imfsd* the_imfsd = nullptr;

// The floor: 64 bytes to a process that echoes them, and back, over a Unix stream socket.
void bm_pingpong(benchmark::State& state, const Sizes&) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        return fail(state, "socketpair", "");
    }
    pid_t child = ::fork();
    if (child == 0) {
        ::close(pair[0]);
        char buffer[64];
        while (read_full(pair[1], buffer, sizeof buffer) &&
               write_full(pair[1], buffer, sizeof buffer)) {
        }
        ::_exit(0);
    }
    ::close(pair[1]);
    char buffer[64] = {};
    for (auto _ : state) {
        if (!write_full(pair[0], buffer, sizeof buffer) ||
            !read_full(pair[0], buffer, sizeof buffer)) {
            fail(state, "ping-pong", "");
            break;
        }
    }
    ::close(pair[0]);
    int status;
    ::waitpid(child, &status, 0);
}

// One stat round trip through the C API, on a remote session.
void bm_stat_round_trip(benchmark::State& state, const Sizes&) {
    RemoteFs fs;
    if (!check_ready(state, fs)) return;
    int fd = fs.open("f", O_CREAT | O_WRONLY, 0644);
    if (fd < 0) return fail(state, "open(O_CREAT)", "f");
    fs.close(fd);
    struct stat st {};
    for (auto _ : state) {
        if (fs.stat("f", &st) != 0) {
            fail(state, "stat", "f");
            break;
        }
    }
    fs.unlink("f");
}

// Small requests pipelined by one client speaking the protocol: each iteration sends a batch
// of fstatat requests, then reads their replies. Reported as operations per second.
void bm_pipelined(benchmark::State& state, const Sizes&) {
    constexpr int kBatch = 64;
    int fd = connect_unix(the_imfsd->socket());
    if (fd < 0) return fail(state, "connect", the_imfsd->socket());
    imfs::protocol::FrameReader frames;
    auto receive = [&]() -> bool {
        while (true) {
            auto next = frames.next();
            if (!next) return false;
            if (*next) return true;
            auto space = frames.free_space();
            ssize_t n = ::read(fd, space.data(), space.size());
            if (n <= 0) return false;
            frames.commit(static_cast<size_t>(n));
        }
    };
    {
        capnp::MallocMessageBuilder message;
        auto hello = message.initRoot<imfs::protocol::Hello>();
        hello.setVersion(imfs::protocol::VERSION);
        hello.setLabel("bench");
        hello.setWriteable(true);
        auto words = imfs::protocol::encode(message);
        if (!write_full(fd, words.asBytes().begin(), words.asBytes().size()) || !receive()) {
            ::close(fd);
            return fail(state, "hello", the_imfsd->socket());
        }
    }
    // The batch is encoded once; ids repeat across batches, which the server does not mind.
    std::vector<kj::Array<capnp::word>> encoded;
    for (int i = 0; i < kBatch; ++i) {
        capnp::MallocMessageBuilder message;
        auto request = message.initRoot<imfs::protocol::Request>();
        request.setId(static_cast<uint64_t>(i + 1));
        auto call = request.initFstatat();
        call.setDirfd(AT_FDCWD);
        call.setPath("/");
        encoded.push_back(imfs::protocol::encode(message));
    }
    std::vector<char> batch;
    for (auto& words : encoded) {
        auto bytes = words.asBytes();
        batch.insert(batch.end(), bytes.begin(), bytes.end());
    }
    for (auto _ : state) {
        if (!write_full(fd, batch.data(), batch.size())) {
            fail(state, "write", "batch");
            break;
        }
        for (int i = 0; i < kBatch; ++i) {
            if (!receive()) {
                fail(state, "read", "reply");
                break;
            }
        }
    }
    state.SetItemsProcessed(state.iterations() * kBatch);
    ::close(fd);
}

// n clients, each on its own session and file, doing stat, pwrite 4 KiB and pread 4 KiB (the
// bytes checked) in turn. Reported as operations per second over all clients.
void run_clients(benchmark::State& state, int clients, int64_t ops_per_client) {
    std::atomic<int> failures{0};
    double seconds = 0;
    for (auto _ : state) {
        std::vector<std::thread> threads;
        auto start = Clock::now();
        for (int c = 0; c < clients; ++c) {
            threads.emplace_back([&, c] {
                RemoteFs fs;
                if (!fs.ready()) {
                    ++failures;
                    return;
                }
                int fd = fs.open("data", O_CREAT | O_RDWR, 0644);
                std::vector<char> out(4096, static_cast<char>('a' + c % 26));
                std::vector<char> in(4096);
                struct stat st {};
                for (int64_t i = 0; i < ops_per_client; ++i) {
                    bool ok = true;
                    off_t offset = static_cast<off_t>((i / 3) % 16) * 4096;
                    switch (i % 3) {
                        case 0:
                            ok = fs.stat("data", &st) == 0;
                            break;
                        case 1:
                            ok = fs.pwrite(fd, out.data(), out.size(), offset) == 4096;
                            break;
                        case 2:
                            ok = fs.pread(fd, in.data(), in.size(), offset) == 4096 && in == out;
                            break;
                    }
                    if (!ok) {
                        ++failures;
                        break;
                    }
                }
                fs.close(fd);
                fs.unlink("data");
            });
        }
        for (auto& thread : threads)
            thread.join();
        seconds = std::chrono::duration<double>(Clock::now() - start).count();
    }
    if (failures > 0) return fail(state, "client workload", std::to_string(failures.load()));
    state.counters["ops_per_second"] =
        static_cast<double>(clients * ops_per_client) / std::max(seconds, 1e-9);
}

void bm_one_client(benchmark::State& state, const Sizes& sizes) {
    run_clients(state, 1, sizes.quick ? 6'000 : 60'000);
}

void bm_fifty_clients(benchmark::State& state, const Sizes& sizes) {
    run_clients(state, 50, sizes.quick ? 120 : 1'200);
}

double ns_of(const std::map<std::string, RunResult>& results, const char* key) {
    auto it = results.find(key);
    if (it == results.end() || !it->second.error.empty() || it->second.empty()) return -1;
    return it->second.ns_per_op();
}

double counter_of(const std::map<std::string, RunResult>& results, const char* key,
                  const char* counter) {
    auto it = results.find(key);
    if (it == results.end() || !it->second.error.empty() || it->second.empty()) return -1;
    return it->second.counter(counter);
}

const char* verdict(bool ok) {
    return ok ? " ok" : " MISS";
}

void print_transport(std::ostream& out, const std::map<std::string, RunResult>& results) {
    out << "\nremote transport (imfsd on a Unix socket)\n\n";
    double floor = ns_of(results, "pingpong_64B/raw");
    double stat = ns_of(results, "stat_round_trip/remote");
    char line[256];
    std::snprintf(line, sizeof line, "%-58s %12.0f ns\n",
                  "raw Unix-socket ping-pong, 64 bytes (floor)", floor);
    out << line;
    if (floor > 0 && stat > 0) {
        std::snprintf(line, sizeof line, "%-58s %12.0f ns   %.2fx the floor   target <= 1.5x%s\n",
                      "stat round trip (C API, remote session)", stat, stat / floor,
                      verdict(stat / floor <= 1.5));
        out << line;
    }
    double pipelined = counter_of(results, "pipelined_stat/remote", "items_per_second");
    std::snprintf(line, sizeof line, "%-58s %12.0f ops/s   target >= 150000%s\n",
                  "pipelined small requests, one client (batches of 64)", pipelined,
                  verdict(pipelined >= 150'000));
    out << line;
    for (auto [key, label] : {std::pair{"seq_write_1MiB/remote", "1 MiB writes (C API, remote)"},
                              std::pair{"seq_read_1MiB/remote", "1 MiB reads (C API, remote)"}}) {
        double rate = counter_of(results, key, "bytes_per_second");
        std::snprintf(line, sizeof line, "%-58s %12.2f GB/s   target >= 1 GB/s%s\n", label,
                      rate / 1e9, verdict(rate >= 1e9));
        out << line;
    }
    double one = counter_of(results, "clients_1/remote", "ops_per_second");
    double fifty = counter_of(results, "clients_50/remote", "ops_per_second");
    std::snprintf(line, sizeof line, "%-58s %12.0f ops/s\n", "1 client, mixed stat/pwrite/pread",
                  one);
    out << line;
    std::snprintf(line, sizeof line, "%-58s %12.0f ops/s   %.2fx one client   target >= 1x%s\n",
                  "50 clients at once, same mix", fifty, one > 0 ? fifty / one : 0.0,
                  verdict(one > 0 && fifty >= one));
    out << line;
}

// The core table with the remote back-end against another, without issue 2's targets (they
// are the core's, not the transport's).
Summary remote_summary(const Sizes& sizes, const char* baseline, const char* heading) {
    Summary table = summary(sizes);
    table.title = std::string("IMFS remote (imfsd, Unix socket) vs ") + heading +
                  ". speed-up = " + heading + " time / remote time: >1 means remote is faster.";
    table.baseline = baseline;
    table.baseline_heading = heading;
    table.contender = "remote";
    table.contender_heading = "IMFS remote";
    for (SpeedRow& row : table.speed)
        row.min_speedup = 0;
    table.flat.clear();
    table.memory.clear();
    return table;
}

}  // namespace
}  // namespace imfs_bench

int main(int argc, char** argv) {
    using namespace imfs_bench;
    const bool quick = take_quick_flag(&argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    const Sizes sizes = quick ? Sizes::quick_run() : Sizes::full();

    Imfsd imfsd;
    if (!imfsd.ready()) {
        std::cerr << "imfs_remote_bench: imfsd did not start (" << IMFSD_PATH << ")\n";
        return 1;
    }
    the_imfsd = &imfsd;
    RemoteFs::set_remote_endpoint("unix:" + imfsd.socket());

    register_workloads(sizes, Contenders::remote);
    auto add = [&](const std::string& name, void (*function)(benchmark::State&, const Sizes&),
                   int64_t iterations) {
        benchmark::RegisterBenchmark(
            name.c_str(), [function, sizes](benchmark::State& state) { function(state, sizes); })
            ->Iterations(iterations)
            ->UseRealTime()
            ->Unit(benchmark::kNanosecond);
    };
    const int64_t round_trips = quick ? 20'000 : 200'000;
    add("pingpong_64B/raw", &bm_pingpong, round_trips);
    add("stat_round_trip/remote", &bm_stat_round_trip, round_trips);
    add("pipelined_stat/remote", &bm_pipelined, round_trips / 64);
    add("clients_1/remote", &bm_one_client, 1);
    add("clients_50/remote", &bm_fifty_clients, 1);
    warm_up_memory(2 * sizes.file_bytes);

    RatioReporter reporter(isatty(STDOUT_FILENO) ? RatioReporter::OO_Color
                                                 : RatioReporter::OO_None);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    print_summary(std::cout, remote_summary(sizes, "host", "host tmpfs"), reporter.results());
    print_summary(std::cout, remote_summary(sizes, "imfs", "IMFS embedded"), reporter.results());
    print_transport(std::cout, reporter.results());
    benchmark::Shutdown();
    return reporter.failures() == 0 ? 0 : 1;
}
