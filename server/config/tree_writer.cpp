#include "config/tree_writer.hpp"

#include <fcntl.h>

namespace imfs::config {

namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

}  // namespace

core::Result<TreeWriter> TreeWriter::open(core::FileSystem& fs) {
    core::SessionSpec spec;
    spec.root = "/";
    spec.writeable = true;
    spec.trusted = true;
    std::unique_ptr<core::Session> session = IMFS_TRY(fs.open_session(spec));
    fs.umask(*session, 0);
    return TreeWriter(fs, std::move(session));
}

TreeWriter::TreeWriter(TreeWriter&& other) noexcept
    : fs_(other.fs_), session_(std::move(other.session_)) {}

TreeWriter::~TreeWriter() {
    if (session_) fs_->close_session(std::move(session_));
}

const char* TreeWriter::c_name(std::string_view name) {
    name_buffer_.assign(name);
    return name_buffer_.c_str();
}

core::Result<int> TreeWriter::open_root() {
    return fs_->openat(*session_, AT_FDCWD, "/", kDirFlags, 0);
}

core::Result<int> TreeWriter::open_dir(int parent, std::string_view name) {
    return fs_->openat(*session_, parent, c_name(name), kDirFlags, 0);
}

core::Result<int> TreeWriter::make_dir(int parent, std::string_view name, mode_t mode, uid_t uid,
                                       gid_t gid) {
    const char* path = c_name(name);
    IMFS_TRY(fs_->mkdirat(*session_, parent, path, mode & 07777));
    int fd = IMFS_TRY(fs_->openat(*session_, parent, path, kDirFlags, 0));
    if (uid != 0 || gid != 0) {
        if (auto owned = set_attributes(fd, mode, uid, gid, std::nullopt); !owned) {
            close(fd);
            return std::unexpected(owned.error());
        }
    }
    return fd;
}

core::Result<void> TreeWriter::make_file(int parent, std::string_view name, std::string_view data,
                                         mode_t mode, uid_t uid, gid_t gid,
                                         std::optional<timespec> mtime) {
    int fd = IMFS_TRY(fs_->openat(*session_, parent, c_name(name),
                                  O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777));
    TreeFd guard(*this, fd);
    if (!data.empty()) {
        iovec buffer{const_cast<char*>(data.data()), data.size()};
        std::size_t written = IMFS_TRY(fs_->write(*session_, fd, {&buffer, 1}, off_t{0}));
        if (written != data.size()) return core::fail(ENOSPC);
    }
    // Creation already gave the mode; chown clears set-id bits, so they are
    // put back after it.
    if (uid != 0 || gid != 0 || mtime) {
        mode_t again = (uid != 0 || gid != 0) && (mode & 07000) ? mode : mode_t(-1);
        IMFS_TRY(set_attributes(fd, again, uid, gid, mtime));
    }
    return {};
}

core::Result<void> TreeWriter::make_symlink(int parent, std::string_view name,
                                            std::string_view target, uid_t uid, gid_t gid,
                                            std::optional<timespec> mtime) {
    std::string target_text(target);
    const char* path = c_name(name);
    IMFS_TRY(fs_->symlinkat(*session_, target_text.c_str(), parent, path));
    if (uid != 0 || gid != 0) {
        IMFS_TRY(fs_->fchownat(*session_, parent, path, uid, gid, AT_SYMLINK_NOFOLLOW));
    }
    if (mtime) {
        timespec times[2] = {*mtime, *mtime};
        IMFS_TRY(fs_->utimensat(*session_, parent, path, times, AT_SYMLINK_NOFOLLOW));
    }
    return {};
}

core::Result<void> TreeWriter::make_node(int parent, std::string_view name, mode_t mode,
                                         dev_t device, uid_t uid, gid_t gid,
                                         std::optional<timespec> mtime) {
    const char* path = c_name(name);
    IMFS_TRY(fs_->mknodat(*session_, parent, path, mode, device));
    if (uid != 0 || gid != 0) {
        IMFS_TRY(fs_->fchownat(*session_, parent, path, uid, gid, AT_SYMLINK_NOFOLLOW));
        IMFS_TRY(fs_->fchmodat(*session_, parent, path, mode & 07777, 0));
    }
    if (mtime) {
        timespec times[2] = {*mtime, *mtime};
        IMFS_TRY(fs_->utimensat(*session_, parent, path, times, AT_SYMLINK_NOFOLLOW));
    }
    return {};
}

core::Result<void> TreeWriter::make_link(int existing_parent, std::string_view existing, int parent,
                                         std::string_view name) {
    std::string existing_text(existing);
    return fs_->linkat(*session_, existing_parent, existing_text.c_str(), parent, c_name(name), 0);
}

core::Result<void> TreeWriter::set_attributes(int fd, mode_t mode, uid_t uid, gid_t gid,
                                              std::optional<timespec> mtime) {
    if (uid != 0 || gid != 0) IMFS_TRY(fs_->fchown(*session_, fd, uid, gid));
    if (mode != mode_t(-1)) IMFS_TRY(fs_->fchmod(*session_, fd, mode & 07777));
    if (mtime) {
        timespec times[2] = {*mtime, *mtime};
        IMFS_TRY(fs_->utimensat(*session_, fd, nullptr, times, 0));
    }
    return {};
}

void TreeWriter::close(int fd) {
    (void)fs_->close(*session_, fd);
}

}  // namespace imfs::config
