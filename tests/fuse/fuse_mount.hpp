// A real imfs-fuse mount for tests: the imfs-fuse binary started as a child
// process on a fresh directory, and unmounted (fusermount3 -u, lazily if
// that fails) when the test is done, so no mount outlives the test process.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace imfs_fuse_test {

// Whether this machine can mount FUSE file systems here (/dev/fuse opens,
// fusermount3 is installed); why not, if not.
[[nodiscard]] bool fuse_usable(std::string& why);

class FuseMount {
  public:
    // Mounts endpoint ("mem:", "unix:PATH"...) on a fresh directory below
    // /tmp with imfs-fuse in the foreground, passing extra_args too, and
    // waits (up to 10 s) until the mount is there. nullptr with error set
    // if it is not. The child gets SIGTERM if this process dies first, and
    // then unmounts itself.
    [[nodiscard]] static std::unique_ptr<FuseMount> start(
        const std::string& endpoint, const std::vector<std::string>& extra_args,
        std::string& error);
    ~FuseMount();
    FuseMount(const FuseMount&) = delete;
    FuseMount& operator=(const FuseMount&) = delete;

    const std::string& mountpoint() const { return mountpoint_; }
    pid_t pid() const { return pid_; }

    // fusermount3 -u, then waits (up to 10 s) for imfs-fuse to exit. On
    // failure: lazy unmount, SIGKILL, and false with error set. Idempotent.
    bool unmount(std::string& error);
    // Waits up to timeout_ms for imfs-fuse to exit by itself (after a
    // signal); its exit status, or -1 if it did not exit.
    int wait_exit(int timeout_ms);

  private:
    struct Token {};

  public:
    // For start() only: Token is private.
    FuseMount(Token, std::string mountpoint, pid_t pid, pid_t owner)
        : mountpoint_(std::move(mountpoint)), pid_(pid), owner_(owner) {}

  private:
    std::string mountpoint_;
    pid_t pid_;
    pid_t owner_;  // the process that started it; forked children leave it alone
    bool done_ = false;
};

// Whether path is a FUSE mount point right now (/proc/self/mountinfo).
[[nodiscard]] bool is_fuse_mounted(const std::string& path);

// Runs a program (argv[0] searched in PATH) and waits for it; its exit
// status, or -1 if it could not run.
int run_program(const std::vector<std::string>& argv);

}  // namespace imfs_fuse_test

namespace conformance {

// The conformance suite's FUSE back-end: a mount of imfs-fuse over "mem:"
// (or $IMFS_FUSE_CONFORMANCE_ENDPOINT), made once per process on a fresh
// directory, unmounted at exit. Returns the mount point to hand to
// make_host_backend; empty with error set when FUSE cannot be used.
std::string mount_fuse_for_conformance(std::string& error);

}  // namespace conformance
