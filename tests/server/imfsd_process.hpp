// A real imfsd process on a fresh Unix socket under /tmp, stopped (SIGTERM,
// then SIGKILL after a timeout) when the object goes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace imfs::test {

class ImfsdProcess {
  public:
    // Starts imfsd with extra arguments after --listen; waits until its
    // socket accepts connections (started() tells whether it did).
    explicit ImfsdProcess(std::vector<std::string> extra_args = {});
    // Starts imfsd with exactly args (its listeners from a config, say) and
    // waits for socket_path to accept connections.
    struct ExactArgs {};
    ImfsdProcess(ExactArgs, const std::vector<std::string>& args, std::string socket_path);
    ~ImfsdProcess();
    ImfsdProcess(const ImfsdProcess&) = delete;
    ImfsdProcess& operator=(const ImfsdProcess&) = delete;

    bool started() const noexcept { return started_; }
    const std::string& socket_path() const noexcept { return socket_path_; }
    pid_t pid() const noexcept { return pid_; }

    // Sends signal and waits for the exit; the exit status, or nullopt if
    // it did not exit normally within timeout.
    std::optional<int> stop(int signal, std::chrono::milliseconds timeout);

  private:
    void start(const std::vector<std::string>& args);

    std::string socket_path_;
    pid_t pid_ = -1;
    bool started_ = false;
};

// A socket path nobody uses yet.
std::string fresh_socket_path();

// The resident memory of a process (VmRSS), in KiB; -1 if unreadable.
long resident_kib(pid_t pid);

// Runs imfsd with args to completion (bounded by timeout); its exit status.
std::optional<int> run_imfsd(const std::vector<std::string>& args,
                             std::chrono::milliseconds timeout);

}  // namespace imfs::test
