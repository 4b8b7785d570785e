#include "fuse_mount.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#ifndef IMFS_FUSE_PATH
#error "IMFS_FUSE_PATH (the imfs-fuse binary) must be defined by CMake"
#endif

namespace imfs_fuse_test {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// mountinfo escapes spaces and the like as \ooo; our paths have none.
bool mountinfo_has(const std::string& path) {
    std::ifstream mounts("/proc/self/mountinfo");
    std::string line;
    while (std::getline(mounts, line)) {
        std::istringstream fields(line);
        std::string id, parent, device, root, mountpoint;
        fields >> id >> parent >> device >> root >> mountpoint;
        if (mountpoint != path) continue;
        const auto dash = line.find(" - ");
        if (dash != std::string::npos && line.compare(dash + 3, 4, "fuse") == 0) return true;
    }
    return false;
}

// The exit status of pid if it has exited within timeout_ms, else -1.
int wait_for(pid_t pid, int timeout_ms) {
    const auto deadline = steady_clock::now() + milliseconds(timeout_ms);
    for (;;) {
        int status = 0;
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (done < 0 && errno != EINTR) return -1;
        if (steady_clock::now() >= deadline) return -1;
        std::this_thread::sleep_for(milliseconds(10));
    }
}

}  // namespace

bool fuse_usable(std::string& why) {
    const int fd = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        why = std::string("/dev/fuse: ") + std::strerror(errno);
        return false;
    }
    ::close(fd);
    if (::access("/usr/bin/fusermount3", X_OK) != 0 && ::access("/bin/fusermount3", X_OK) != 0) {
        why = "fusermount3 is not installed (package fuse3)";
        return false;
    }
    return true;
}

bool is_fuse_mounted(const std::string& path) {
    return mountinfo_has(path);
}

int run_program(const std::vector<std::string>& argv) {
    const pid_t pid = ::fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        std::vector<char*> args;
        for (const std::string& arg : argv)
            args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::unique_ptr<FuseMount> FuseMount::start(const std::string& endpoint,
                                            const std::vector<std::string>& extra_args,
                                            std::string& error) {
    std::string dir = "/tmp/imfs-fuse-test-XXXXXX";
    if (::mkdtemp(dir.data()) == nullptr) {
        error = std::string("mkdtemp: ") + std::strerror(errno);
        return nullptr;
    }
    std::vector<std::string> argv = {IMFS_FUSE_PATH, endpoint, dir, "-f"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    const pid_t parent = ::getpid();
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        error = std::string("fork: ") + std::strerror(errno);
        ::rmdir(dir.c_str());
        return nullptr;
    }
    if (pid == 0) {
        // If the test process dies, imfs-fuse unmounts on SIGTERM.
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(1);
        std::vector<char*> args;
        for (const std::string& arg : argv)
            args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    auto mount = std::make_unique<FuseMount>(Token{}, dir, pid, parent);
    const auto deadline = steady_clock::now() + milliseconds(10'000);
    while (!mountinfo_has(dir)) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            mount->done_ = true;
            ::rmdir(dir.c_str());
            error = "imfs-fuse exited before mounting (status " +
                    std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")";
            return nullptr;
        }
        if (steady_clock::now() >= deadline) {
            std::string ignored;
            mount->unmount(ignored);
            error = "imfs-fuse did not mount " + dir + " within 10 s";
            return nullptr;
        }
        std::this_thread::sleep_for(milliseconds(10));
    }
    return mount;
}

int FuseMount::wait_exit(int timeout_ms) {
    if (done_) return -1;
    const int status = wait_for(pid_, timeout_ms);
    if (status >= 0) done_ = true;
    return status;
}

bool FuseMount::unmount(std::string& error) {
    if (owner_ != ::getpid()) return true;
    bool clean = true;
    if (mountinfo_has(mountpoint_)) {
        if (run_program({"fusermount3", "-u", mountpoint_}) != 0) {
            error = "fusermount3 -u " + mountpoint_ + " failed; unmounted lazily";
            clean = false;
            (void)run_program({"fusermount3", "-uz", mountpoint_});
        }
    }
    if (!done_) {
        const int status = wait_for(pid_, 10'000);
        if (status < 0) {
            error += (error.empty() ? "" : "; ") + std::string("imfs-fuse did not exit; killed");
            clean = false;
            ::kill(pid_, SIGKILL);
            (void)wait_for(pid_, 10'000);
        } else if (status != 0 && clean) {
            error = "imfs-fuse exited with status " + std::to_string(status);
            clean = false;
        }
        done_ = true;
    }
    ::rmdir(mountpoint_.c_str());
    return clean;
}

FuseMount::~FuseMount() {
    std::string ignored;
    (void)unmount(ignored);
}

}  // namespace imfs_fuse_test

namespace conformance {

std::string mount_fuse_for_conformance(std::string& error) {
    // Made on first use, unmounted when the process exits normally; a
    // crashing process leaves imfs-fuse its SIGTERM (PR_SET_PDEATHSIG).
    static std::string setup_error;
    static std::unique_ptr<imfs_fuse_test::FuseMount> mount = [] {
        std::string why;
        if (!imfs_fuse_test::fuse_usable(why)) {
            setup_error = "FUSE is not usable here: " + why;
            return std::unique_ptr<imfs_fuse_test::FuseMount>();
        }
        const char* endpoint = std::getenv("IMFS_FUSE_CONFORMANCE_ENDPOINT");
        auto started = imfs_fuse_test::FuseMount::start(
            endpoint != nullptr && *endpoint != '\0' ? endpoint : "mem:", {}, setup_error);
        return started;
    }();
    if (!mount) {
        error = setup_error;
        return {};
    }
    return mount->mountpoint();
}

}  // namespace conformance
