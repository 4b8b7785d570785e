#include "core/inode.hpp"

#include <cstring>

#include <dirent.h>

namespace imfs::core {

namespace {

// st = {}, but in 64-byte pieces: GCC 12 clears x86-64's 144 bytes with
// one `rep stosq`, whose start-up cost was a tenth of a cached stat; pieces
// this size become plain vector stores (the loop is unrolled).
void clear_stat(struct stat& st) noexcept {
    constexpr std::size_t kPiece = 64;
    auto* bytes = reinterpret_cast<unsigned char*>(&st);
    std::size_t at = 0;
    for (; at + kPiece <= sizeof st; at += kPiece)
        std::memset(bytes + at, 0, kPiece);
    std::memset(bytes + at, 0, sizeof st - at);
}

constexpr std::int64_t kNsPerSecond = 1'000'000'000;
// The seconds a time held in nanoseconds may have: one short of what an
// int64_t holds at each end, so that no time is held as Inode::kFar.
constexpr std::int64_t kMaxNearSeconds = INT64_MAX / kNsPerSecond - 1;

bool is_near(const timespec& t) {
    return t.tv_sec >= -kMaxNearSeconds && t.tv_sec <= kMaxNearSeconds;
}

std::int64_t to_ns(const timespec& t) {
    return t.tv_sec * kNsPerSecond + t.tv_nsec;
}

bool not_after(const timespec& a, const timespec& b) {
    return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec <= b.tv_nsec);
}

}  // namespace

mode_t file_type_bits(NodeType type) {
    switch (type) {
        case NodeType::regular:
            return S_IFREG;
        case NodeType::directory:
            return S_IFDIR;
        case NodeType::symlink:
            return S_IFLNK;
        case NodeType::fifo:
            return S_IFIFO;
        case NodeType::socket:
            return S_IFSOCK;
        case NodeType::char_device:
            return S_IFCHR;
        case NodeType::block_device:
            return S_IFBLK;
    }
    return 0;
}

unsigned char dirent_type(NodeType type) {
    switch (type) {
        case NodeType::regular:
            return DT_REG;
        case NodeType::directory:
            return DT_DIR;
        case NodeType::symlink:
            return DT_LNK;
        case NodeType::fifo:
            return DT_FIFO;
        case NodeType::socket:
            return DT_SOCK;
        case NodeType::char_device:
            return DT_CHR;
        case NodeType::block_device:
            return DT_BLK;
    }
    return DT_UNKNOWN;
}

NodeType node_type_from_mode(mode_t mode) {
    switch (mode & S_IFMT) {
        case S_IFDIR:
            return NodeType::directory;
        case S_IFLNK:
            return NodeType::symlink;
        case S_IFIFO:
            return NodeType::fifo;
        case S_IFSOCK:
            return NodeType::socket;
        case S_IFCHR:
            return NodeType::char_device;
        case S_IFBLK:
            return NodeType::block_device;
        default:
            return NodeType::regular;
    }
}

timespec current_time() {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    return now;
}

std::uint64_t Inode::size() const noexcept {
    switch (type) {
        case NodeType::regular:
            return data()->size();
        // tmpfs reports a directory's size as 20 bytes per entry plus 40
        // for "." and "..": tools that sanity-check st_size expect that.
        case NodeType::directory:
            return entries ? (entries->size() + 2) * 20 : 40;
        case NodeType::symlink:
            return link_target().size();
        default:
            return 0;
    }
}

std::uint64_t Inode::blocks() const noexcept {
    if (const FileData* file = data()) return file->blocks();
    if (is_symlink()) return symlink_blocks(link_target().size());
    return 0;
}

void Inode::reset_content() noexcept {
    switch (type) {
        case NodeType::regular:
            content.emplace<FileData>();
            break;
        case NodeType::symlink:
            content.emplace<std::string>();
            break;
        default:
            content.emplace<std::monostate>();
            break;
    }
}

timespec Inode::time(TimeIndex which) const noexcept {
    const std::int64_t ns = times_ns_[which];
    if (ns == kFar) return (*far_times)[which];
    // Floor division: before 1970 the second is negative and the
    // nanosecond still in [0, 1e9), as in a timespec.
    std::int64_t seconds = ns / kNsPerSecond;
    std::int64_t nanoseconds = ns % kNsPerSecond;
    if (nanoseconds < 0) {
        nanoseconds += kNsPerSecond;
        --seconds;
    }
    return timespec{static_cast<time_t>(seconds), static_cast<long>(nanoseconds)};
}

void Inode::set_time(TimeIndex which, const timespec& t) {
    if (times_ns_[which] != kFar && is_near(t)) {
        times_ns_[which] = to_ns(t);
        return;
    }
    std::array<timespec, 3> all{atime(), mtime(), ctime()};
    all[which] = t;
    set_times(all[kAtime], all[kMtime], all[kCtime]);
}

void Inode::set_times(const timespec& a, const timespec& m, const timespec& c) {
    if (times_ns_[kAtime] != kFar && is_near(a) && is_near(m) && is_near(c)) {
        times_ns_ = {to_ns(a), to_ns(m), to_ns(c)};
        return;
    }
    // Allocated before anything changes, so running out of memory changes
    // nothing.
    if (times_ns_[kAtime] != kFar) far_times = std::make_unique<std::array<timespec, 3>>();
    *far_times = {a, m, c};
    times_ns_.fill(kFar);
}

bool Inode::atime_is_stale(const timespec& now) const noexcept {
    constexpr time_t kDay = 24 * 60 * 60;
    const timespec a = atime();
    return not_after(a, mtime()) || not_after(a, ctime()) || now.tv_sec - a.tv_sec >= kDay;
}

void Inode::note_access(const AtimeLocks& atime_locks) {
    // Whether atime moves needs only the coarse clock (a few ms behind, a
    // third of the cost on a VM): the rule compares whole days, and the
    // other two tests need no clock. The new value is read precisely.
    timespec coarse{};
    clock_gettime(CLOCK_REALTIME_COARSE, &coarse);
    std::lock_guard lock(atime_locks.of(*this));
    if (atime_is_stale(coarse)) set_atime(current_time());
}

void Inode::fill_stat(struct stat& st, const AtimeLocks& atime_locks) const {
    clear_stat(st);
    // The slot index: stable for the inode's life, like a disk file system's
    // inode number; the generation is kept for FUSE's lookup answers.
    st.st_ino = id.index;
    st.st_mode = file_type_bits(type) | mode;
    st.st_nlink = nlink;
    st.st_uid = uid;
    st.st_gid = gid;
    // rdev only where it means something: it lies on a line stat of a
    // file does not otherwise read.
    if (type == NodeType::char_device || type == NodeType::block_device) st.st_rdev = rdev;
    st.st_size = static_cast<off_t>(size());
    st.st_blksize = 4096;
    st.st_blocks = static_cast<blkcnt_t>(blocks());
    {
        std::lock_guard lock(atime_locks.of(*this));
        st.st_atim = atime();
    }
    st.st_mtim = mtime();
    st.st_ctim = ctime();
}

}  // namespace imfs::core
