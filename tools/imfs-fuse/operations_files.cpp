// Open files: open, create, read, write, flush, release, fsync, fallocate,
// lseek. fi->fh is the IMFS descriptor of the open file; data moves with
// pread and pwrite at the kernel's offsets, so that descriptor's own offset
// is never used.
#include <imfs/imfs.h>

#include <memory>

#include "operations.hpp"
#include "operations_support.hpp"

namespace imfs::fuse::handlers {

namespace {

// The open flags that mean something to IMFS. The kernel also passes
// bits of its own (O_LARGEFILE, __FMODE_EXEC) and has handled O_CREAT,
// O_EXCL and O_NOCTTY itself before open; O_TRUNC comes here because the
// mount asks for FUSE_CAP_ATOMIC_O_TRUNC.
constexpr int kPassedFlags =
    O_ACCMODE | O_APPEND | O_TRUNC | O_NONBLOCK | O_SYNC | O_DSYNC | O_NOATIME | O_DIRECTORY;

int imfs_flags_of(int fuse_flags) {
    return (fuse_flags & kPassedFlags) | O_CLOEXEC;
}

// O_DIRECT asks to skip the page cache: the kernel's, here.
void set_caching(fuse_file_info* fi) {
    fi->direct_io = (fi->flags & O_DIRECT) ? 1 : 0;
    fi->keep_cache = 0;
}

// A buffer per FUSE worker thread, grown to the largest read it served.
char* read_buffer(size_t size) {
    thread_local std::unique_ptr<char[]> buffer;
    thread_local size_t capacity = 0;
    if (size > capacity) {
        buffer = std::make_unique_for_overwrite<char[]>(size);
        capacity = size;
    }
    return buffer.get();
}

int open_fd(const fuse_file_info* fi) {
    return static_cast<int>(fi->fh);
}

}  // namespace

void open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    Result<int> opened = [&]() -> Result<int> {
        ImfsMount& mount = mount_of(req);
        auto pass = IMFS_FUSE_TRY(enter_as_caller(req));
        auto node = IMFS_FUSE_TRY(node_of(mount, ino));
        const int fd = imfs_reopen(mount.session, node->path_fd.get(), imfs_flags_of(fi->flags));
        if (fd < 0) return last_error();
        return fd;
    }();
    if (!opened) return reply_status(req, std::unexpected(opened.error()));
    fi->fh = static_cast<uint64_t>(*opened);
    set_caching(fi);
    // The kernel forgot the open (interrupted): the descriptor is ours to close.
    if (fuse_reply_open(req, fi) == -ENOENT) (void)imfs_close(mount_of(req).session, *opened);
}

void create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
    ImfsFd opened;
    Result<fuse_entry_param> entry = [&]() -> Result<fuse_entry_param> {
        ImfsMount& mount = mount_of(req);
        auto pass = IMFS_FUSE_TRY(enter_as_caller(req));
        auto dir = IMFS_FUSE_TRY(node_of(mount, parent));
        const int flags = imfs_flags_of(fi->flags) | O_CREAT | (fi->flags & O_EXCL);
        opened = ImfsFd(mount.session,
                        imfs_openat(mount.session, dir->path_fd.get(), name, flags, mode));
        if (!opened) return last_error();
        // The node just opened, not whatever the name means by now.
        ImfsFd path_fd(mount.session, imfs_reopen(mount.session, opened.get(), O_PATH | O_CLOEXEC));
        if (!path_fd) return last_error();
        return count_lookup_of(mount, std::move(path_fd));
    }();
    if (!entry) return reply_entry(req, entry);
    fi->fh = static_cast<uint64_t>(opened.get());
    set_caching(fi);
    if (fuse_reply_create(req, &*entry, fi) == -ENOENT) {
        mount_of(req).nodes.forget(entry->ino, 1);
        return;  // opened closes the descriptor
    }
    (void)opened.release();  // the kernel's now, until release
}

void read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
    char* buffer = read_buffer(size);
    const ssize_t got = imfs_pread(mount_of(req).session, open_fd(fi), buffer, size, off);
    if (got < 0) return reply_status(req, last_error());
    fuse_reply_buf(req, buffer, static_cast<size_t>(got));
}

void write(fuse_req_t req, fuse_ino_t, const char* buf, size_t size, off_t off,
           fuse_file_info* fi) {
    // As the writer: a write by someone without CAP_FSETID drops set-ID bits.
    Result<size_t> written = [&]() -> Result<size_t> {
        ImfsMount& mount = mount_of(req);
        auto pass = IMFS_FUSE_TRY(enter_as_caller(req));
        const ssize_t n = imfs_pwrite(mount.session, open_fd(fi), buf, size, off);
        if (n < 0) return last_error();
        return static_cast<size_t>(n);
    }();
    if (!written) return reply_status(req, std::unexpected(written.error()));
    fuse_reply_write(req, *written);
}

void flush(fuse_req_t req, fuse_ino_t, fuse_file_info*) {
    // IMFS keeps no state per close(2) (no locks, no delayed errors).
    reply_status(req, {});
}

void release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
    ImfsFd closing(mount_of(req).session, open_fd(fi));
    closing.reset();
    reply_status(req, {});
}

void fsync(fuse_req_t req, fuse_ino_t, int datasync, fuse_file_info* fi) {
    const int session = mount_of(req).session;
    const int done =
        datasync ? imfs_fdatasync(session, open_fd(fi)) : imfs_fsync(session, open_fd(fi));
    reply_status(req, done == 0 ? Result<void>{} : Result<void>(last_error()));
}

void fallocate(fuse_req_t req, fuse_ino_t, int mode, off_t offset, off_t length,
               fuse_file_info* fi) {
    reply_status(req, [&]() -> Result<void> {
        ImfsMount& mount = mount_of(req);
        auto pass = IMFS_FUSE_TRY(enter_as_caller(req));
        IMFS_FUSE_CHECK(imfs_fallocate(mount.session, open_fd(fi), mode, offset, length));
        return {};
    }());
}

void lseek(fuse_req_t req, fuse_ino_t, off_t off, int whence, fuse_file_info* fi) {
    // Only SEEK_DATA and SEEK_HOLE come here; the kernel keeps the offset.
    const off_t found = imfs_lseek(mount_of(req).session, open_fd(fi), off, whence);
    if (found < 0) return reply_status(req, last_error());
    fuse_reply_lseek(req, found);
}

}  // namespace imfs::fuse::handlers
