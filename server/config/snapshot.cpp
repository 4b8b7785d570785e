#include "config/snapshot.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <unordered_map>
#include <vector>

#include "config/host_file.hpp"
#include "config/values.hpp"

namespace imfs::config {

namespace {

struct ArchiveFree {
    void operator()(archive* writer) const noexcept { archive_write_free(writer); }
};
using ArchiveWriter = std::unique_ptr<archive, ArchiveFree>;

struct EntryFree {
    void operator()(archive_entry* entry) const noexcept { archive_entry_free(entry); }
};
using ArchiveEntry = std::unique_ptr<archive_entry, EntryFree>;

std::unexpected<SnapshotError> failure(int error, std::string message) {
    return std::unexpected(SnapshotError{error, std::move(message)});
}

std::string errno_text(int error) {
    return std::strerror(error);
}

// The temporary file a snapshot is written to: removed when the object
// goes, unless it became the snapshot.
class TemporaryFile {
  public:
    // FILE.tmp-XXXXXX beside file, mode 0600 (a snapshot holds every
    // tenant's data), or the errno of mkostemp.
    static std::expected<TemporaryFile, int> create(const std::string& file) {
        std::string name = file + ".tmp-XXXXXX";
        int fd = ::mkostemp(name.data(), O_CLOEXEC);
        if (fd < 0) return std::unexpected(errno);
        return TemporaryFile(std::move(name), HostFd(fd));
    }
    TemporaryFile(TemporaryFile&&) noexcept = default;
    TemporaryFile& operator=(TemporaryFile&&) = delete;
    ~TemporaryFile() {
        if (!name_.empty()) ::unlink(name_.c_str());
    }

    const std::string& name() const noexcept { return name_; }
    int fd() const noexcept { return fd_.get(); }
    // Syncs and closes the file: its errno on failure.
    int sync_and_close() {
        if (::fsync(fd_.get()) != 0) return errno;
        return ::close(fd_.release()) != 0 ? errno : 0;
    }
    // Renames it over file; it is no longer removed from then on.
    int rename_to(const std::string& file) {
        if (::rename(name_.c_str(), file.c_str()) != 0) return errno;
        name_.clear();
        return 0;
    }
    // Leaves the file where it is (a whole archive that could not be
    // renamed is still the only copy of the tree).
    void keep() noexcept { name_.clear(); }

  private:
    TemporaryFile(std::string name, HostFd fd) : name_(std::move(name)), fd_(std::move(fd)) {}

    std::string name_;
    HostFd fd_;
};

// Zeros to hand libarchive for the holes of a sparse entry. Its pax writer
// takes a sparse file's bytes in file order and skips those of holes
// without reading or storing them, at most INT_MAX a call: 2 GiB of
// read-only anonymous memory (address space only, never touched) makes a
// 1 TiB hole 512 calls of about 15 ns (and the largest file Linux allows,
// 8 EiB, 2^32 calls: about a minute). Where that mapping is refused, a
// small buffer does the same job in more calls.
class Zeros {
  public:
    Zeros() {
        void* mapped =
            ::mmap(nullptr, kMapped, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (mapped != MAP_FAILED) {
            data_ = static_cast<const std::byte*>(mapped);
            size_ = kMapped;
        } else {
            fallback_.resize(kFallback);
            data_ = fallback_.data();
            size_ = kFallback;
        }
    }
    ~Zeros() {
        if (fallback_.empty()) ::munmap(const_cast<std::byte*>(data_), size_);
    }
    Zeros(const Zeros&) = delete;
    Zeros& operator=(const Zeros&) = delete;

    const std::byte* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }

  private:
    static constexpr std::size_t kMapped = (std::size_t{1} << 31) - 4096;  // < INT_MAX
    static constexpr std::size_t kFallback = std::size_t{1} << 20;
    const std::byte* data_ = nullptr;
    std::size_t size_ = 0;
    std::vector<std::byte> fallback_;
};

// The walk's visitor: one archive entry per node.
class ArchiveBuilder {
  public:
    ArchiveBuilder(archive* writer, SnapshotReport& report) : writer_(writer), report_(report) {}

    core::Result<void> add(const core::WalkNode& node);
    // Why the last add failed.
    const SnapshotError& problem() const noexcept { return problem_; }

  private:
    core::Result<void> fail(int error, std::string message) {
        problem_ = {error, std::move(message)};
        return core::fail(error);
    }
    // libarchive's own errno and message (EIO where it has no errno).
    core::Result<void> archive_failed(const std::string& what) {
        int error = archive_errno(writer_);
        const char* text = archive_error_string(writer_);
        if (error <= 0) error = EIO;
        return fail(error, what + ": " + (text ? text : errno_text(error)));
    }
    // Path, mode, owner, times: what every entry has.
    void describe(archive_entry* entry, const std::string& name, const struct stat& st);
    // Makes entry a hard link when an earlier entry named its inode.
    bool link_to_first_name(archive_entry* entry, const std::string& name, const struct stat& st);
    // By type: a symlink's target, a device's number, a file's size and
    // sparse map.
    void describe_content(archive_entry* entry, const core::WalkNode& node);
    // Hands libarchive length bytes from data, all of them.
    core::Result<void> feed(const std::string& name, const std::byte* data, std::uint64_t length);
    core::Result<void> feed_hole(const std::string& name, std::uint64_t length);
    core::Result<void> write_data(const std::string& name, const core::WalkNode& node);

    archive* writer_;
    SnapshotReport& report_;
    SnapshotError problem_{0, ""};
    // The archive name of each inode with more than one name, by st_ino.
    std::unordered_map<ino_t, std::string> first_names_;
    std::vector<std::byte> buffer_ = std::vector<std::byte>(1 << 20);
    Zeros zeros_;
};

// A file stored as holes and extents, unless one extent is all of it.
bool is_sparse(const core::WalkNode& node) {
    auto size = static_cast<std::uint64_t>(node.st.st_size);
    if (size == 0) return false;
    return !(node.extents.size() == 1 && node.extents[0].offset == 0 &&
             node.extents[0].length == size);
}

core::Result<void> ArchiveBuilder::add(const core::WalkNode& node) {
    if (S_ISSOCK(node.st.st_mode)) {
        ++report_.sockets;
        return {};
    }
    std::string name = node.path.empty() ? "./" : "./" + std::string(node.path);
    ArchiveEntry entry(archive_entry_new2(writer_));
    if (!entry) return fail(ENOMEM, "cannot make an archive entry");
    describe(entry.get(), name, node.st);
    bool second_name = link_to_first_name(entry.get(), name, node.st);
    if (!second_name) describe_content(entry.get(), node);
    if (archive_write_header(writer_, entry.get()) < ARCHIVE_WARN) {
        return archive_failed("'" + name + "'");
    }
    if (!second_name && S_ISREG(node.st.st_mode)) IMFS_TRY(write_data(name, node));
    if (archive_write_finish_entry(writer_) < ARCHIVE_WARN) return archive_failed("'" + name + "'");
    return {};
}

void ArchiveBuilder::describe(archive_entry* entry, const std::string& name,
                              const struct stat& st) {
    archive_entry_copy_pathname(entry, name.c_str());
    archive_entry_set_mode(entry, st.st_mode);
    // Numbers only: the tree's owners are not the host's users.
    archive_entry_set_uid(entry, st.st_uid);
    archive_entry_set_gid(entry, st.st_gid);
    archive_entry_set_atime(entry, st.st_atim.tv_sec, st.st_atim.tv_nsec);
    archive_entry_set_mtime(entry, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    archive_entry_set_ctime(entry, st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
    archive_entry_set_nlink(entry, static_cast<unsigned>(st.st_nlink));
}

bool ArchiveBuilder::link_to_first_name(archive_entry* entry, const std::string& name,
                                        const struct stat& st) {
    if (S_ISDIR(st.st_mode) || st.st_nlink < 2) return false;
    auto [first, inserted] = first_names_.try_emplace(st.st_ino, name);
    if (inserted) return false;
    archive_entry_copy_hardlink(entry, first->second.c_str());
    archive_entry_set_size(entry, 0);
    ++report_.hard_links;
    return true;
}

void ArchiveBuilder::describe_content(archive_entry* entry, const core::WalkNode& node) {
    const struct stat& st = node.st;
    if (S_ISDIR(st.st_mode)) {
        ++report_.directories;
    } else if (S_ISLNK(st.st_mode)) {
        ++report_.symlinks;
        archive_entry_copy_symlink(entry, std::string(node.link_target).c_str());
    } else if (!S_ISREG(st.st_mode)) {
        ++report_.special;
        archive_entry_set_rdev(entry, st.st_rdev);
    } else {
        ++report_.files;
        archive_entry_set_size(entry, st.st_size);
        if (!is_sparse(node)) return;
        // A sparse entry lists the extents; with none at all (a file of
        // holes only), one empty extent at the end says so.
        for (const core::DataExtent& extent : node.extents) {
            archive_entry_sparse_add_entry(entry, static_cast<la_int64_t>(extent.offset),
                                           static_cast<la_int64_t>(extent.length));
        }
        if (node.extents.empty()) archive_entry_sparse_add_entry(entry, st.st_size, 0);
    }
}

core::Result<void> ArchiveBuilder::feed(const std::string& name, const std::byte* data,
                                        std::uint64_t length) {
    while (length > 0) {
        std::size_t step = static_cast<std::size_t>(std::min<std::uint64_t>(length, INT32_MAX));
        la_ssize_t taken = archive_write_data(writer_, data, step);
        if (taken < 0) return archive_failed("'" + name + "'");
        if (taken == 0) return fail(EIO, "'" + name + "': the archive took no more data");
        data += taken;
        length -= static_cast<std::uint64_t>(taken);
    }
    return {};
}

core::Result<void> ArchiveBuilder::feed_hole(const std::string& name, std::uint64_t length) {
    while (length > 0) {
        std::uint64_t step = std::min<std::uint64_t>(length, zeros_.size());
        IMFS_TRY(feed(name, zeros_.data(), step));
        length -= step;
    }
    return {};
}

core::Result<void> ArchiveBuilder::write_data(const std::string& name, const core::WalkNode& node) {
    auto size = static_cast<std::uint64_t>(node.st.st_size);
    std::uint64_t position = 0;
    for (const core::DataExtent& extent : node.extents) {
        IMFS_TRY(feed_hole(name, extent.offset - position));
        std::uint64_t end = extent.offset + extent.length;
        for (position = extent.offset; position < end;) {
            std::size_t want =
                static_cast<std::size_t>(std::min<std::uint64_t>(end - position, buffer_.size()));
            std::size_t got = node.read(position, std::span(buffer_.data(), want));
            if (got != want) return fail(EIO, "'" + name + "': its data ended early");
            IMFS_TRY(feed(name, buffer_.data(), got));
            position += got;
            report_.data_bytes += got;
        }
    }
    return feed_hole(name, size - position);
}

// The directory holding file, synced so that the rename survives a crash.
int sync_directory_of(const std::string& file) {
    std::filesystem::path parent = std::filesystem::path(file).parent_path();
    HostFd dir(::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return errno;
    return ::fsync(dir.get()) != 0 ? errno : 0;
}

}  // namespace

std::string SnapshotReport::to_string() const {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f s",
                  std::chrono::duration<double>(elapsed).count());
    std::string text = "wrote " + std::to_string(directories) + " directories, " +
                       std::to_string(files) + " files, " + std::to_string(symlinks) +
                       " symlinks, " + std::to_string(special) + " special, " +
                       std::to_string(hard_links) + " hard links, " + human_bytes(data_bytes) +
                       " of data (a " + human_bytes(archive_bytes) + " archive) in " + seconds;
    if (sockets > 0) text += "; left out " + std::to_string(sockets) + " sockets";
    return text;
}

std::expected<SnapshotReport, SnapshotError> write_snapshot(core::FileSystem& fs,
                                                            const std::string& file) {
    auto started = std::chrono::steady_clock::now();
    auto temporary = TemporaryFile::create(file);
    if (!temporary) {
        return failure(temporary.error(), "cannot create a file beside '" + file +
                                              "': " + errno_text(temporary.error()));
    }
    ArchiveWriter writer(archive_write_new());
    if (!writer) return failure(ENOMEM, "cannot make an archive writer");
    SnapshotReport report;
    auto archive_failure = [&](const std::string& what) {
        int error = archive_errno(writer.get());
        const char* text = archive_error_string(writer.get());
        if (error <= 0) error = EIO;
        return failure(error, what + ": " + (text ? text : errno_text(error)));
    };
    // pax: nanosecond times, any length of name or link, large ids and
    // sizes, sparse files. A name that is not ASCII is stored as its bytes
    // (libarchive warns that it cannot convert it from the C locale and
    // marks the entry hdrcharset=BINARY), which is what a load gives back.
    if (archive_write_set_format_pax(writer.get()) != ARCHIVE_OK ||
        archive_write_set_bytes_per_block(writer.get(), 64 * 1024) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(writer.get(), 1) != ARCHIVE_OK ||
        archive_write_open_fd(writer.get(), temporary->fd()) != ARCHIVE_OK) {
        return archive_failure("'" + temporary->name() + "'");
    }
    ArchiveBuilder builder(writer.get(), report);
    auto walked = fs.walk([&](const core::WalkNode& node) { return builder.add(node); });
    if (!walked) {
        SnapshotError problem = builder.problem();
        problem.message = "'" + temporary->name() + "': " + problem.message;
        return std::unexpected(std::move(problem));
    }
    if (archive_write_close(writer.get()) != ARCHIVE_OK) {
        return archive_failure("'" + temporary->name() + "'");
    }
    report.archive_bytes = static_cast<std::uint64_t>(archive_filter_bytes(writer.get(), -1));
    if (int error = temporary->sync_and_close(); error != 0) {
        return failure(error, "'" + temporary->name() + "': " + errno_text(error));
    }
    if (int error = temporary->rename_to(file); error != 0) {
        const std::string kept = temporary->name();
        temporary->keep();
        return failure(error, "cannot rename '" + kept + "' to '" + file + "': " +
                                  errno_text(error) + "; the snapshot is kept in '" + kept + "'");
    }
    if (int error = sync_directory_of(file); error != 0) {
        return failure(
            error, "'" + file + "' written, but its directory not synced: " + errno_text(error));
    }
    report.elapsed = std::chrono::steady_clock::now() - started;
    return report;
}

std::expected<void, SnapshotError> check_snapshot_file(const std::string& file) {
    // What rename would replace: file itself, a symlink included.
    struct stat st {};
    const bool exists = ::lstat(file.c_str(), &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) return failure(EISDIR, "'" + file + "' is a directory");
    // Creating the temporary file checks the directory's permissions and
    // the length of its name.
    auto temporary = TemporaryFile::create(file);
    if (!temporary) {
        return failure(temporary.error(), "cannot create a file beside '" + file +
                                              "': " + errno_text(temporary.error()));
    }
    // In a sticky directory (/tmp), a file of another user cannot be
    // renamed over, unless the directory is ours or we may override that.
    const std::string dir = std::filesystem::path(file).parent_path();
    struct stat dir_st {};
    const uid_t me = ::geteuid();
    if (exists && ::stat(dir.c_str(), &dir_st) == 0 && (dir_st.st_mode & S_ISVTX) &&
        st.st_uid != me && dir_st.st_uid != me && me != 0) {
        return failure(EPERM, "'" + file + "' belongs to another user in sticky directory '" + dir +
                                  "': it could not be replaced");
    }
    return {};
}

}  // namespace imfs::config
