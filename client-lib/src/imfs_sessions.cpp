// The C API: sessions.
#include <limits.h>

#include <cstring>
#include <string_view>

#include "api_support.hpp"
#include "embedded.hpp"
#include "embedded_session.hpp"
#include "imfs/imfs.h"
#include "remote_session.hpp"

using imfs::client::finish;
using imfs::client::on_session;
using imfs::client::SessionBackend;
namespace core = imfs::core;

namespace {

core::Result<int> open_embedded(const char* label, const imfs_session_options* opts) {
    if (opts && opts->subroot && strnlen(opts->subroot, PATH_MAX) >= PATH_MAX) {
        return core::fail(ENAMETOOLONG);
    }
    imfs::policies::SessionWishes wishes{!(opts && opts->readonly),
                                         (opts && opts->subroot) ? opts->subroot : ""};
    auto admission = IMFS_TRY(imfs::client::embedded_admit(label ? label : "", wishes));
    std::shared_ptr<core::FileSystem> fs = imfs::client::embedded_fs();
    std::unique_ptr<core::Session> session =
        IMFS_TRY(imfs::policies::open_admitted_session(*fs, admission));
    return imfs::client::SessionTable::instance().add(
        std::make_shared<imfs::client::EmbeddedSession>(fs, std::move(session)));
}

core::Result<int> open_session(const char* endpoint, const char* label,
                               const imfs_session_options* opts) {
    if (endpoint == nullptr) return core::fail(EFAULT);
    std::string_view name = endpoint;
    if (name == "mem:") return open_embedded(label, opts);
    if (name.starts_with("unix:") || name.starts_with("tcp:")) {
        imfs::client::HelloRequest hello;
        hello.label = label ? label : "";
        hello.writeable = !(opts && opts->readonly);
        hello.subroot = (opts && opts->subroot) ? opts->subroot : "";
        auto connection = IMFS_TRY(imfs::client::RemoteConnection::open(name, hello));
        return imfs::client::SessionTable::instance().add(
            std::make_shared<imfs::client::RemoteSession>(std::move(connection)));
    }
    return core::fail(EINVAL);
}

}  // namespace

extern "C" {

int imfs_embedded_init(const char* config_path) {
    return finish(imfs::client::embedded_init(config_path));
}

int imfs_session_open(const char* endpoint, const char* label,
                      const struct imfs_session_options* opts) {
    return finish(open_session(endpoint, label, opts));
}

int imfs_session_close(int session) {
    if (!imfs::client::SessionTable::instance().remove(session)) {
        errno = EBADF;
        return -1;
    }
    return 0;
}

int imfs_fork(int session) {
    return finish(on_session(session, [&](SessionBackend& backend) -> core::Result<int> {
        std::shared_ptr<SessionBackend> child = IMFS_TRY(backend.fork());
        return imfs::client::SessionTable::instance().add(std::move(child));
    }));
}

int imfs_exec(int session) {
    return finish(on_session(session, [&](SessionBackend& backend) { return backend.exec(); }));
}

int imfs_setcred(int session, uid_t uid, gid_t gid, size_t ngroups, const gid_t* groups) {
    if (ngroups > 0 && groups == nullptr) {
        errno = EFAULT;
        return -1;
    }
    if (ngroups > 65536) {  // NGROUPS_MAX
        errno = EINVAL;
        return -1;
    }
    core::Credentials cred{uid, gid, std::vector<gid_t>(groups, groups + ngroups)};
    return finish(on_session(session, [&](SessionBackend& backend) {
        return backend.set_credentials(std::move(cred));
    }));
}

int imfs_set_fd_limit(int session, unsigned long limit) {
    return finish(
        on_session(session, [&](SessionBackend& backend) { return backend.set_fd_limit(limit); }));
}

}  // extern "C"
