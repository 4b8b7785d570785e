#include "fuse_test_support.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

namespace imfs_fuse_test {

bool fuse_usable_or_say_why() {
    std::string why;
    if (fuse_usable(why)) return true;
    std::fprintf(stderr,
                 "\n"
                 "**********************************************************************\n"
                 "*** FUSE TESTS SKIPPED: %s\n"
                 "*** imfs-fuse was NOT tested. Needs /dev/fuse and fusermount3.\n"
                 "**********************************************************************\n\n",
                 why.c_str());
    return false;
}

void FuseTest::SetUp() {
    SKIP_WITHOUT_FUSE();
    std::string error;
    mount_ = FuseMount::start("mem:", mount_args(), error);
    ASSERT_TRUE(mount_) << error;
}

void FuseTest::TearDown() {
    if (!mount_) return;
    std::string error;
    EXPECT_TRUE(mount_->unmount(error)) << error;
    EXPECT_FALSE(is_fuse_mounted(mount_->mountpoint()));
}

ShellResult run_shell(const std::string& script, const std::string& cwd, int timeout_s) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return {-1, "pipe failed"};
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) return {-1, "fork failed"};
    if (pid == 0) {
        ::dup2(fds[1], 1);
        ::dup2(fds[1], 2);
        if (::chdir(cwd.c_str()) != 0) ::_exit(126);
        const std::string limit = std::to_string(timeout_s);
        ::execlp("timeout", "timeout", "-k", "5", limit.c_str(), "sh", "-c", script.c_str(),
                 static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(fds[1]);
    std::string output;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
        if (n > 0) {
            output.append(buffer, static_cast<size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), output};
}

int run_as(uid_t uid, gid_t gid, int (*body)(const std::string&), const std::string& arg) {
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        ::alarm(20);
        if (::setgroups(0, nullptr) != 0 || ::setresgid(gid, gid, gid) != 0 ||
            ::setresuid(uid, uid, uid) != 0) {
            ::_exit(100);
        }
        ::_exit(body(arg));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

namespace {

bool accepts(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

std::unique_ptr<ImfsdServer> ImfsdServer::start(std::string& error) {
#ifndef IMFSD_PATH
    error = "imfsd is not built in this tree";
    return nullptr;
#else
    static int counter = 0;
    const std::string socket = "/tmp/imfs-fuse-test-" + std::to_string(::getpid()) + "-" +
                               std::to_string(counter++) + ".sock";
    ::unlink(socket.c_str());
    const pid_t parent = ::getpid();
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        error = std::string("fork: ") + std::strerror(errno);
        return nullptr;
    }
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(1);
        const std::string listen = "unix:" + socket;
        ::execl(IMFSD_PATH, IMFSD_PATH, "--listen", listen.c_str(), "--log-level", "warn",
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    auto server = std::make_unique<ImfsdServer>(Token{}, socket, pid);
    for (int i = 0; i < 500 && !accepts(socket); ++i) {
        int status;
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            server->pid_ = -1;
            error = "imfsd exited at start-up";
            return nullptr;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!accepts(socket)) {
        error = "imfsd did not listen on " + socket + " within 5 s";
        return nullptr;
    }
    return server;
#endif
}

void ImfsdServer::kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    ::unlink(socket_.c_str());
}

ImfsdServer::~ImfsdServer() {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
    }
    ::unlink(socket_.c_str());
}

}  // namespace imfs_fuse_test
