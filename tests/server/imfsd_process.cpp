#include "imfsd_process.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "raw_client.hpp"

namespace imfs::test {

namespace {

pid_t spawn(const std::vector<std::string>& args) {
    std::vector<std::string> argv_strings{IMFSD_PATH};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_strings)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            if (WIFEXITED(status)) return WEXITSTATUS(status);
            return std::nullopt;
        }
        std::this_thread::sleep_for(10ms);
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return std::nullopt;
}

}  // namespace

std::string fresh_socket_path() {
    static std::atomic<int> counter{0};
    std::string path =
        "/tmp/imfsd-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".sock";
    ::unlink(path.c_str());
    return path;
}

namespace {

std::vector<std::string> listen_args(const std::string& socket_path,
                                     const std::vector<std::string>& extra_args) {
    std::vector<std::string> args{"--listen", "unix:" + socket_path, "--threads",
                                  "2",        "--log-level",         "warn"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    return args;
}

}  // namespace

ImfsdProcess::ImfsdProcess(std::vector<std::string> extra_args)
    : socket_path_(fresh_socket_path()) {
    start(listen_args(socket_path_, extra_args));
}

ImfsdProcess::ImfsdProcess(ExactArgs, const std::vector<std::string>& args, std::string socket_path)
    : socket_path_(std::move(socket_path)) {
    if (!args.empty()) start(args);
}

void ImfsdProcess::start(const std::vector<std::string>& args) {
    pid_ = spawn(args);
    if (pid_ < 0) return;
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (RawClient::connect(socket_path_)) {
            started_ = true;
            return;
        }
        std::this_thread::sleep_for(10ms);
    }
}

ImfsdProcess::~ImfsdProcess() {
    if (pid_ > 0) stop(SIGTERM, 5s);
    ::unlink(socket_path_.c_str());
}

std::optional<int> ImfsdProcess::stop(int signal, std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return std::nullopt;
    ::kill(pid_, signal);
    auto status = wait_exit(pid_, timeout);
    pid_ = -1;
    return status;
}

std::optional<int> run_imfsd(const std::vector<std::string>& args,
                             std::chrono::milliseconds timeout) {
    pid_t pid = spawn(args);
    if (pid < 0) return std::nullopt;
    return wait_exit(pid, timeout);
}

long resident_kib(pid_t pid) {
    FILE* status = std::fopen(("/proc/" + std::to_string(pid) + "/status").c_str(), "r");
    if (!status) return -1;
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof line, status)) {
        if (std::sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
    }
    std::fclose(status);
    return kib;
}

}  // namespace imfs::test
