// Directories: opendir, readdir, readdirplus, releasedir, fsyncdir.
//
// A directory handle is an IMFS directory descriptor read with
// imfs_getdents64. The offsets the kernel gets back are IMFS's own d_off
// cookies, which stay valid while the directory changes, so a readdir at
// any offset the kernel was given is an lseek and a read.
#include <imfs/imfs.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "operations.hpp"
#include "operations_support.hpp"

namespace imfs::fuse::handlers {

namespace {

// One opendir. fi->fh owns it (made in opendir, destroyed in releasedir).
struct DirectoryStream {
    explicit DirectoryStream(ImfsFd fd) : fd(std::move(fd)) {}

    std::mutex mutex;
    ImfsFd fd;
    // The offset the next undelivered entry follows: where the kernel's next
    // readdir is expected to start.
    off_t position = 0;
    // getdents64 records read but not yet delivered: [next, used).
    std::vector<std::byte> records;
    size_t next = 0;
    size_t used = 0;
};

constexpr size_t kRecordBuffer = 32 * 1024;

DirectoryStream& stream_of(const fuse_file_info* fi) {
    return *reinterpret_cast<DirectoryStream*>(fi->fh);
}

// The next undelivered record, reading more when none is left; nullptr at
// the end of the directory.
Result<const imfs_dirent64*> peek(ImfsMount& mount, DirectoryStream& stream) {
    if (stream.next == stream.used) {
        stream.records.resize(kRecordBuffer);
        const ssize_t n = imfs_getdents64(mount.session, stream.fd.get(), stream.records.data(),
                                          stream.records.size());
        if (n < 0) return last_error();
        stream.next = 0;
        stream.used = static_cast<size_t>(n);
        if (n == 0) return nullptr;
    }
    return reinterpret_cast<const imfs_dirent64*>(stream.records.data() + stream.next);
}

void consume(DirectoryStream& stream, const imfs_dirent64& record) {
    stream.next += record.d_reclen;
    stream.position = record.d_off;
}

bool is_dot_or_dot_dot(const char* name) {
    return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

// One record as a plain directory entry into out; its size, which is more
// than room when it does not fit (nothing is then written).
size_t add_plain(fuse_req_t req, char* out, size_t room, const imfs_dirent64& record) {
    struct stat st {};
    st.st_ino = record.d_ino;
    st.st_mode = static_cast<mode_t>(record.d_type) << 12;
    return fuse_add_direntry(req, out, room, record.d_name, &st, record.d_off);
}

// One record with its attributes (readdirplus), which counts a kernel
// lookup of the node when it fits. "." and "..", and names the caller may
// not look up, go without attributes (ino 0), which the kernel accepts.
size_t add_plus(fuse_req_t req, char* out, size_t room, const Node& dir,
                const imfs_dirent64& record) {
    ImfsMount& mount = mount_of(req);
    fuse_entry_param entry{};
    entry.attr.st_ino = record.d_ino;
    entry.attr.st_mode = static_cast<mode_t>(record.d_type) << 12;
    if (!is_dot_or_dot_dot(record.d_name)) {
        if (auto found = lookup_child(mount, dir, record.d_name)) entry = *found;
    }
    const size_t size = fuse_add_direntry_plus(req, out, room, record.d_name, &entry, record.d_off);
    if (size > room && entry.ino != 0) mount.nodes.forget(entry.ino, 1);
    return size;
}

// Fills up to size bytes of entries from offset off: the shared body of
// readdir and readdirplus.
Result<std::vector<char>> fill(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                               fuse_file_info* fi, bool plus) {
    ImfsMount& mount = mount_of(req);
    DirectoryStream& stream = stream_of(fi);
    std::lock_guard lock(stream.mutex);
    std::optional<IdentityGate::Pass> pass;
    std::shared_ptr<const Node> dir;
    if (plus) {
        pass.emplace(IMFS_FUSE_TRY(enter_as_caller(req)));
        dir = IMFS_FUSE_TRY(node_of(mount, ino));
    }
    if (off != stream.position) {
        if (imfs_lseek(mount.session, stream.fd.get(), off, SEEK_SET) < 0) return last_error();
        stream.position = off;
        stream.next = stream.used = 0;
    }
    std::vector<char> out(size);
    size_t filled = 0;
    for (;;) {
        auto record = peek(mount, stream);
        if (!record) {
            if (filled == 0) return std::unexpected(record.error());
            break;  // deliver what there is; the error comes back next time
        }
        if (*record == nullptr) break;
        const size_t room = size - filled;
        const size_t added = plus ? add_plus(req, out.data() + filled, room, *dir, **record)
                                  : add_plain(req, out.data() + filled, room, **record);
        if (added > room) break;
        filled += added;
        consume(stream, **record);
    }
    out.resize(filled);
    return out;
}

void reply_entries(fuse_req_t req, const Result<std::vector<char>>& entries) {
    if (!entries) return reply_status(req, std::unexpected(entries.error()));
    fuse_reply_buf(req, entries->data(), entries->size());
}

}  // namespace

void opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    Result<std::unique_ptr<DirectoryStream>> opened =
        [&]() -> Result<std::unique_ptr<DirectoryStream>> {
        ImfsMount& mount = mount_of(req);
        auto pass = IMFS_FUSE_TRY(enter_as_caller(req));
        auto node = IMFS_FUSE_TRY(node_of(mount, ino));
        ImfsFd fd(mount.session, imfs_reopen(mount.session, node->path_fd.get(),
                                             O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!fd) return last_error();
        return std::make_unique<DirectoryStream>(std::move(fd));
    }();
    if (!opened) return reply_status(req, std::unexpected(opened.error()));
    // Never cache: other sessions change directories too.
    fi->cache_readdir = 0;
    fi->keep_cache = 0;
    fi->fh = reinterpret_cast<uint64_t>(opened->get());
    if (fuse_reply_open(req, fi) == -ENOENT) return;  // interrupted: *opened goes
    (void)opened->release();                          // releasedir takes it back
}

void readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
    reply_entries(req, fill(req, ino, size, off, fi, false));
}

void readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
    reply_entries(req, fill(req, ino, size, off, fi, true));
}

void releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
    std::unique_ptr<DirectoryStream> closing(&stream_of(fi));
    closing.reset();
    reply_status(req, {});
}

void fsyncdir(fuse_req_t req, fuse_ino_t, int, fuse_file_info*) {
    // Directory changes are in memory the moment they are made.
    reply_status(req, {});
}

}  // namespace imfs::fuse::handlers
