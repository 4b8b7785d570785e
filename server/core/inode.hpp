// One node of the tree: its metadata as Linux keeps it, and its content.
// Directory entries are not inodes (see directory.hpp): an inode does not
// know its names, only how many there are (nlink).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <variant>

#include "core/directory.hpp"
#include "core/file_data.hpp"
#include "core/inode_id.hpp"
#include "core/quota.hpp"

namespace imfs::core {

enum class NodeType : std::uint8_t {
    regular,
    directory,
    symlink,
    fifo,
    socket,
    char_device,
    block_device,
};

// The S_IFMT bits and the DT_* value of a node type.
mode_t file_type_bits(NodeType type);
unsigned char dirent_type(NodeType type);
// The node type S_IFMT bits name; nullopt-like: regular for 0, as mknod does.
NodeType node_type_from_mode(mode_t mode);

// Wall-clock time now, as the inode timestamps take it.
timespec current_time();

inline constexpr std::uint32_t kMaxLinks = UINT32_MAX;

// An inode. Owns its content: the bytes of a regular file, the entries of a
// directory, the target of a symlink. Device nodes carry only rdev.
// Not thread-safe; the caller holds the tree lock (see file_system.hpp).
class AtimeLocks;

struct Inode {
    // The fields up to and with content's first kStatBytes lie on the
    // slot's first cache line (inode_table.cpp asserts it): all that stat
    // reads of a regular file or a symlink, so that a stat of random files
    // out of many keeps one line per file in cache, not two or three.
    InodeId id;
    NodeType type = NodeType::regular;
    // Permission bits and S_ISUID/S_ISGID/S_ISVTX only (07777): 16 bits
    // hold them, and keep the first line within 64 bytes.
    std::uint16_t mode = 0;
    // An unsigned int, as Linux keeps it; link() and mkdir() answer EMLINK
    // rather than let it pass kMaxLinks. (rename() cannot reach it: that
    // would take 2^32 subdirectories, more than the arena's indices.)
    std::uint32_t nlink = 0;
    uid_t uid = 0;
    gid_t gid = 0;

    // atime, mtime and ctime. Held as nanoseconds since the epoch, 8 bytes
    // each, which hold any time from 1677 to 2262; Linux keeps any 64-bit
    // second, so a time outside that moves all three into far_times (see
    // set_time()).
    timespec atime() const noexcept { return time(kAtime); }
    timespec mtime() const noexcept { return time(kMtime); }
    timespec ctime() const noexcept { return time(kCtime); }
    void set_atime(const timespec& t) { set_time(kAtime, t); }
    void set_mtime(const timespec& t) { set_time(kMtime, t); }
    void set_ctime(const timespec& t) { set_time(kCtime, t); }
    // All three at once: out of memory (std::bad_alloc, possible only for a
    // time outside 1677-2262), none changes.
    void set_times(const timespec& a, const timespec& m, const timespec& c);

  private:
    friend class InodeTable;  // asserts the layout
    enum TimeIndex : std::size_t { kAtime, kMtime, kCtime };
    // In times_ns_: the three times are in far_times.
    static constexpr std::int64_t kFar = INT64_MIN;
    std::array<std::int64_t, 3> times_ns_{};

  public:
    // Content, by type: a regular file's bytes, a symlink's target. Held in
    // the inode itself rather than behind a pointer, so that stat needs no
    // load beyond the inode's cache lines and a read one less (the bytes
    // themselves live apart); an empty FileData owns no memory.
    // The alternative always matches type: FileData (the default) for a
    // regular file, a string for a symlink, monostate for the rest.
    // InodeTable::allocate and reset_content() keep it so, and data() and
    // link_target() rely on it (see there).
    std::variant<FileData, std::monostate, std::string> content;

    // Below: what stat of a regular file or symlink does not read.
    // Holders other than names: open file descriptions, session roots and
    // working directories. The inode is freed when this and nlink are 0.
    std::uint32_t open_count = 0;
    dev_t rdev = 0;
    // For a directory: the directory that holds it (itself for the root).
    InodeId parent;
    // Charged for this inode and its data blocks (see quota.hpp); null:
    // no account (the root, the content loaded at start-up).
    std::shared_ptr<QuotaAccount> quota;
    // A directory's entries.
    std::unique_ptr<Directory> entries;
    // The three times, once any of them lies outside what times_ns_ holds;
    // kept (48 bytes) until the inode is freed.
    std::unique_ptr<std::array<timespec, 3>> far_times;

    bool is_dir() const noexcept { return type == NodeType::directory; }
    bool is_regular() const noexcept { return type == NodeType::regular; }
    bool is_symlink() const noexcept { return type == NodeType::symlink; }

    // A regular file's data; nullptr for any other type. data() and
    // link_target() go by type, not by the variant's index: the index lies
    // past the FileData, on the slot's second cache line, which stat then
    // need not load.
    const FileData* data() const noexcept {
        if (!is_regular()) return nullptr;
        assert(content.index() == 0);
        if (content.index() != 0) std::unreachable();  // see content
        return std::get_if<FileData>(&content);
    }
    FileData* data() noexcept { return const_cast<FileData*>(std::as_const(*this).data()); }
    // Precondition: is_regular().
    FileData& file_data() noexcept { return *data(); }
    // A symlink's target. Precondition: is_symlink().
    const std::string& link_target() const noexcept {
        assert(is_symlink() && content.index() == 2);
        if (content.index() != 2) std::unreachable();  // see content
        return *std::get_if<std::string>(&content);
    }
    std::string& link_target() noexcept {
        return const_cast<std::string&>(std::as_const(*this).link_target());
    }
    // Makes content the empty alternative that type calls for.
    void reset_content() noexcept;

    std::uint64_t size() const noexcept;
    // st_blocks: a regular file's pages, and for a symlink as on tmpfs, a
    // page (8 blocks) once its target is too long to keep in the inode.
    std::uint64_t blocks() const noexcept;
    static constexpr std::uint64_t symlink_blocks(std::size_t target_length) noexcept {
        return target_length >= kShortSymlink ? 4096 / 512 : 0;
    }
    // tmpfs's SHORT_SYMLINK_LEN: shorter targets live in the inode.
    static constexpr std::size_t kShortSymlink = 128;

    // A read of the node: moves atime to now by the relatime rule. Callable
    // under the shared tree lock: this inode's mutex of atime_locks guards
    // atime there.
    void note_access(const AtimeLocks& atime_locks);
    void touch_mtime_ctime(const timespec& now) {
        set_mtime(now);
        set_ctime(now);
    }
    void touch_ctime(const timespec& now) { set_ctime(now); }
    // relatime: atime moves only when it is not newer than mtime or ctime,
    // or is a day old, as on a default Linux mount.
    bool atime_is_stale(const timespec& now) const noexcept;

    // atime_locks: as for note_access().
    void fill_stat(struct stat& st, const AtimeLocks& atime_locks) const;

  private:
    timespec time(TimeIndex which) const noexcept;
    // May allocate far_times (std::bad_alloc), only for a time outside
    // 1677-2262.
    void set_time(TimeIndex which, const timespec& t);
};

// The mutexes that guard inodes' atime where reads move it under the shared
// tree lock (see Inode::note_access): one per stripe of inodes, so that
// threads reading different files do not all meet on one lock. With a
// single mutex, two threads stat'ing different files made half the calls
// per second that one thread made alone.
class AtimeLocks {
  public:
    std::mutex& of(const Inode& inode) const noexcept {
        return stripes_[inode.id.index % kStripes].mutex;
    }

  private:
    static constexpr std::size_t kStripes = 64;
    struct alignas(64) Stripe {
        std::mutex mutex;
    };
    mutable std::array<Stripe, kStripes> stripes_;
};

}  // namespace imfs::core
