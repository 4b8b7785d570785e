// imfs-fuse: one IMFS session as a FUSE mount, so that any program can use it.
#include <imfs/imfs.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "imfs_mount.hpp"
#include "mount_options.hpp"

namespace imfs::fuse {

namespace {

struct SessionDeleter {
    void operator()(fuse_session* session) const { fuse_session_destroy(session); }
};
using FuseSession = std::unique_ptr<fuse_session, SessionDeleter>;

struct LoopConfigDeleter {
    void operator()(fuse_loop_config* config) const { fuse_loop_cfg_destroy(config); }
};
using LoopConfig = std::unique_ptr<fuse_loop_config, LoopConfigDeleter>;

// The argument vector libfuse parses, freed with fuse_opt_free_args.
class FuseArgs {
  public:
    FuseArgs() = default;
    ~FuseArgs() { fuse_opt_free_args(&args_); }
    FuseArgs(const FuseArgs&) = delete;
    FuseArgs& operator=(const FuseArgs&) = delete;
    void add(const std::string& arg) { fuse_opt_add_arg(&args_, arg.c_str()); }
    fuse_args* get() { return &args_; }

  private:
    fuse_args args_ = FUSE_ARGS_INIT(0, nullptr);
};

// SIGINT, SIGTERM and SIGHUP end the loop; SIGPIPE (a server that hung up)
// is ignored, so the loss shows as EIO. Restored on scope exit.
class SignalHandlers {
  public:
    explicit SignalHandlers(fuse_session* session) : session_(session) {
        installed_ = fuse_set_signal_handlers(session) == 0;
    }
    ~SignalHandlers() {
        if (installed_) fuse_remove_signal_handlers(session_);
    }
    SignalHandlers(const SignalHandlers&) = delete;
    SignalHandlers& operator=(const SignalHandlers&) = delete;
    bool installed() const { return installed_; }

  private:
    fuse_session* session_;
    bool installed_;
};

// The mount itself: unmounted on scope exit, whatever ended the loop.
class MountedSession {
  public:
    MountedSession(fuse_session* session, const std::string& mountpoint) : session_(session) {
        mounted_ = fuse_session_mount(session, mountpoint.c_str()) == 0;
    }
    ~MountedSession() {
        if (mounted_) fuse_session_unmount(session_);
    }
    MountedSession(const MountedSession&) = delete;
    MountedSession& operator=(const MountedSession&) = delete;
    bool mounted() const { return mounted_; }

  private:
    fuse_session* session_;
    bool mounted_;
};

// The IMFS session, closed on scope exit.
class ImfsSession {
  public:
    explicit ImfsSession(int session) : session_(session) {}
    ~ImfsSession() {
        if (session_ >= 0) (void)imfs_session_close(session_);
    }
    ImfsSession(const ImfsSession&) = delete;
    ImfsSession& operator=(const ImfsSession&) = delete;
    int get() const { return session_; }

  private:
    int session_;
};

int fail(const std::string& what) {
    std::fprintf(stderr, "imfs-fuse: %s\n", what.c_str());
    return 1;
}

int fail_errno(const std::string& what) {
    return fail(what + ": " + std::strerror(errno));
}

std::string joined_fuse_options(const MountOptions& options) {
    std::string joined = "fsname=imfs:" + options.endpoint + ",subtype=imfs";
    // Other users reach the mount, and IMFS checks their permissions (the
    // mount is root's; an ordinary user needs user_allow_other for this).
    if (::geteuid() == 0) joined += ",allow_other";
    if (options.read_only) joined += ",ro";
    for (const std::string& option : options.fuse_options)
        joined += "," + option;
    return joined;
}

int run(const MountOptions& options) {
    if (options.endpoint == "mem:") {
        if (imfs_embedded_init(options.config.empty() ? nullptr : options.config.c_str()) != 0) {
            return fail_errno(options.config.empty() ? "mem:"
                                                     : "mem: with --config " + options.config);
        }
    }
    imfs_session_options session_options{};
    session_options.readonly = options.read_only ? 1 : 0;
    ImfsSession session(
        imfs_session_open(options.endpoint.c_str(), options.label.c_str(), &session_options));
    if (session.get() < 0) return fail_errno(options.endpoint);
    // The kernel has applied the caller's umask to every mode it sends.
    (void)imfs_umask(session.get(), 0);
    // One O_PATH descriptor per inode the kernel knows: far more than the
    // default 1024 a session starts with.
    if (imfs_set_fd_limit(session.get(), 1UL << 20) != 0) {
        return fail_errno(options.endpoint + ": raise the descriptor limit");
    }

    ImfsFd root_fd(session.get(), imfs_open(session.get(), "/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd) return fail_errno(options.endpoint + ": open /");
    struct stat root;
    if (imfs_fstat(session.get(), root_fd.get(), &root) != 0) {
        return fail_errno(options.endpoint + ": stat /");
    }
    if (root.st_ino == 0) return fail(options.endpoint + ": the root's st_ino is 0");

    // Callers' identities reach IMFS only where the policy trusts us with
    // imfs_setcred; elsewhere every request runs as the session.
    const bool setcred_allowed =
        imfs_setcred(session.get(), ::geteuid(), ::getegid(), 0, nullptr) == 0;
    if (!setcred_allowed) {
        std::fprintf(stderr,
                     "imfs-fuse: %s: the policy refuses imfs_setcred (%s); every request runs "
                     "as the session's own user\n",
                     options.endpoint.c_str(), std::strerror(errno));
    }

    ImfsMount mount(session.get(), std::move(root_fd), root.st_ino, setcred_allowed);
    if (options.timeout >= 0.0) {
        mount.entry_timeout = options.timeout;
        mount.attr_timeout = options.timeout;
    }

    FuseArgs args;
    args.add("imfs-fuse");
    if (options.debug) args.add("-d");
    args.add("-o");
    args.add(joined_fuse_options(options));
    const fuse_lowlevel_ops& ops = imfs_operations();
    FuseSession fuse(fuse_session_new(args.get(), &ops, sizeof ops, &mount));
    if (!fuse) return fail("bad FUSE options: " + joined_fuse_options(options));
    mount.fuse = fuse.get();
    mount.invalidate_pages_on_setattr = !options.single_thread;
    SignalHandlers signals(fuse.get());
    if (!signals.installed()) return fail("cannot install signal handlers");
    MountedSession mounted(fuse.get(), options.mountpoint);
    if (!mounted.mounted()) return fail("cannot mount on " + options.mountpoint);
    if (fuse_daemonize(options.foreground ? 1 : 0) != 0) return fail("cannot daemonize");

    int status;
    if (options.single_thread) {
        status = fuse_session_loop(fuse.get());
    } else {
        LoopConfig config(fuse_loop_cfg_create());
        fuse_loop_cfg_set_clone_fd(config.get(), 0);
        fuse_loop_cfg_set_max_threads(config.get(), options.max_threads);
        status = fuse_session_loop_mt(fuse.get(), config.get());
    }
    // A positive status is the signal that ended the loop: a clean exit.
    return status >= 0 ? 0 : 1;
}

}  // namespace

}  // namespace imfs::fuse

int main(int argc, char** argv) {
    auto options = imfs::fuse::parse_mount_options(argc, argv);
    if (!options) {
        std::fprintf(stderr, "imfs-fuse: %s\n%s", options.error().c_str(),
                     imfs::fuse::mount_usage(argv[0]).c_str());
        return 2;
    }
    if (options->help) {
        std::fputs(imfs::fuse::mount_usage(argv[0]).c_str(), stdout);
        return 0;
    }
    return imfs::fuse::run(*options);
}
