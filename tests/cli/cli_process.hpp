// Running the real imfs binary (and a real imfsd for it to talk to) from a
// test: arguments in; exit status, stdout and stderr out.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace imfs::test {

struct RunResult {
    int status = -1;  // the exit status; -1 if killed by a signal
    std::string out;
    std::string err;
};

// What a run sees besides its arguments.
struct RunOptions {
    std::string input;                       // written to its stdin
    std::map<std::string, std::string> env;  // set (on top of a clean base)
};

inline RunOptions with_input(std::string input) {
    RunOptions options;
    options.input = std::move(input);
    return options;
}
inline RunOptions with_env(std::map<std::string, std::string> env) {
    RunOptions options;
    options.env = std::move(env);
    return options;
}

// Runs IMFS_CLI_PATH with args. The environment is the test's without
// IMFS_ENDPOINT, IMFS_LABEL and PRELOADS, plus LC_ALL=C, TZ=UTC and
// options.env.
RunResult run_imfs(const std::vector<std::string>& args, const RunOptions& options = {});

// A real imfsd on a fresh Unix socket, stopped when the object goes.
class ImfsdServer {
  public:
    // extra_args follow imfsd's --listen (a --config, a --snapshot, ...).
    explicit ImfsdServer(const std::vector<std::string>& extra_args = {});
    ~ImfsdServer();
    ImfsdServer(const ImfsdServer&) = delete;
    ImfsdServer& operator=(const ImfsdServer&) = delete;

    bool started() const noexcept { return started_; }
    std::string endpoint() const { return "unix:" + socket_path_; }

  private:
    std::string socket_path_;
    pid_t pid_ = -1;
    bool started_ = false;
};

// A fresh host directory, removed with what it holds when the object goes.
class HostDirectory {
  public:
    HostDirectory();
    ~HostDirectory();
    HostDirectory(const HostDirectory&) = delete;
    HostDirectory& operator=(const HostDirectory&) = delete;

    const std::string& path() const noexcept { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

void write_host_file(const std::string& path, const std::string& bytes);
std::string read_host_file(const std::string& path);

}  // namespace imfs::test
