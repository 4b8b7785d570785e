// Operations on descriptors, and the working directory.
#include <capnp/orphan.h>

#include "codec.hpp"
#include "dispatch_support.hpp"

namespace imfs::net::detail {

namespace {

using Which = protocol::Request::Which;

std::optional<off_t> offset_of(bool positional, std::int64_t offset) {
    if (!positional) return std::nullopt;
    return static_cast<off_t>(offset);
}

// Reads straight into the reply's Data, then gives back what was not used
// (the Data is the message's last allocation, so its space is reclaimed).
void read(core::FileSystem& fs, core::Session& s, protocol::ReadCall::Reader call,
          ReplyBuilder reply) {
    if (call.getCount() > protocol::kMaxTransfer) return reply_error(reply, Errno{EINVAL});
    auto orphan =
        capnp::Orphanage::getForMessageContaining(reply).newOrphan<capnp::Data>(call.getCount());
    auto data = orphan.get();
    iovec buffer{data.begin(), data.size()};
    auto length = fs.read(s, call.getFd(), std::span(&buffer, 1),
                          offset_of(call.getPositional(), call.getOffset()));
    // A failed read gives its space back too: an error reply is small.
    orphan.truncate(length ? static_cast<unsigned>(*length) : 0);
    if (!length) return reply_error(reply, length.error());
    reply.getResult().adoptData(kj::mv(orphan));
}

void write(core::FileSystem& fs, core::Session& s, protocol::WriteCall::Reader call,
           ReplyBuilder reply) {
    auto data = call.getData();
    if (data.size() > protocol::kMaxTransfer) return reply_error(reply, Errno{EINVAL});
    iovec buffer{const_cast<kj::byte*>(data.begin()), data.size()};
    reply_value(reply, fs.write(s, call.getFd(), std::span(&buffer, 1),
                                offset_of(call.getPositional(), call.getOffset())));
}

void getdents64(core::FileSystem& fs, core::Session& s, protocol::GetdentsCall::Reader call,
                ReplyBuilder reply) {
    if (call.getSize() > protocol::kMaxTransfer) return reply_error(reply, Errno{EINVAL});
    auto orphan =
        capnp::Orphanage::getForMessageContaining(reply).newOrphan<capnp::Data>(call.getSize());
    auto data = orphan.get();
    auto length = fs.getdents64(s, call.getFd(),
                                std::span(reinterpret_cast<std::byte*>(data.begin()), data.size()));
    orphan.truncate(length ? static_cast<unsigned>(*length) : 0);
    if (!length) return reply_error(reply, length.error());
    reply.getResult().adoptData(kj::mv(orphan));
}

void getcwd(core::FileSystem& fs, core::Session& s, ReplyBuilder reply) {
    auto cwd = fs.getcwd(s);
    if (!cwd) return reply_error(reply, cwd.error());
    reply.getResult().setPath(*cwd);
}

}  // namespace

void dispatch_descriptors(core::FileSystem& fs, core::Session& s, protocol::Request::Reader request,
                          ReplyBuilder reply) {
    switch (request.which()) {
        case Which::REOPEN: {
            auto call = request.getReopen();
            return reply_value(reply, fs.reopen(s, call.getFd(), call.getFlags()));
        }
        case Which::CLOSE:
            return reply_done(reply, fs.close(s, request.getClose()));
        case Which::READ:
            return read(fs, s, request.getRead(), reply);
        case Which::WRITE:
            return write(fs, s, request.getWrite(), reply);
        case Which::LSEEK: {
            auto call = request.getLseek();
            return reply_value(reply,
                               fs.lseek(s, call.getFd(), call.getOffset(), call.getWhence()));
        }
        case Which::FTRUNCATE: {
            auto call = request.getFtruncate();
            return reply_done(reply, fs.ftruncate(s, call.getFd(), call.getLength()));
        }
        case Which::FSYNC:
            return reply_done(reply, fs.fsync(s, request.getFsync()));
        case Which::FALLOCATE: {
            auto call = request.getFallocate();
            return reply_done(reply, fs.fallocate(s, call.getFd(), call.getMode(), call.getOffset(),
                                                  call.getLength()));
        }
        case Which::DUP: {
            auto call = request.getDup();
            return reply_value(reply, fs.dup(s, call.getFd(), call.getMinFd(), call.getCloexec()));
        }
        case Which::DUP3: {
            auto call = request.getDup3();
            return reply_value(reply,
                               fs.dup3(s, call.getOldfd(), call.getNewfd(), call.getFlags()));
        }
        case Which::FCNTL: {
            auto call = request.getFcntl();
            return reply_value(
                reply, fs.fcntl(s, call.getFd(), call.getCmd(), static_cast<long>(call.getArg())));
        }
        case Which::FCHMOD: {
            auto call = request.getFchmod();
            return reply_done(reply, fs.fchmod(s, call.getFd(), call.getMode()));
        }
        case Which::FCHOWN: {
            auto call = request.getFchown();
            return reply_done(reply, fs.fchown(s, call.getFd(), call.getUid(), call.getGid()));
        }
        case Which::GETDENTS64:
            return getdents64(fs, s, request.getGetdents64(), reply);
        case Which::FCHDIR:
            return reply_done(reply, fs.fchdir(s, request.getFchdir()));
        case Which::GETCWD:
            return getcwd(fs, s, reply);
        default:
            return reply_error(reply, Errno{ENOSYS});
    }
}

}  // namespace imfs::net::detail
