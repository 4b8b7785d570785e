// Operations that name a node by (dirfd, path).
#include <fcntl.h>

#include <array>

#include "dispatch_support.hpp"

namespace imfs::net::detail {

namespace {

using Which = protocol::Request::Which;

Result<void> mknodat(core::FileSystem& fs, core::Session& s, protocol::MknodCall::Reader call) {
    auto at = call.getAt();
    const char* path = IMFS_TRY(path_of(at.getPath()));
    return fs.mknodat(s, at.getDirfd(), path, at.getMode(), call.getDev());
}

Result<void> fchownat(core::FileSystem& fs, core::Session& s, protocol::ChownCall::Reader call) {
    auto at = call.getAt();
    const char* path = IMFS_TRY(path_of(at.getPath()));
    return fs.fchownat(s, at.getDirfd(), path, call.getUid(), call.getGid(), at.getFlags());
}

Result<void> utimensat(core::FileSystem& fs, core::Session& s, protocol::UtimensCall::Reader call) {
    auto at = call.getAt();
    const char* path = nullptr;
    if (!call.getNullPath()) path = IMFS_TRY(path_of(at.getPath()));
    std::array<timespec, 2> times{};
    if (call.getSetTimes()) {
        times[0] = {call.getAtime().getSec(), call.getAtime().getNsec()};
        times[1] = {call.getMtime().getSec(), call.getMtime().getNsec()};
    }
    return fs.utimensat(s, at.getDirfd(), path, call.getSetTimes() ? times.data() : nullptr,
                        at.getFlags());
}

Result<void> symlinkat(core::FileSystem& fs, core::Session& s, protocol::SymlinkCall::Reader call) {
    const char* target = IMFS_TRY(path_of(call.getTarget()));
    auto at = call.getAt();
    const char* path = IMFS_TRY(path_of(at.getPath()));
    return fs.symlinkat(s, target, at.getDirfd(), path);
}

Result<void> two_paths(core::FileSystem& fs, core::Session& s, Which which,
                       protocol::TwoPathCall::Reader call) {
    auto from = call.getFrom();
    auto to = call.getTo();
    const char* oldpath = IMFS_TRY(path_of(from.getPath()));
    const char* newpath = IMFS_TRY(path_of(to.getPath()));
    if (which == Which::LINKAT) {
        return fs.linkat(s, from.getDirfd(), oldpath, to.getDirfd(), newpath,
                         static_cast<int>(call.getFlags()));
    }
    return fs.renameat2(s, from.getDirfd(), oldpath, to.getDirfd(), newpath, call.getFlags());
}

void readlinkat(core::FileSystem& fs, core::Session& s, protocol::ReadlinkCall::Reader call,
                ReplyBuilder reply) {
    auto at = call.getAt();
    auto path = path_of(at.getPath());
    if (!path) return reply_error(reply, path.error());
    if (call.getSize() == 0) return reply_error(reply, Errno{EINVAL});
    // No link target is longer than PATH_MAX - 1: a larger buffer adds nothing.
    std::array<char, PATH_MAX> buffer;
    std::size_t size = std::min<std::size_t>(call.getSize(), buffer.size());
    auto length = fs.readlinkat(s, at.getDirfd(), *path, std::span(buffer.data(), size));
    if (!length) return reply_error(reply, length.error());
    reply.getResult().setData(
        kj::arrayPtr(reinterpret_cast<const kj::byte*>(buffer.data()), *length));
}

void fstatat(core::FileSystem& fs, core::Session& s, protocol::PathCall::Reader call,
             ReplyBuilder reply) {
    auto path = path_of(call.getPath());
    if (!path) return reply_error(reply, path.error());
    struct stat st {};
    auto outcome = fs.fstatat(s, call.getDirfd(), *path, st, call.getFlags());
    if (!outcome) return reply_error(reply, outcome.error());
    fill_stat(reply.getResult().initStat(), st);
}

void statvfs(core::FileSystem& fs, core::Session& s, protocol::PathCall::Reader call,
             ReplyBuilder reply) {
    auto path = path_of(call.getPath());
    if (!path) return reply_error(reply, path.error());
    struct statvfs st {};
    auto outcome = fs.statvfs(s, call.getDirfd(), *path, st, call.getFlags());
    if (!outcome) return reply_error(reply, outcome.error());
    fill_statvfs(reply.getResult().initStatvfs(), st);
}

// The calls whose only arguments are one PathCall and that answer nothing
// but success or an errno.
Result<void> simple_path_call(core::FileSystem& fs, core::Session& s, Which which,
                              protocol::PathCall::Reader call) {
    const char* path = IMFS_TRY(path_of(call.getPath()));
    int dirfd = call.getDirfd();
    switch (which) {
        case Which::MKDIRAT:
            return fs.mkdirat(s, dirfd, path, call.getMode());
        case Which::FACCESSAT:
            return fs.faccessat(s, dirfd, path, static_cast<int>(call.getMode()), call.getFlags());
        case Which::FCHMODAT:
            return fs.fchmodat(s, dirfd, path, call.getMode(), call.getFlags());
        case Which::UNLINKAT:
            return fs.unlinkat(s, dirfd, path, call.getFlags());
        case Which::CHDIR:
            return fs.chdir(s, path);
        default:
            return core::fail(ENOSYS);
    }
}

}  // namespace

void dispatch_paths(core::FileSystem& fs, core::Session& s, protocol::Request::Reader request,
                    ReplyBuilder reply) {
    switch (Which which = request.which()) {
        case Which::OPENAT: {
            auto call = request.getOpenat();
            auto path = path_of(call.getPath());
            if (!path) return reply_error(reply, path.error());
            return reply_value(
                reply, fs.openat(s, call.getDirfd(), *path, call.getFlags(), call.getMode()));
        }
        case Which::MKDIRAT:
            return reply_done(reply, simple_path_call(fs, s, which, request.getMkdirat()));
        case Which::FACCESSAT:
            return reply_done(reply, simple_path_call(fs, s, which, request.getFaccessat()));
        case Which::FCHMODAT:
            return reply_done(reply, simple_path_call(fs, s, which, request.getFchmodat()));
        case Which::UNLINKAT:
            return reply_done(reply, simple_path_call(fs, s, which, request.getUnlinkat()));
        case Which::CHDIR:
            return reply_done(reply, simple_path_call(fs, s, which, request.getChdir()));
        case Which::MKNODAT:
            return reply_done(reply, mknodat(fs, s, request.getMknodat()));
        case Which::FCHOWNAT:
            return reply_done(reply, fchownat(fs, s, request.getFchownat()));
        case Which::UTIMENSAT:
            return reply_done(reply, utimensat(fs, s, request.getUtimensat()));
        case Which::SYMLINKAT:
            return reply_done(reply, symlinkat(fs, s, request.getSymlinkat()));
        case Which::LINKAT:
            return reply_done(reply, two_paths(fs, s, which, request.getLinkat()));
        case Which::RENAMEAT2:
            return reply_done(reply, two_paths(fs, s, which, request.getRenameat2()));
        case Which::TRUNCATE: {
            auto call = request.getTruncate();
            auto path = path_of(call.getPath());
            if (!path) return reply_error(reply, path.error());
            return reply_done(reply, fs.truncate(s, *path, call.getLength()));
        }
        case Which::READLINKAT:
            return readlinkat(fs, s, request.getReadlinkat(), reply);
        case Which::FSTATAT:
            return fstatat(fs, s, request.getFstatat(), reply);
        case Which::STATVFS:
            return statvfs(fs, s, request.getStatvfs(), reply);
        default:
            return reply_error(reply, Errno{ENOSYS});
    }
}

}  // namespace imfs::net::detail
