#include "dispatch.hpp"

#include <utility>

#include "dispatch_support.hpp"

namespace imfs::net {

namespace {

using namespace detail;
using Which = protocol::Request::Which;

// Supplementary groups one credentials record may carry (as the schema says).
constexpr unsigned kMaxGroups = 65536;

Result<core::Credentials> credentials_of(protocol::Credentials::Reader wire) {
    auto groups = wire.getGroups();
    if (groups.size() > kMaxGroups) return core::fail(EINVAL);
    core::Credentials cred;
    cred.uid = wire.getUid();
    cred.gid = wire.getGid();
    cred.groups.reserve(groups.size());
    for (std::uint32_t group : groups)
        cred.groups.push_back(group);
    return cred;
}

// Acts as a trusted client's caller for one request: swaps the session's
// credentials in and puts the session's own back when the request is done
// (the connection runs its session's requests one at a time, see
// core::SessionSpec::cred), unless the request set new ones itself.
class CredentialsSwap {
  public:
    CredentialsSwap(core::Session& s, core::Credentials for_request)
        : session_(s), saved_(std::exchange(s.cred, std::move(for_request))) {}
    ~CredentialsSwap() {
        if (restore_) session_.cred = std::move(saved_);
    }
    CredentialsSwap(const CredentialsSwap&) = delete;
    CredentialsSwap& operator=(const CredentialsSwap&) = delete;

    void keep_current() noexcept { restore_ = false; }

  private:
    core::Session& session_;
    core::Credentials saved_;
    bool restore_ = true;
};

void fill_stats(const DispatchContext& context, protocol::ServerStats::Builder out) {
    SessionRegistry::Stats stats = context.registry.stats();
    out.setConnections(stats.connections);
    out.setSessions(stats.sessions);
    out.setDescriptors(stats.descriptors);
    out.setInodes(context.registry.file_system().inodes_used());
    out.setBytes(context.registry.file_system().bytes_used());
}

Result<std::uint64_t> fork_and_park(const DispatchContext& context, core::Session& s) {
    auto child = IMFS_TRY(context.registry.file_system().fork_session(s));
    return context.registry.park(context.connection, std::move(child), context.grant);
}

Result<void> write_snapshot(const DispatchContext& context, const core::Session& s) {
    // The whole tree, every tenant's, goes to the server's file: operators
    // (trusted policies) only.
    if (!s.trusted) return core::fail(EPERM);
    if (!context.actions.snapshot) return core::fail(ENOTSUP);
    return context.actions.snapshot();
}

}  // namespace

void dispatch(const DispatchContext& context, core::Session& s, protocol::Request::Reader request,
              protocol::Reply::Builder reply) {
    reply.setId(request.getId());
    core::FileSystem& fs = context.registry.file_system();

    std::optional<CredentialsSwap> swap;
    if (s.trusted && request.hasCredentials()) {
        auto cred = credentials_of(request.getCredentials());
        if (!cred) return reply_error(reply, cred.error());
        swap.emplace(s, std::move(*cred));
    }

    switch (request.which()) {
        case Which::FORK: {
            auto token = fork_and_park(context, s);
            if (!token) return reply_error(reply, token.error());
            reply.getResult().setValue(static_cast<std::int64_t>(*token));
            return;
        }
        case Which::EXEC:
            fs.exec(s);
            return reply.getResult().setNone();
        case Which::SET_CREDENTIALS: {
            auto cred = credentials_of(request.getSetCredentials());
            if (!cred) return reply_error(reply, cred.error());
            auto outcome = fs.set_credentials(s, std::move(*cred));
            if (outcome && swap) swap->keep_current();
            return reply_done(reply, outcome);
        }
        case Which::SET_FD_LIMIT:
            return reply_done(reply, fs.set_fd_limit(s, request.getSetFdLimit()));
        case Which::UMASK:
            return reply.getResult().setValue(fs.umask(s, request.getUmask()));
        case Which::STATS:
            // Server-wide counts are for operators (trusted policies), not
            // for every tenant.
            if (!s.trusted) return reply_error(reply, Errno{EPERM});
            return fill_stats(context, reply.getResult().initStats());
        case Which::SNAPSHOT:
            return reply_done(reply, write_snapshot(context, s));
        case Which::OPENAT:
        case Which::MKDIRAT:
        case Which::MKNODAT:
        case Which::FSTATAT:
        case Which::FACCESSAT:
        case Which::FCHMODAT:
        case Which::FCHOWNAT:
        case Which::UTIMENSAT:
        case Which::STATVFS:
        case Which::UNLINKAT:
        case Which::READLINKAT:
        case Which::TRUNCATE:
        case Which::CHDIR:
        case Which::SYMLINKAT:
        case Which::LINKAT:
        case Which::RENAMEAT2:
            return dispatch_paths(fs, s, request, reply);
        case Which::REOPEN:
        case Which::CLOSE:
        case Which::READ:
        case Which::WRITE:
        case Which::LSEEK:
        case Which::FTRUNCATE:
        case Which::FSYNC:
        case Which::FALLOCATE:
        case Which::DUP:
        case Which::DUP3:
        case Which::FCNTL:
        case Which::FCHMOD:
        case Which::FCHOWN:
        case Which::GETDENTS64:
        case Which::FCHDIR:
        case Which::GETCWD:
            return dispatch_descriptors(fs, s, request, reply);
    }
    // A member of a newer schema: this server does not know the operation.
    reply_error(reply, Errno{ENOSYS});
}

namespace detail {

void fill_stat(protocol::Stat::Builder out, const struct stat& st) {
    out.setDev(st.st_dev);
    out.setIno(st.st_ino);
    out.setMode(st.st_mode);
    out.setNlink(st.st_nlink);
    out.setUid(st.st_uid);
    out.setGid(st.st_gid);
    out.setRdev(st.st_rdev);
    out.setSize(st.st_size);
    out.setBlksize(st.st_blksize);
    out.setBlocks(st.st_blocks);
    auto set_time = [](protocol::Timespec::Builder t, const timespec& value) {
        t.setSec(value.tv_sec);
        t.setNsec(value.tv_nsec);
    };
    set_time(out.initAtime(), st.st_atim);
    set_time(out.initMtime(), st.st_mtim);
    set_time(out.initCtime(), st.st_ctim);
}

void fill_statvfs(protocol::StatVfs::Builder out, const struct statvfs& st) {
    out.setBsize(st.f_bsize);
    out.setFrsize(st.f_frsize);
    out.setBlocks(st.f_blocks);
    out.setBfree(st.f_bfree);
    out.setBavail(st.f_bavail);
    out.setFiles(st.f_files);
    out.setFfree(st.f_ffree);
    out.setFavail(st.f_favail);
    out.setFsid(st.f_fsid);
    out.setFlag(st.f_flag);
    out.setNamemax(st.f_namemax);
}

}  // namespace detail

}  // namespace imfs::net
