#include "cli_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>
#include <utility>

extern char** environ;

namespace imfs::test {

namespace {

using namespace std::chrono_literals;

// Both ends of a pipe, closed when the object goes.
struct Pipe {
    int ends[2] = {-1, -1};
    Pipe() {
        if (::pipe2(ends, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    }
    ~Pipe() {
        close_end(0);
        close_end(1);
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
    void close_end(int which) {
        if (ends[which] >= 0) ::close(ends[which]);
        ends[which] = -1;
    }
};

std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra) {
    std::vector<std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string_view text = *entry;
        std::string_view name = text.substr(0, text.find('='));
        if (name == "IMFS_ENDPOINT" || name == "IMFS_LABEL" || name == "PRELOADS" ||
            name == "LC_ALL" || name == "TZ" || extra.contains(std::string(name)))
            continue;
        env.emplace_back(text);
    }
    env.emplace_back("LC_ALL=C");
    env.emplace_back("TZ=UTC");
    for (const auto& [name, value] : extra)
        env.push_back(name + "=" + value);
    return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> result;
    for (auto& s : strings)
        result.push_back(s.data());
    result.push_back(nullptr);
    return result;
}

// Feeds input to fd_in while draining fd_out and fd_err, until both close.
void pump(int fd_in, int fd_out, int fd_err, const std::string& input, RunResult& result) {
    std::size_t written = 0;
    if (input.empty() && fd_in >= 0) {
        ::close(fd_in);
        fd_in = -1;
    }
    char buffer[65536];
    while (fd_out >= 0 || fd_err >= 0) {
        pollfd fds[3] = {{fd_out, POLLIN, 0}, {fd_err, POLLIN, 0}, {fd_in, POLLOUT, 0}};
        if (::poll(fds, 3, 30000) <= 0) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
            if (got <= 0) {
                ::close(fds[i].fd);
                (i == 0 ? fd_out : fd_err) = -1;
            } else {
                (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(got));
            }
        }
        if (fd_in >= 0 && fds[2].revents != 0) {
            ssize_t put = ::write(fd_in, input.data() + written, input.size() - written);
            if (put > 0) written += static_cast<std::size_t>(put);
            if (put < 0 || written == input.size()) {
                ::close(fd_in);
                fd_in = -1;
            }
        }
    }
    for (int fd : {fd_in, fd_out, fd_err})
        if (fd >= 0) ::close(fd);
}

}  // namespace

RunResult run_imfs(const std::vector<std::string>& args, const RunOptions& options) {
    std::vector<std::string> argv_strings{IMFS_CLI_PATH};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<std::string> env_strings = child_environment(options.env);
    std::vector<char*> argv = pointers(argv_strings);
    std::vector<char*> envp = pointers(env_strings);

    Pipe in, out, err;
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::dup2(in.ends[0], 0);
        ::dup2(out.ends[1], 1);
        ::dup2(err.ends[1], 2);
        ::signal(SIGPIPE, SIG_DFL);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    in.close_end(0);
    out.close_end(1);
    err.close_end(1);
    RunResult result;
    // pump closes the parent's ends; the Pipes must not close them again.
    pump(std::exchange(in.ends[1], -1), std::exchange(out.ends[0], -1),
         std::exchange(err.ends[0], -1), options.input, result);
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

namespace {

[[maybe_unused]] bool accepts_connections(const std::string& socket_path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
    bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return connected;
}

std::string unique_name(const char* prefix) {
    static std::atomic<int> counter{0};
    return std::string("/tmp/") + prefix + std::to_string(::getpid()) + "-" +
           std::to_string(counter++);
}

}  // namespace

ImfsdServer::ImfsdServer(const std::vector<std::string>& extra_args)
    : socket_path_(unique_name("imfs-cli-test-") + ".sock") {
#ifdef IMFSD_PATH
    ::unlink(socket_path_.c_str());
    std::vector<std::string> argv_strings{
        IMFSD_PATH, "--listen", "unix:" + socket_path_, "--threads", "2", "--log-level", "warn"};
    argv_strings.insert(argv_strings.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv = pointers(argv_strings);
    pid_ = ::fork();
    if (pid_ == 0) {
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
        if (accepts_connections(socket_path_)) {
            started_ = true;
            return;
        }
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(10ms);
    }
#else
    (void)extra_args;
#endif
}

ImfsdServer::~ImfsdServer() {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        auto deadline = std::chrono::steady_clock::now() + 5s;
        while (::waitpid(pid_, nullptr, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, nullptr, 0);
                break;
            }
            std::this_thread::sleep_for(10ms);
        }
    }
    ::unlink(socket_path_.c_str());
}

HostDirectory::HostDirectory() : path_(unique_name("imfs-cli-host-")) {
    std::filesystem::create_directories(path_);
}

HostDirectory::~HostDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

void write_host_file(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

std::string read_host_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace imfs::test
