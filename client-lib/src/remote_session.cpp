#include "remote_session.hpp"

#include <capnp/orphan.h>

#include <fcntl.h>
#include <limits.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "api_support.hpp"
#include "imfs/imfs.h"

namespace imfs::client {

namespace {

using core::fail;
using protocol::Reply;
using protocol::Request;

constexpr std::size_t kChunk = protocol::kMaxTransfer;
// Writes at least this long travel from the caller's buffer (when aligned).
constexpr std::size_t kExternalAtLeast = 4096;
// Linux's MAX_RW_COUNT: the most one read or write moves.
constexpr std::size_t kMaxReadWrite = 0x7ffff000;

// The checks getname() makes before a path leaves the caller.
Result<void> check_path(const char* path) {
    if (path == nullptr) return fail(EFAULT);
    if (strnlen(path, PATH_MAX) >= PATH_MAX) return fail(ENAMETOOLONG);
    return {};
}

void set_path(protocol::PathCall::Builder call, int dirfd, const char* path, int flags = 0,
              mode_t mode = 0) {
    call.setDirfd(dirfd);
    call.setPath(path);
    call.setFlags(flags);
    call.setMode(mode);
}

void to_timespec(protocol::Timespec::Reader in, timespec& out) {
    out.tv_sec = in.getSec();
    out.tv_nsec = in.getNsec();
}

void to_stat(protocol::Stat::Reader in, struct stat& st) {
    st = {};
    st.st_dev = in.getDev();
    st.st_ino = in.getIno();
    st.st_mode = in.getMode();
    st.st_nlink = in.getNlink();
    st.st_uid = in.getUid();
    st.st_gid = in.getGid();
    st.st_rdev = in.getRdev();
    st.st_size = in.getSize();
    st.st_blksize = in.getBlksize();
    st.st_blocks = in.getBlocks();
    to_timespec(in.getAtime(), st.st_atim);
    to_timespec(in.getMtime(), st.st_mtim);
    to_timespec(in.getCtime(), st.st_ctim);
}

void to_statvfs(protocol::StatVfs::Reader in, struct statvfs& st) {
    st = {};
    st.f_bsize = in.getBsize();
    st.f_frsize = in.getFrsize();
    st.f_blocks = in.getBlocks();
    st.f_bfree = in.getBfree();
    st.f_bavail = in.getBavail();
    st.f_files = in.getFiles();
    st.f_ffree = in.getFfree();
    st.f_favail = in.getFavail();
    st.f_fsid = in.getFsid();
    st.f_flag = in.getFlag();
    st.f_namemax = in.getNamemax();
}

// One request whose reply carries nothing.
template <typename Fill>
Result<void> call(RemoteConnection& connection, Fill&& fill) {
    return connection.exchange(
        1, [&](Request::Builder request, std::size_t) { fill(request); },
        [](Reply::Reader, std::size_t) -> Result<void> { return {}; });
}

// One request whose reply carries a value.
template <typename Fill>
Result<std::int64_t> call_value(RemoteConnection& connection, Fill&& fill) {
    std::int64_t value = 0;
    IMFS_TRY(connection.exchange(
        1, [&](Request::Builder request, std::size_t) { fill(request); },
        [&](Reply::Reader reply, std::size_t) -> Result<void> {
            if (!reply.getResult().isValue()) return fail(EIO);
            value = reply.getResult().getValue();
            return {};
        }));
    return value;
}

std::size_t total_length(std::span<const iovec> buffers) {
    std::size_t total = 0;
    for (const iovec& b : buffers)
        total += b.iov_len;
    return total;
}

// Copies data to buffers starting at byte position of the buffers' joint
// space.
void scatter(std::span<const iovec> buffers, std::size_t position,
             kj::ArrayPtr<const kj::byte> data) {
    std::size_t copied = 0;
    for (const iovec& b : buffers) {
        if (copied == data.size()) break;
        if (position >= b.iov_len) {
            position -= b.iov_len;
            continue;
        }
        std::size_t n = std::min(b.iov_len - position, data.size() - copied);
        std::memcpy(static_cast<char*>(b.iov_base) + position, data.begin() + copied, n);
        copied += n;
        position = 0;
    }
}

}  // namespace

Result<std::shared_ptr<SessionBackend>> RemoteSession::fork() {
    std::int64_t token =
        IMFS_TRY(call_value(*connection_, [](Request::Builder r) { r.setFork(); }));
    HelloRequest hello;
    hello.attach = static_cast<std::uint64_t>(token);
    auto child = IMFS_TRY(RemoteConnection::open(connection_->endpoint(), hello));
    return std::make_shared<RemoteSession>(std::move(child));
}

Result<void> RemoteSession::exec() {
    return call(*connection_, [](Request::Builder r) { r.setExec(); });
}

Result<void> RemoteSession::set_credentials(core::Credentials cred) {
    return call(*connection_, [&](Request::Builder r) {
        auto c = r.initSetCredentials();
        c.setUid(cred.uid);
        c.setGid(cred.gid);
        auto groups = c.initGroups(static_cast<unsigned>(cred.groups.size()));
        for (unsigned i = 0; i < cred.groups.size(); ++i)
            groups.set(i, cred.groups[i]);
    });
}

Result<void> RemoteSession::set_fd_limit(unsigned long limit) {
    return call(*connection_, [&](Request::Builder r) { r.setSetFdLimit(limit); });
}

Result<mode_t> RemoteSession::umask(mode_t mask) {
    std::int64_t previous =
        IMFS_TRY(call_value(*connection_, [&](Request::Builder r) { r.setUmask(mask); }));
    return static_cast<mode_t>(previous);
}

Result<int> RemoteSession::openat(int dirfd, const char* path, int flags, mode_t mode) {
    IMFS_TRY(check_path(path));
    std::int64_t fd = IMFS_TRY(call_value(*connection_, [&](Request::Builder r) {
        set_path(r.initOpenat(), dirfd, path, flags, mode);
    }));
    return static_cast<int>(fd);
}

Result<int> RemoteSession::reopen(int fd, int flags) {
    std::int64_t newfd = IMFS_TRY(call_value(*connection_, [&](Request::Builder r) {
        auto c = r.initReopen();
        c.setFd(fd);
        c.setFlags(flags);
    }));
    return static_cast<int>(newfd);
}

Result<void> RemoteSession::close(int fd) {
    return call(*connection_, [&](Request::Builder r) { r.setClose(fd); });
}

Result<std::size_t> RemoteSession::read(int fd, std::span<const iovec> buffers,
                                        std::optional<off_t> offset) {
    // As Linux, one call moves at most MAX_RW_COUNT bytes.
    std::size_t total = std::min(total_length(buffers), kMaxReadWrite);
    std::size_t done = 0;
    // One request per chunk, each after the last has answered: a short or
    // failed chunk ends the call, so nothing is read past what is returned.
    do {
        std::size_t want = std::min(kChunk, total - done);
        std::size_t got = 0;
        auto outcome = connection_->exchange(
            1,
            [&](Request::Builder r, std::size_t) {
                auto c = r.initRead();
                c.setFd(fd);
                c.setCount(static_cast<std::uint32_t>(want));
                c.setPositional(offset.has_value());
                c.setOffset(offset ? *offset + static_cast<off_t>(done) : 0);
            },
            [&](Reply::Reader reply, std::size_t) -> Result<void> {
                if (!reply.getResult().isData()) return fail(EIO);
                auto data = reply.getResult().getData();
                if (data.size() > want) return fail(EIO);
                scatter(buffers, done, data);
                got = data.size();
                return {};
            });
        if (!outcome) {
            if (done == 0) return std::unexpected(outcome.error());
            break;
        }
        done += got;
        if (got < want) break;
    } while (done < total);
    return done;
}

Result<std::size_t> RemoteSession::write(int fd, std::span<const iovec> buffers,
                                         std::optional<off_t> offset) {
    std::size_t total = std::min(total_length(buffers), kMaxReadWrite);
    // One buffer goes out as it is; several are gathered once.
    std::vector<std::byte> gathered;
    const std::byte* bytes = nullptr;
    if (buffers.size() == 1) {
        bytes = static_cast<const std::byte*>(buffers[0].iov_base);
    } else if (total > 0) {
        gathered.reserve(total);
        for (const iovec& b : buffers) {
            auto* p = static_cast<const std::byte*>(b.iov_base);
            std::size_t n = std::min(b.iov_len, total - gathered.size());
            gathered.insert(gathered.end(), p, p + n);
            if (gathered.size() == total) break;
        }
        bytes = gathered.data();
    }
    std::size_t done = 0;
    // As read(): chunk after chunk, ending at the first short or failed one,
    // so a failure leaves nothing written beyond what is returned.
    do {
        std::size_t length = std::min(kChunk, total - done);
        std::size_t wrote = 0;
        auto outcome = connection_->exchange(
            1,
            [&](Request::Builder r, std::size_t) {
                auto c = r.initWrite();
                c.setFd(fd);
                const auto* start = reinterpret_cast<const kj::byte*>(bytes) + done;
                if (length >= kExternalAtLeast &&
                    reinterpret_cast<std::uintptr_t>(start) % sizeof(capnp::word) == 0 &&
                    length % sizeof(capnp::word) == 0) {
                    // Sent from the caller's buffer itself (it outlives the
                    // message): no copy, and no fresh megabytes to fault in.
                    // Small or empty data is simply copied (an empty external
                    // segment is no valid message).
                    c.adoptData(capnp::Orphanage::getForMessageContaining(c).referenceExternalData(
                        capnp::Data::Reader(start, length)));
                } else {
                    c.setData(kj::arrayPtr(start, length));
                }
                c.setPositional(offset.has_value());
                c.setOffset(offset ? *offset + static_cast<off_t>(done) : 0);
            },
            [&](Reply::Reader reply, std::size_t) -> Result<void> {
                if (!reply.getResult().isValue()) return fail(EIO);
                std::int64_t value = reply.getResult().getValue();
                if (value < 0 || static_cast<std::size_t>(value) > length) return fail(EIO);
                wrote = static_cast<std::size_t>(value);
                return {};
            });
        if (!outcome) {
            if (done == 0) return std::unexpected(outcome.error());
            break;
        }
        done += wrote;
        if (wrote < length) break;
    } while (done < total);
    return done;
}

Result<off_t> RemoteSession::lseek(int fd, off_t offset, int whence) {
    return call_value(*connection_, [&](Request::Builder r) {
        auto c = r.initLseek();
        c.setFd(fd);
        c.setOffset(offset);
        c.setWhence(whence);
    });
}

Result<void> RemoteSession::ftruncate(int fd, off_t length) {
    return call(*connection_, [&](Request::Builder r) {
        auto c = r.initFtruncate();
        c.setFd(fd);
        c.setLength(length);
    });
}

Result<void> RemoteSession::truncate(const char* path, off_t length) {
    IMFS_TRY(check_path(path));
    return call(*connection_, [&](Request::Builder r) {
        auto c = r.initTruncate();
        c.setPath(path);
        c.setLength(length);
    });
}

Result<void> RemoteSession::fsync(int fd) {
    return call(*connection_, [&](Request::Builder r) { r.setFsync(fd); });
}

Result<void> RemoteSession::fallocate(int fd, int mode, off_t offset, off_t len) {
    return call(*connection_, [&](Request::Builder r) {
        auto c = r.initFallocate();
        c.setFd(fd);
        c.setMode(mode);
        c.setOffset(offset);
        c.setLength(len);
    });
}

Result<int> RemoteSession::dup(int fd, int min_fd, bool cloexec) {
    std::int64_t newfd = IMFS_TRY(call_value(*connection_, [&](Request::Builder r) {
        auto c = r.initDup();
        c.setFd(fd);
        c.setMinFd(min_fd);
        c.setCloexec(cloexec);
    }));
    return static_cast<int>(newfd);
}

Result<int> RemoteSession::dup3(int oldfd, int newfd, int flags) {
    std::int64_t result = IMFS_TRY(call_value(*connection_, [&](Request::Builder r) {
        auto c = r.initDup3();
        c.setOldfd(oldfd);
        c.setNewfd(newfd);
        c.setFlags(flags);
    }));
    return static_cast<int>(result);
}

Result<int> RemoteSession::fcntl(int fd, int cmd, long arg) {
    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
        if (arg < 0 || arg > INT_MAX) return fail(EINVAL);
        return dup(fd, static_cast<int>(arg), cmd == F_DUPFD_CLOEXEC);
    }
    std::int64_t result = IMFS_TRY(call_value(*connection_, [&](Request::Builder r) {
        auto c = r.initFcntl();
        c.setFd(fd);
        c.setCmd(cmd);
        c.setArg(arg);
    }));
    return static_cast<int>(result);
}

Result<void> RemoteSession::fstatat(int dirfd, const char* path, struct stat& st, int flags) {
    IMFS_TRY(check_path(path));
    return connection_->exchange(
        1, [&](Request::Builder r, std::size_t) { set_path(r.initFstatat(), dirfd, path, flags); },
        [&](Reply::Reader reply, std::size_t) -> Result<void> {
            if (!reply.getResult().isStat()) return fail(EIO);
            to_stat(reply.getResult().getStat(), st);
            return {};
        });
}

Result<void> RemoteSession::faccessat(int dirfd, const char* path, int mode, int flags) {
    IMFS_TRY(check_path(path));
    return call(*connection_, [&](Request::Builder r) {
        set_path(r.initFaccessat(), dirfd, path, flags, static_cast<mode_t>(mode));
    });
}

Result<void> RemoteSession::fchmodat(int dirfd, const char* path, mode_t mode, int flags) {
    IMFS_TRY(check_path(path));
    return call(*connection_,
                [&](Request::Builder r) { set_path(r.initFchmodat(), dirfd, path, flags, mode); });
}

Result<void> RemoteSession::fchmod(int fd, mode_t mode) {
    return call(*connection_, [&](Request::Builder r) {
        auto c = r.initFchmod();
        c.setFd(fd);
        c.setMode(mode);
    });
}

Result<void> RemoteSession::fchownat(int dirfd, const char* path, uid_t uid, gid_t gid, int flags) {
    IMFS_TRY(check_path(path));
    return call(*connection_, [&](Request::Builder r) {
        auto c = r.initFchownat();
        set_path(c.initAt(), dirfd, path, flags);
        c.setUid(uid);
        c.setGid(gid);
    });
}

Result<void> RemoteSession::fchown(int fd, uid_t uid, gid_t gid) {
    return call(*connection_, [&](Request::Builder r) {
        auto c = r.initFchown();
        c.setFd(fd);
        c.setUid(uid);
        c.setGid(gid);
    });
}

Result<void> RemoteSession::utimensat(int dirfd, const char* path, const timespec* times,
                                      int flags) {
    if (path != nullptr) IMFS_TRY(check_path(path));
    return call(*connection_, [&](Request::Builder r) {
        auto c = r.initUtimensat();
        set_path(c.initAt(), dirfd, path ? path : "", flags);
        c.setNullPath(path == nullptr);
        c.setSetTimes(times != nullptr);
        if (times) {
            auto a = c.initAtime();
            a.setSec(times[0].tv_sec);
            a.setNsec(times[0].tv_nsec);
            auto m = c.initMtime();
            m.setSec(times[1].tv_sec);
            m.setNsec(times[1].tv_nsec);
        }
    });
}

Result<void> RemoteSession::statvfs(int dirfd, const char* path, struct statvfs& st, int flags) {
    IMFS_TRY(check_path(path));
    return connection_->exchange(
        1, [&](Request::Builder r, std::size_t) { set_path(r.initStatvfs(), dirfd, path, flags); },
        [&](Reply::Reader reply, std::size_t) -> Result<void> {
            if (!reply.getResult().isStatvfs()) return fail(EIO);
            to_statvfs(reply.getResult().getStatvfs(), st);
            return {};
        });
}

Result<void> RemoteSession::mkdirat(int dirfd, const char* path, mode_t mode) {
    IMFS_TRY(check_path(path));
    return call(*connection_,
                [&](Request::Builder r) { set_path(r.initMkdirat(), dirfd, path, 0, mode); });
}

Result<void> RemoteSession::mknodat(int dirfd, const char* path, mode_t mode, dev_t dev) {
    IMFS_TRY(check_path(path));
    return call(*connection_, [&](Request::Builder r) {
        auto c = r.initMknodat();
        set_path(c.initAt(), dirfd, path, 0, mode);
        c.setDev(dev);
    });
}

Result<void> RemoteSession::symlinkat(const char* target, int dirfd, const char* path) {
    IMFS_TRY(check_path(target));
    IMFS_TRY(check_path(path));
    return call(*connection_, [&](Request::Builder r) {
        auto c = r.initSymlinkat();
        c.setTarget(target);
        set_path(c.initAt(), dirfd, path);
    });
}

Result<std::size_t> RemoteSession::readlinkat(int dirfd, const char* path, std::span<char> buffer) {
    IMFS_TRY(check_path(path));
    std::size_t length = 0;
    IMFS_TRY(connection_->exchange(
        1,
        [&](Request::Builder r, std::size_t) {
            auto c = r.initReadlinkat();
            set_path(c.initAt(), dirfd, path);
            c.setSize(static_cast<std::uint32_t>(std::min<std::size_t>(buffer.size(), PATH_MAX)));
        },
        [&](Reply::Reader reply, std::size_t) -> Result<void> {
            if (!reply.getResult().isData()) return fail(EIO);
            auto data = reply.getResult().getData();
            length = std::min(data.size(), buffer.size());
            std::memcpy(buffer.data(), data.begin(), length);
            return {};
        }));
    return length;
}

Result<void> RemoteSession::unlinkat(int dirfd, const char* path, int flags) {
    IMFS_TRY(check_path(path));
    return call(*connection_,
                [&](Request::Builder r) { set_path(r.initUnlinkat(), dirfd, path, flags); });
}

Result<void> RemoteSession::linkat(int olddirfd, const char* oldpath, int newdirfd,
                                   const char* newpath, int flags) {
    IMFS_TRY(check_path(oldpath));
    IMFS_TRY(check_path(newpath));
    return call(*connection_, [&](Request::Builder r) {
        auto c = r.initLinkat();
        set_path(c.initFrom(), olddirfd, oldpath);
        set_path(c.initTo(), newdirfd, newpath);
        c.setFlags(static_cast<std::uint32_t>(flags));
    });
}

Result<void> RemoteSession::renameat2(int olddirfd, const char* oldpath, int newdirfd,
                                      const char* newpath, unsigned flags) {
    IMFS_TRY(check_path(oldpath));
    IMFS_TRY(check_path(newpath));
    return call(*connection_, [&](Request::Builder r) {
        auto c = r.initRenameat2();
        set_path(c.initFrom(), olddirfd, oldpath);
        set_path(c.initTo(), newdirfd, newpath);
        c.setFlags(flags);
    });
}

Result<std::size_t> RemoteSession::getdents64(int fd, std::span<std::byte> buffer) {
    std::size_t length = 0;
    IMFS_TRY(connection_->exchange(
        1,
        [&](Request::Builder r, std::size_t) {
            auto c = r.initGetdents64();
            c.setFd(fd);
            c.setSize(static_cast<std::uint32_t>(std::min<std::size_t>(buffer.size(), kChunk)));
        },
        [&](Reply::Reader reply, std::size_t) -> Result<void> {
            if (!reply.getResult().isData()) return fail(EIO);
            auto data = reply.getResult().getData();
            if (data.size() > buffer.size()) return fail(EIO);
            std::memcpy(buffer.data(), data.begin(), data.size());
            length = data.size();
            return {};
        }));
    return length;
}

Result<void> RemoteSession::chdir(const char* path) {
    IMFS_TRY(check_path(path));
    return call(*connection_, [&](Request::Builder r) { set_path(r.initChdir(), AT_FDCWD, path); });
}

Result<void> RemoteSession::fchdir(int fd) {
    return call(*connection_, [&](Request::Builder r) { r.setFchdir(fd); });
}

Result<std::string> RemoteSession::getcwd() {
    std::string path;
    IMFS_TRY(connection_->exchange(
        1, [](Request::Builder r, std::size_t) { r.setGetcwd(); },
        [&](Reply::Reader reply, std::size_t) -> Result<void> {
            if (!reply.getResult().isPath()) return fail(EIO);
            path = reply.getResult().getPath();
            return {};
        }));
    return path;
}

Result<void> RemoteSession::snapshot() {
    return call(*connection_, [](Request::Builder r) { r.setSnapshot(); });
}

}  // namespace imfs::client

extern "C" int imfs_snapshot(int session) {
    using imfs::client::RemoteSession;
    return imfs::client::finish(imfs::client::on_session(
        session, [](imfs::client::SessionBackend& backend) -> imfs::core::Result<void> {
            // An embedded tree has no server and no snapshot file.
            auto* remote = dynamic_cast<RemoteSession*>(&backend);
            if (!remote) return imfs::core::fail(ENOTSUP);
            return remote->snapshot();
        }));
}
