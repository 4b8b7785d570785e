#include "operations.hpp"

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string_view>

namespace differential {

namespace {

std::string quoted(const std::string& s) {
    return "\"" + s + "\"";
}

std::string fd_name(int fd_op) {
    return fd_op < 0 ? "BADFD" : "fd" + std::to_string(fd_op);
}

std::string octal(mode_t mode) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "0%o", static_cast<unsigned>(mode));
    return buffer;
}

std::string open_flags(int flags) {
    std::string out;
    switch (flags & O_ACCMODE) {
        case O_RDONLY:
            out = "O_RDONLY";
            break;
        case O_WRONLY:
            out = "O_WRONLY";
            break;
        default:
            out = "O_RDWR";
            break;
    }
    constexpr std::array<std::pair<int, std::string_view>, 7> names = {
        {{O_CREAT, "O_CREAT"},
         {O_EXCL, "O_EXCL"},
         {O_TRUNC, "O_TRUNC"},
         {O_APPEND, "O_APPEND"},
         {O_DIRECTORY, "O_DIRECTORY"},
         {O_NOFOLLOW, "O_NOFOLLOW"},
         {O_PATH, "O_PATH"}}};
    for (auto [bit, name] : names) {
        if (flags & bit) out += "|" + std::string(name);
    }
    return out;
}

std::string whence_name(int whence) {
    switch (whence) {
        case SEEK_SET:
            return "SEEK_SET";
        case SEEK_CUR:
            return "SEEK_CUR";
        case SEEK_END:
            return "SEEK_END";
        case SEEK_DATA:
            return "SEEK_DATA";
        case SEEK_HOLE:
            return "SEEK_HOLE";
        default:
            return std::to_string(whence);
    }
}

std::string fallocate_mode(int mode) {
    if (mode == 0) return "0";
    std::string out;
    constexpr std::array<std::pair<int, std::string_view>, 5> names = {
        {{FALLOC_FL_KEEP_SIZE, "FALLOC_FL_KEEP_SIZE"},
         {FALLOC_FL_PUNCH_HOLE, "FALLOC_FL_PUNCH_HOLE"},
         {FALLOC_FL_ZERO_RANGE, "FALLOC_FL_ZERO_RANGE"},
         {FALLOC_FL_COLLAPSE_RANGE, "FALLOC_FL_COLLAPSE_RANGE"},
         {FALLOC_FL_INSERT_RANGE, "FALLOC_FL_INSERT_RANGE"}}};
    for (auto [bit, name] : names) {
        if (mode & bit) out += (out.empty() ? "" : "|") + std::string(name);
    }
    return out;
}

std::string rename_flags(int flags) {
    if (flags == 0) return "0";
    std::string out;
    if (flags & RENAME_NOREPLACE) out = "RENAME_NOREPLACE";
    if (flags & RENAME_EXCHANGE) out += (out.empty() ? "" : "|") + std::string("RENAME_EXCHANGE");
    return out;
}

}  // namespace

const char* kind_name(OpKind kind) {
    static constexpr const char* names[] = {
        "open",      "close",    "read",      "write",    "pread",  "pwrite", "lseek",
        "ftruncate", "truncate", "fallocate", "dup",      "rename", "link",   "unlink",
        "mkdir",     "rmdir",    "symlink",   "readlink", "chmod",  "fchmod", "stat",
        "lstat",     "fstat",    "getdents",  "listdir"};
    return names[static_cast<int>(kind)];
}

bool opens_descriptor(OpKind kind) {
    return kind == OpKind::open || kind == OpKind::dup;
}

std::string data_of(std::uint32_t pattern, std::size_t size) {
    std::string data(size, '\0');
    std::uint32_t x = pattern * 2654435761u + 1;
    for (auto& c : data) {
        x = x * 1103515245u + 12345u;
        c = static_cast<char>(x >> 24);
    }
    return data;
}

std::string Op::to_string() const {
    const std::string fd = fd_name(fd_op);
    const std::string n = std::to_string(size);
    const std::string off = std::to_string(offset);
    switch (kind) {
        case OpKind::open:
            return "fd" + std::to_string(id) + " = open(" + quoted(path) + ", " +
                   open_flags(flags) + ", " + octal(mode) + ")";
        case OpKind::close:
            return "close(" + fd + ")";
        case OpKind::read:
            return "read(" + fd + ", buf, " + n + ")";
        case OpKind::write:
            return "write(" + fd + ", data[" + std::to_string(pattern) + "], " + n + ")";
        case OpKind::pread:
            return "pread(" + fd + ", buf, " + n + ", " + off + ")";
        case OpKind::pwrite:
            return "pwrite(" + fd + ", data[" + std::to_string(pattern) + "], " + n + ", " + off +
                   ")";
        case OpKind::lseek:
            return "lseek(" + fd + ", " + off + ", " + whence_name(flags) + ")";
        case OpKind::ftruncate:
            return "ftruncate(" + fd + ", " + off + ")";
        case OpKind::truncate:
            return "truncate(" + quoted(path) + ", " + off + ")";
        case OpKind::fallocate:
            return "fallocate(" + fd + ", " + fallocate_mode(flags) + ", " + off + ", " +
                   std::to_string(length) + ")";
        case OpKind::dup:
            return "fd" + std::to_string(id) + " = dup(" + fd + ")";
        case OpKind::rename:
            return "renameat2(AT_FDCWD, " + quoted(path) + ", AT_FDCWD, " + quoted(path2) + ", " +
                   rename_flags(flags) + ")";
        case OpKind::link:
            return "link(" + quoted(path) + ", " + quoted(path2) + ")";
        case OpKind::unlink:
            return "unlink(" + quoted(path) + ")";
        case OpKind::mkdir:
            return "mkdir(" + quoted(path) + ", " + octal(mode) + ")";
        case OpKind::rmdir:
            return "rmdir(" + quoted(path) + ")";
        case OpKind::symlink:
            return "symlink(" + quoted(path2) + ", " + quoted(path) + ")";
        case OpKind::readlink:
            return "readlink(" + quoted(path) + ", buf, " + n + ")";
        case OpKind::chmod:
            return "chmod(" + quoted(path) + ", " + octal(mode) + ")";
        case OpKind::fchmod:
            return "fchmod(" + fd + ", " + octal(mode) + ")";
        case OpKind::stat:
            return "stat(" + quoted(path) + ", &st)";
        case OpKind::lstat:
            return "lstat(" + quoted(path) + ", &st)";
        case OpKind::fstat:
            return "fstat(" + fd + ", &st)";
        case OpKind::getdents:
            return "getdents64(" + fd + ", buf, 65536) /* until 0 */";
        case OpKind::listdir:
            return "listdir(" + quoted(path) +
                   ") /* open O_RDONLY|O_DIRECTORY, getdents64 until 0, close */";
    }
    return "?";
}

std::string Generator::path() {
    // Mostly names that exist or will: collisions, ENOENT, ENOTDIR, EISDIR.
    static constexpr std::array<const char*, 5> names = {"a", "b", "d", "e", "l"};
    int depth = 1 + (chance(40) ? 1 : 0) + (chance(15) ? 1 : 0);
    std::string out;
    for (int i = 0; i < depth; ++i) {
        if (i > 0) out += '/';
        out += names[pick(names.size())];
        // "x/.." and "." stay inside the test directory on both sides.
        if (chance(3)) out += "/..";
        if (chance(2)) out += "/.";
    }
    if (chance(4)) out += '/';
    if (chance(1)) out = "";
    return out;
}

// Symlink targets: relative, without a ".." that could climb above the
// test directory (on the host it would leave it; in IMFS ".." at the root
// stays there), and sometimes dangling or looping.
std::string Generator::target() {
    static constexpr std::array<const char*, 8> targets = {"a",   "b", "d",       "d/e",
                                                           "e/a", "l", "nowhere", "d/../a"};
    return targets[pick(targets.size())];
}

off_t Generator::offset() {
    switch (pick(10)) {
        case 0:
            return 0;
        case 1:
            return pick(16);
        case 2:
            return 4096 * pick(4) + pick(3) - 1;
        case 3:
            return pick(1 << 16);
        case 4:
            return off_t{1} << (20 + pick(14));  // up to 8 GiB: sparse
        case 5:
            return -pick(10) - 1;
        default:
            return pick(9000);
    }
}

std::size_t Generator::size() {
    switch (pick(6)) {
        case 0:
            return 0;
        case 1:
            return 1 + pick(8);
        case 2:
            return 4096 + pick(3) - 1;
        default:
            return pick(10000);
    }
}

Op Generator::next(int id, const std::vector<int>& opened) {
    static constexpr std::array<mode_t, 6> modes = {0644, 0600, 0755, 0444, 0, 07777};
    Op op;
    op.id = id;
    // Weights: files and descriptors most, names next.
    static constexpr std::array<std::pair<OpKind, int>, 25> weights = {
        {{OpKind::open, 14},    {OpKind::close, 5},     {OpKind::read, 6},  {OpKind::write, 7},
         {OpKind::pread, 5},    {OpKind::pwrite, 6},    {OpKind::lseek, 6}, {OpKind::ftruncate, 3},
         {OpKind::truncate, 2}, {OpKind::fallocate, 4}, {OpKind::dup, 2},   {OpKind::rename, 5},
         {OpKind::link, 3},     {OpKind::unlink, 4},    {OpKind::mkdir, 5}, {OpKind::rmdir, 3},
         {OpKind::symlink, 3},  {OpKind::readlink, 2},  {OpKind::chmod, 2}, {OpKind::fchmod, 1},
         {OpKind::stat, 4},     {OpKind::lstat, 3},     {OpKind::fstat, 4}, {OpKind::getdents, 2},
         {OpKind::listdir, 3}}};
    int total = 0;
    for (auto [kind, weight] : weights)
        total += weight;
    int roll = pick(total);
    for (auto [kind, weight] : weights) {
        if (roll < weight) {
            op.kind = kind;
            break;
        }
        roll -= weight;
    }
    // A descriptor: mostly one opened earlier (maybe closed since), rarely
    // one never opened.
    if (!opened.empty() && !chance(3)) op.fd_op = opened[pick(opened.size())];
    // Recent descriptors are more interesting than old ones.
    if (opened.size() > 4 && chance(60)) op.fd_op = opened[opened.size() - 1 - pick(4)];
    op.path = path();
    op.mode = modes[pick(modes.size())];
    op.size = size();
    op.offset = offset();
    op.pattern = static_cast<std::uint32_t>(pick(1000));
    switch (op.kind) {
        case OpKind::open: {
            static constexpr std::array<int, 3> access = {O_RDONLY, O_WRONLY, O_RDWR};
            op.flags = access[pick(3)];
            if (chance(50)) op.flags |= O_CREAT;
            if (chance(15)) op.flags |= O_EXCL;
            if (chance(15)) op.flags |= O_TRUNC;
            if (chance(15)) op.flags |= O_APPEND;
            if (chance(10)) op.flags |= O_DIRECTORY;
            if (chance(8)) op.flags |= O_NOFOLLOW;
            if (chance(5)) op.flags = O_PATH | (op.flags & (O_DIRECTORY | O_NOFOLLOW));
            break;
        }
        case OpKind::lseek: {
            static constexpr std::array<int, 6> whence = {SEEK_SET,  SEEK_CUR,  SEEK_END,
                                                          SEEK_DATA, SEEK_HOLE, 7};
            op.flags = whence[pick(chance(95) ? 5 : 6)];
            break;
        }
        case OpKind::fallocate: {
            static constexpr std::array<int, 8> mode = {0,
                                                        0,
                                                        FALLOC_FL_KEEP_SIZE,
                                                        FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                                        FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                                        FALLOC_FL_PUNCH_HOLE,
                                                        FALLOC_FL_ZERO_RANGE,
                                                        FALLOC_FL_COLLAPSE_RANGE};
            op.flags = mode[pick(mode.size())];
            op.length = chance(10) ? -pick(3) : static_cast<off_t>(size()) + (chance(20) ? 0 : 1);
            break;
        }
        case OpKind::rename: {
            static constexpr std::array<int, 5> flags = {0, 0, RENAME_NOREPLACE, RENAME_EXCHANGE,
                                                         RENAME_NOREPLACE | RENAME_EXCHANGE};
            op.flags = flags[pick(chance(97) ? 4 : 5)];
            op.path2 = path();
            break;
        }
        case OpKind::link:
            op.path2 = path();
            break;
        case OpKind::readlink:
            // A buffer of 0 is EINVAL before anything else: rarely.
            if (op.size == 0 && !chance(10)) op.size = 64;
            break;
        case OpKind::symlink:
            op.path2 = target();
            break;
        case OpKind::ftruncate:
        case OpKind::truncate:
            op.offset = chance(80) ? static_cast<off_t>(size()) : offset();
            break;
        default:
            break;
    }
    return op;
}

std::vector<Op> Generator::sequence(int length) {
    std::vector<Op> ops;
    std::vector<int> opened;
    for (int id = 0; id < length; ++id) {
        ops.push_back(next(id, opened));
        if (opens_descriptor(ops.back().kind)) opened.push_back(id);
    }
    return ops;
}

}  // namespace differential
