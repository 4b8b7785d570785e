#include "imfsd_process.hpp"

// Built only where CMake knows where imfsd is (IMFSD_PATH).
#ifdef IMFSD_PATH

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

namespace conformance {

namespace {

bool accepts(const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return ok;
}

class ImfsdProcess {
  public:
    ImfsdProcess() {
        socket_ = "/tmp/imfs-conformance-" + std::to_string(::getpid()) + ".sock";
        pid_ = ::fork();
        if (pid_ == 0) {
            std::string listen = "unix:" + socket_;
            ::execl(IMFSD_PATH, IMFSD_PATH, "--listen", listen.c_str(), "--log-level", "warn",
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
        if (pid_ < 0) {
            error_ = std::string("fork: ") + std::strerror(errno);
            return;
        }
        for (int i = 0; i < 500 && !accepts(socket_); ++i) {
            int status;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                error_ = "imfsd exited at start-up";
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (!accepts(socket_)) error_ = "imfsd did not listen on " + socket_ + " within 5 s";
    }
    ~ImfsdProcess() {
        if (pid_ <= 0 || owner_ != ::getpid()) return;  // forked test children leave it alone
        ::kill(pid_, SIGTERM);
        int status;
        ::waitpid(pid_, &status, 0);
    }
    ImfsdProcess(const ImfsdProcess&) = delete;
    ImfsdProcess& operator=(const ImfsdProcess&) = delete;

    std::string endpoint(std::string& error) const {
        if (!error_.empty()) {
            error = error_;
            return {};
        }
        return "unix:" + socket_;
    }

  private:
    pid_t owner_ = ::getpid();
    pid_t pid_ = -1;
    std::string socket_;
    std::string error_;
};

}  // namespace

std::string imfsd_endpoint(std::string& error) {
    static ImfsdProcess process;
    return process.endpoint(error);
}

}  // namespace conformance

#endif  // IMFSD_PATH
