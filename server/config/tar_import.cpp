#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "config/content_sources.hpp"

namespace imfs::config {

namespace {

struct ArchiveCloser {
    void operator()(archive* reader) const noexcept { archive_read_free(reader); }
};
using ArchiveReader = std::unique_ptr<archive, ArchiveCloser>;

// An entry's path split into components: "./a//b/" is {a, b}; a leading
// '/' is dropped, as tar does. False for "..": nothing may land outside.
bool split_entry_path(std::string_view path, std::vector<std::string>& parts) {
    parts.clear();
    while (!path.empty()) {
        std::size_t slash = path.find('/');
        std::string_view part = path.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
        if (part.empty() || part == ".") continue;
        if (part == "..") return false;
        parts.emplace_back(part);
    }
    return true;
}

// An entry's atime and mtime, as utimensat takes them: the mtime (now
// when the archive has none), and the atime (pax keeps one; else the
// mtime).
struct EntryTimes {
    timespec values[2];
};

EntryTimes times_of(archive_entry* entry) {
    timespec mtime;
    if (archive_entry_mtime_is_set(entry)) {
        mtime = timespec{archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)};
    } else {
        clock_gettime(CLOCK_REALTIME, &mtime);
    }
    timespec atime = mtime;
    if (archive_entry_atime_is_set(entry)) {
        atime = timespec{archive_entry_atime(entry), archive_entry_atime_nsec(entry)};
    }
    return EntryTimes{{atime, mtime}};
}

// A directory's attributes, applied after every entry is in (entries added
// to a directory move its mtime).
struct DeferredDir {
    std::vector<std::string> parts;
    mode_t mode;
    uid_t uid;
    gid_t gid;
    EntryTimes times;
};

class TarUnpacker {
  public:
    TarUnpacker(LoadContext& context, const ContentNode& node, int target, bool is_own_dir)
        : context_(context), node_(node), target_(target), is_own_dir_(is_own_dir) {}
    ~TarUnpacker() { drop_cached_dir(); }
    TarUnpacker(const TarUnpacker&) = delete;
    TarUnpacker& operator=(const TarUnpacker&) = delete;

    void run();

  private:
    void problem(std::string_view entry, const std::string& what) {
        context_.fail(node_, "<tar> '" + node_.host_path + "'" +
                                 (entry.empty() ? "" : " entry '" + std::string(entry) + "'") +
                                 ": " + what);
    }
    void unpack_entry(archive* reader, archive_entry* entry);
    // A regular file from the entry's data blocks, each written at its own
    // offset, so the holes of a sparse entry stay holes.
    void unpack_file(archive* reader, archive_entry* entry, int parent, const std::string& leaf,
                     std::string_view name);
    // The times of parent's entry leaf (a symlink itself, not its target),
    // or of parent itself when leaf is null.
    core::Result<void> set_times(int parent, const char* leaf, const EntryTimes& times);
    // Is dir the root of the whole tree?
    bool is_tree_root(int dir);
    // A descriptor for the directory parts[0..count) below target, made
    // when missing (0755, root), never through a symlink. -1 and a problem
    // reported on failure. Owned by the cache: do not close it.
    int directory(const std::vector<std::string>& parts, std::size_t count,
                  std::string_view entry_name);
    void drop_cached_dir();
    void apply_deferred();

    LoadContext& context_;
    const ContentNode& node_;
    int target_;
    bool is_own_dir_;
    std::vector<std::string> parts_;
    std::vector<std::string> link_parts_;
    // Entries come grouped by directory: keep the last one open.
    std::vector<std::string> cached_parts_;
    int cached_fd_ = -1;
    std::vector<DeferredDir> deferred_;
};

void TarUnpacker::drop_cached_dir() {
    if (cached_fd_ >= 0 && cached_fd_ != target_) context_.writer.close(cached_fd_);
    cached_fd_ = -1;
    cached_parts_.clear();
}

int TarUnpacker::directory(const std::vector<std::string>& parts, std::size_t count,
                           std::string_view entry_name) {
    if (cached_fd_ >= 0 && cached_parts_.size() == count &&
        std::equal(cached_parts_.begin(), cached_parts_.end(), parts.begin())) {
        return cached_fd_;
    }
    drop_cached_dir();
    TreeWriter& writer = context_.writer;
    int current = target_;
    for (std::size_t i = 0; i < count; ++i) {
        auto next = writer.open_dir(current, parts[i]);
        if (!next && next.error().value == ENOENT) {
            next = writer.make_dir(current, parts[i], 0755, 0, 0);
            if (next) ++context_.report.directories;
        }
        if (current != target_) writer.close(current);
        if (!next) {
            problem(entry_name, "cannot reach its directory '" + parts[i] +
                                    "': " + std::strerror(next.error().value));
            return -1;
        }
        current = *next;
    }
    cached_parts_.assign(parts.begin(), parts.begin() + static_cast<std::ptrdiff_t>(count));
    cached_fd_ = current;
    return current;
}

void TarUnpacker::unpack_entry(archive* reader, archive_entry* entry) {
    const char* raw_name = archive_entry_pathname(entry);
    std::string_view name = raw_name ? raw_name : "";
    if (!split_entry_path(name, parts_)) return problem(name, "refused: '..' in its path");
    TreeWriter& writer = context_.writer;
    mode_t type = archive_entry_filetype(entry);
    mode_t mode = archive_entry_perm(entry) & 07777;
    auto uid = static_cast<uid_t>(archive_entry_uid(entry));
    auto gid = static_cast<gid_t>(archive_entry_gid(entry));
    EntryTimes times = times_of(entry);

    if (parts_.empty()) {  // "./": the archive's own top directory
        // It describes the directory the archive lands in when that is the
        // archive's own ("as"), or the root of the tree (what a snapshot
        // restores); an enclosing <dir> keeps the attributes it was given.
        if (type == AE_IFDIR && (is_own_dir_ || is_tree_root(target_))) {
            deferred_.push_back({{}, mode, uid, gid, times});
        }
        return;
    }
    int parent = directory(parts_, parts_.size() - 1, name);
    if (parent < 0) return;
    const std::string& leaf = parts_.back();
    auto created = [&](core::Result<void> result) {
        if (!result)
            problem(name, std::string("cannot create it: ") + std::strerror(result.error().value));
        return bool(result);
    };

    if (const char* link = archive_entry_hardlink(entry)) {
        if (!split_entry_path(link, link_parts_) || link_parts_.empty()) {
            return problem(name, "refused: hard link to '" + std::string(link) + "'");
        }
        // Walk to the link's target one component at a time, never through
        // a symlink (the archive may have made one pointing anywhere), so
        // a hard link can only name a file this import put below target.
        int at = target_;
        for (std::size_t i = 0; i + 1 < link_parts_.size(); ++i) {
            auto next = writer.open_dir(at, link_parts_[i]);
            if (at != target_) writer.close(at);
            if (!next) {
                return problem(name, "refused: hard link to '" + std::string(link) +
                                         "': " + std::strerror(next.error().value));
            }
            at = *next;
        }
        bool linked = created(writer.make_link(at, link_parts_.back(), parent, leaf));
        if (at != target_) writer.close(at);
        if (linked) ++context_.report.hard_links;
        return;
    }
    switch (type) {
        case AE_IFDIR: {
            auto made = writer.open_dir(parent, leaf);
            if (!made && made.error().value == ENOENT) {
                made = writer.make_dir(parent, leaf, 0755, 0, 0);
                if (made) ++context_.report.directories;
            }
            if (!made) {
                return problem(
                    name, std::string("cannot create it: ") + std::strerror(made.error().value));
            }
            writer.close(*made);
            deferred_.push_back({parts_, mode, uid, gid, times});
            return;
        }
        case AE_IFREG:
            return unpack_file(reader, entry, parent, leaf, name);
        case AE_IFLNK: {
            const char* target = archive_entry_symlink(entry);
            if (created(writer.make_symlink(parent, leaf, target ? target : "", uid, gid)) &&
                created(set_times(parent, leaf.c_str(), times))) {
                ++context_.report.symlinks;
            }
            return;
        }
        case AE_IFIFO:
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFSOCK:
            if (created(writer.make_node(parent, leaf, type | mode, archive_entry_rdev(entry), uid,
                                         gid)) &&
                created(set_times(parent, leaf.c_str(), times))) {
                ++context_.report.files;
            }
            return;
        default:
            return problem(name, "unsupported entry type");
    }
}

void TarUnpacker::unpack_file(archive* reader, archive_entry* entry, int parent,
                              const std::string& leaf, std::string_view name) {
    core::FileSystem& fs = context_.writer.fs();
    core::Session& session = context_.writer.session();
    mode_t mode = archive_entry_perm(entry) & 07777;
    auto uid = static_cast<uid_t>(archive_entry_uid(entry));
    auto gid = static_cast<gid_t>(archive_entry_gid(entry));
    auto cannot = [&](const core::Errno& error) {
        problem(name, std::string("cannot create it: ") + std::strerror(error.value));
    };
    auto fd =
        fs.openat(session, parent, leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (!fd) return cannot(fd.error());
    TreeFd guard(context_.writer, *fd);
    // The data as it comes, not the size the header claims: a header may
    // claim anything.
    std::uint64_t end = 0;
    for (;;) {
        const void* block = nullptr;
        std::size_t length = 0;
        la_int64_t offset = 0;
        int status = archive_read_data_block(reader, &block, &length, &offset);
        if (status == ARCHIVE_EOF) break;
        if (status < ARCHIVE_WARN || offset < 0) {
            const char* why = archive_error_string(reader);
            return problem(name, why ? why : "unreadable data");
        }
        if (length == 0) continue;
        iovec buffer{const_cast<void*>(block), length};
        auto written = fs.write(session, *fd, {&buffer, 1}, static_cast<off_t>(offset));
        if (!written) return cannot(written.error());
        if (*written != length) return cannot(core::Errno{ENOSPC});
        end = std::max(end, static_cast<std::uint64_t>(offset) + length);
        context_.report.bytes += length;
    }
    // A sparse entry's data ends where its last extent does; its size, in
    // its header, says how long a hole follows.
    if (archive_entry_size_is_set(entry) && archive_entry_size(entry) > 0 &&
        static_cast<std::uint64_t>(archive_entry_size(entry)) > end) {
        if (auto grown = fs.ftruncate(session, *fd, archive_entry_size(entry)); !grown) {
            return cannot(grown.error());
        }
    }
    // chown clears the set-id bits that creation gave: put them back.
    if (uid != 0 || gid != 0) {
        if (auto owned = fs.fchown(session, *fd, uid, gid); !owned) return cannot(owned.error());
        if (mode & 07000) {
            if (auto moded = fs.fchmod(session, *fd, mode); !moded) return cannot(moded.error());
        }
    }
    if (auto timed = set_times(*fd, nullptr, times_of(entry)); !timed) {
        return cannot(timed.error());
    }
    ++context_.report.files;
}

core::Result<void> TarUnpacker::set_times(int parent, const char* leaf, const EntryTimes& times) {
    TreeWriter& writer = context_.writer;
    return writer.fs().utimensat(writer.session(), parent, leaf, times.values,
                                 leaf ? AT_SYMLINK_NOFOLLOW : 0);
}

bool TarUnpacker::is_tree_root(int dir) {
    TreeWriter& writer = context_.writer;
    struct stat at {};
    struct stat root {};
    return writer.fs().fstatat(writer.session(), dir, "", at, AT_EMPTY_PATH) &&
           writer.fs().fstatat(writer.session(), AT_FDCWD, "/", root, 0) &&
           at.st_ino == root.st_ino;
}

void TarUnpacker::apply_deferred() {
    drop_cached_dir();
    TreeWriter& writer = context_.writer;
    for (const DeferredDir& dir : deferred_) {
        int fd = dir.parts.empty() ? target_ : directory(dir.parts, dir.parts.size(), "");
        if (fd < 0) continue;
        auto set = writer.set_attributes(fd, dir.mode, dir.uid, dir.gid, std::nullopt);
        if (set) set = set_times(fd, nullptr, dir.times);
        if (!set) {
            problem(dir.parts.empty() ? "." : dir.parts.back(),
                    std::string("cannot set its attributes: ") + std::strerror(set.error().value));
        }
    }
    drop_cached_dir();
}

void TarUnpacker::run() {
    ArchiveReader reader(archive_read_new());
    if (!reader) return problem("", "out of memory");
    archive_read_support_filter_all(reader.get());
    archive_read_support_format_all(reader.get());
    if (archive_read_open_filename(reader.get(), node_.host_path.c_str(), 1 << 16) != ARCHIVE_OK) {
        return problem("", archive_error_string(reader.get()));
    }
    for (;;) {
        archive_entry* entry = nullptr;
        int status = archive_read_next_header(reader.get(), &entry);
        if (status == ARCHIVE_EOF) break;
        if (status == ARCHIVE_FATAL) {
            problem("", archive_error_string(reader.get()));
            break;
        }
        // ARCHIVE_WARN: the entry is usable (libarchive says what it lacks).
        unpack_entry(reader.get(), entry);
    }
    apply_deferred();
}

}  // namespace

void unpack_tar(LoadContext& context, const ContentNode& node, int target, bool is_own_dir) {
    TarUnpacker(context, node, target, is_own_dir).run();
}

}  // namespace imfs::config
