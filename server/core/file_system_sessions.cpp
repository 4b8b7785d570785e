// Sessions: creation under a policy's root, fork, exec, credentials.
#include <fcntl.h>

#include <mutex>
#include <utility>

#include "core/file_system.hpp"

namespace imfs::core {

Result<std::unique_ptr<Session>> FileSystem::open_session(const SessionSpec& spec) {
    Path root_path = IMFS_TRY(Path::parse(spec.root));
    std::unique_lock lock(mutex_);
    // Policy roots are found with full rights: the policy, not the client's
    // identity, decides what the session sees.
    Credentials root_cred;
    Lookup found = IMFS_TRY(resolve(WalkContext{inodes_, root_cred, root_, atime_locks_}, root_,
                                    root_path, Follow::last));
    if (!found.node) return fail(ENOENT);
    if (!found.node->is_dir()) return fail(ENOTDIR);
    auto session = std::make_unique<Session>();
    session->root = InodeRef(inodes_, found.node->id);
    session->cwd = session->root;
    session->writeable = spec.writeable;
    session->trusted = spec.trusted;
    session->cred = spec.cred;
    session->quota = spec.quota;
    return session;
}

Result<std::unique_ptr<Session>> FileSystem::fork_session(Session& parent) {
    std::unique_lock lock(mutex_);
    auto child = std::make_unique<Session>();
    child->root = parent.root;
    child->cwd = parent.cwd;
    child->writeable = parent.writeable;
    child->trusted = parent.trusted;
    child->cred = parent.cred;
    child->quota = parent.quota;
    child->umask = parent.umask;
    child->fds = parent.fds;  // copies share the open file descriptions
    return child;
}

void FileSystem::close_session(std::unique_ptr<Session> session) {
    std::unique_lock lock(mutex_);
    session.reset();  // releases descriptions, root and cwd under the lock
}

void FileSystem::exec(Session& s) {
    std::unique_lock lock(mutex_);
    s.fds.remove_cloexec();
}

Result<void> FileSystem::narrow_root(Session& s, const char* subroot) {
    Path path = IMFS_TRY(Path::parse(subroot));
    std::unique_lock lock(mutex_);
    // The client asks for this: it walks with its own rights (a policy
    // root, by contrast, is found with full rights in open_session).
    Lookup found = IMFS_TRY(resolve(walk_context_locked(s), s.root.id(), path, Follow::last));
    if (!found.node) return fail(ENOENT);
    if (!found.node->is_dir()) return fail(ENOTDIR);
    s.root = InodeRef(inodes_, found.node->id);
    s.cwd = s.root;
    return {};
}

Result<void> FileSystem::set_credentials(Session& s, Credentials cred) {
    std::unique_lock lock(mutex_);
    if (!s.trusted) return fail(EPERM);
    s.cred = std::move(cred);
    return {};
}

Result<void> FileSystem::set_fd_limit(Session& s, unsigned long limit) {
    std::unique_lock lock(mutex_);
    return s.fds.set_limit(limit);
}

mode_t FileSystem::umask(Session& s, mode_t mask) {
    std::unique_lock lock(mutex_);
    return std::exchange(s.umask, mask & 0777);
}

}  // namespace imfs::core
