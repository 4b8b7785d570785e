// Helpers shared by the dispatch sources: argument checks and reply setters.
// Internal to server/net.
#pragma once

#include <linux/limits.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cstring>

#include "core/file_system.hpp"
#include "core/result.hpp"
#include "dispatch.hpp"

namespace imfs::net::detail {

using ReplyBuilder = protocol::Reply::Builder;
using core::Errno;
using core::Result;

// A path from the wire as the core takes it: NUL-terminated, no NUL inside
// (EINVAL), shorter than PATH_MAX (ENAMETOOLONG, as Linux).
inline Result<const char*> path_of(capnp::Text::Reader text) {
    if (text.size() >= PATH_MAX) return core::fail(ENAMETOOLONG);
    if (std::memchr(text.begin(), '\0', text.size()) != nullptr) return core::fail(EINVAL);
    return text.cStr();
}

inline void reply_error(ReplyBuilder reply, Errno error) {
    reply.setErrno(error.value);
    reply.getResult().setNone();
}

inline void reply_done(ReplyBuilder reply, const Result<void>& outcome) {
    if (!outcome) return reply_error(reply, outcome.error());
    reply.getResult().setNone();
}

template <typename T>
void reply_value(ReplyBuilder reply, const Result<T>& outcome) {
    if (!outcome) return reply_error(reply, outcome.error());
    reply.getResult().setValue(static_cast<std::int64_t>(*outcome));
}

void fill_stat(protocol::Stat::Builder out, const struct stat& st);
void fill_statvfs(protocol::StatVfs::Builder out, const struct statvfs& st);

// The two halves of dispatch(), by what the operation names.
void dispatch_paths(core::FileSystem& fs, core::Session& s, protocol::Request::Reader request,
                    ReplyBuilder reply);
void dispatch_descriptors(core::FileSystem& fs, core::Session& s, protocol::Request::Reader request,
                          ReplyBuilder reply);

}  // namespace imfs::net::detail
