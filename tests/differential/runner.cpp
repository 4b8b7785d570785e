#include "runner.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

#include "sides.hpp"

namespace differential {

std::string Outcome::to_string() const {
    std::string out = std::to_string(value);
    if (value == -1) out += std::string(" ") + strerrorname_np(error);
    if (!detail.empty()) out += " " + detail;
    return out;
}

namespace {

// A descriptor number that is never open on either side.
constexpr int kBadFd = 9999;
constexpr std::size_t kDirentsBuffer = 65536;

// The stat fields compared. Not ino and dev (each side numbers its own),
// nor atime/mtime/ctime: the two sides run at different instants, and
// sub-second clocks differ (see the README for the timestamp tests).
std::string stat_fields(const struct stat& st) {
    char buffer[160];
    std::snprintf(buffer, sizeof buffer, "{mode=0%o nlink=%lu size=%lld blocks=%lld uid=%u gid=%u}",
                  st.st_mode, static_cast<unsigned long>(st.st_nlink),
                  static_cast<long long>(st.st_size), static_cast<long long>(st.st_blocks),
                  st.st_uid, st.st_gid);
    return buffer;
}

// Bytes read, shown short: a checksum and the length is enough to tell.
std::string bytes_summary(const char* data, std::size_t n) {
    std::uint64_t hash = 1469598103934665603ull;
    std::size_t zeros = 0;
    for (std::size_t i = 0; i < n; ++i) {
        hash = (hash ^ static_cast<unsigned char>(data[i])) * 1099511628211ull;
        zeros += data[i] == 0;
    }
    char buffer[80];
    std::snprintf(buffer, sizeof buffer, "{bytes hash=%016llx zeros=%zu}",
                  static_cast<unsigned long long>(hash), zeros);
    return buffer;
}

// Sorted names from getdents64 until it returns 0 (or fails).
Outcome read_names(Side& side, int fd) {
    std::vector<char> buffer(kDirentsBuffer);
    std::set<std::string> names;
    while (true) {
        ssize_t n = side.getdents64(fd, buffer.data(), buffer.size());
        if (n < 0) return {-1, errno, {}};
        if (n == 0) break;
        for (ssize_t at = 0; at < n;) {
            unsigned short reclen;
            std::memcpy(&reclen, buffer.data() + at + 16, sizeof reclen);
            names.insert(buffer.data() + at + 19);
            at += reclen;
        }
    }
    std::string detail = "{";
    for (const auto& name : names)
        detail += (detail.size() > 1 ? " " : "") + name;
    return {0, 0, detail + "}"};
}

// One side's state while a sequence runs: its descriptors by opening op.
class Runner {
  public:
    explicit Runner(Side& side) : side_(side) {}

    Outcome run(const Op& op) {
        errno = 0;
        Outcome out = run_call(op);
        return out;
    }

  private:
    int fd(const Op& op) const {
        auto it = fds_.find(op.fd_op);
        return it == fds_.end() ? kBadFd : it->second;
    }
    static Outcome result(long long value) { return {value, value == -1 ? errno : 0, {}}; }

    Outcome opened(const Op& op, int fd) {
        if (fd < 0) return {-1, errno, {}};
        fds_[op.id] = fd;
        return {0, 0, {}};
    }

    Outcome run_call(const Op& op) {
        const char* p = op.path.c_str();
        const char* p2 = op.path2.c_str();
        switch (op.kind) {
            case OpKind::open:
                return opened(op, side_.open(p, op.flags, op.mode));
            case OpKind::dup:
                return opened(op, side_.dup(fd(op)));
            case OpKind::close: {
                int f = fd(op);
                Outcome out = result(side_.close(f));
                // A closed descriptor is never named by number again: the
                // two sides reuse numbers differently.
                if (out.value == 0) fds_.erase(op.fd_op);
                return out;
            }
            case OpKind::read:
            case OpKind::pread: {
                std::vector<char> buffer(op.size);
                ssize_t n = op.kind == OpKind::read
                                ? side_.read(fd(op), buffer.data(), op.size)
                                : side_.pread(fd(op), buffer.data(), op.size, op.offset);
                Outcome out = result(n);
                if (n > 0) out.detail = bytes_summary(buffer.data(), static_cast<std::size_t>(n));
                return out;
            }
            case OpKind::write:
            case OpKind::pwrite: {
                std::string data = data_of(op.pattern, op.size);
                return result(op.kind == OpKind::write
                                  ? side_.write(fd(op), data.data(), data.size())
                                  : side_.pwrite(fd(op), data.data(), data.size(), op.offset));
            }
            case OpKind::lseek: {
                Outcome out = result(side_.lseek(fd(op), op.offset, op.flags));
                // A directory's offsets are cookies private to each file
                // system (tmpfs puts its end at INT_MAX, IMFS counts
                // entries): only success or the errno is compared.
                struct stat st {};
                if (out.value >= 0 && side_.fstat(fd(op), &st) == 0 && S_ISDIR(st.st_mode)) {
                    out.value = 0;
                    out.detail = "{a directory offset}";
                    // What a later getdents64 finds at a made-up position is
                    // unspecified (POSIX: seekdir takes only telldir's
                    // values; tmpfs and IMFS number entries differently), so
                    // both sides go back to the start, which is specified.
                    if (!(op.flags == SEEK_SET && op.offset == 0)) {
                        side_.lseek(fd(op), 0, SEEK_SET);
                    }
                }
                return out;
            }
            case OpKind::ftruncate:
                return result(side_.ftruncate(fd(op), op.offset));
            case OpKind::truncate:
                return result(side_.truncate(p, op.offset));
            case OpKind::fallocate:
                return result(side_.fallocate(fd(op), op.flags, op.offset, op.length));
            case OpKind::rename:
                return result(side_.renameat2(p, p2, static_cast<unsigned>(op.flags)));
            case OpKind::link:
                return result(side_.link(p, p2));
            case OpKind::unlink:
                return result(side_.unlink(p));
            case OpKind::mkdir:
                return result(side_.mkdir(p, op.mode));
            case OpKind::rmdir:
                return result(side_.rmdir(p));
            case OpKind::symlink:
                return result(side_.symlink(p2, p));
            case OpKind::readlink: {
                std::vector<char> buffer(op.size);
                ssize_t n = side_.readlink(p, buffer.data(), op.size);
                Outcome out = result(n);
                if (n > 0)
                    out.detail =
                        "\"" + std::string(buffer.data(), static_cast<std::size_t>(n)) + "\"";
                return out;
            }
            case OpKind::chmod:
                return result(side_.chmod(p, op.mode));
            case OpKind::fchmod:
                return result(side_.fchmod(fd(op), op.mode));
            case OpKind::stat:
            case OpKind::lstat:
            case OpKind::fstat: {
                struct stat st {};
                int r = op.kind == OpKind::stat    ? side_.stat(p, &st)
                        : op.kind == OpKind::lstat ? side_.lstat(p, &st)
                                                   : side_.fstat(fd(op), &st);
                Outcome out = result(r);
                if (r == 0) out.detail = stat_fields(st);
                return out;
            }
            case OpKind::getdents:
                return read_names(side_, fd(op));
            case OpKind::listdir: {
                int f = side_.open(p, O_RDONLY | O_DIRECTORY, 0);
                if (f < 0) return {-1, errno, {}};
                Outcome out = read_names(side_, f);
                side_.close(f);
                return out;
            }
        }
        return {};
    }

    Side& side_;
    std::map<int, int> fds_;
};

// A fresh host side and IMFS side, or exit 2 saying why not.
struct Sides {
    std::unique_ptr<Side> host, imfs;
};
Sides make_sides() {
    std::string error;
    auto host = make_host_side(error);
    auto imfs = host ? make_imfs_side(error) : nullptr;
    if (!host || !imfs) {
        std::fprintf(stderr, "differential: cannot set up: %s\n", error.c_str());
        std::exit(2);
    }
    return {std::move(host), std::move(imfs)};
}

}  // namespace

std::optional<Divergence> run_sequence(const std::vector<Op>& ops) {
    Sides sides = make_sides();
    auto& [host, imfs] = sides;
    Runner host_runner(*host), imfs_runner(*imfs);
    for (std::size_t i = 0; i < ops.size(); ++i) {
        Outcome h = host_runner.run(ops[i]);
        Outcome m = imfs_runner.run(ops[i]);
        if (!(h == m)) return Divergence{i, h, m};
    }
    return std::nullopt;
}

void print_sequence(const std::vector<Op>& ops) {
    Sides sides = make_sides();
    auto& [host, imfs] = sides;
    Runner host_runner(*host), imfs_runner(*imfs);
    for (const Op& op : ops) {
        Outcome h = host_runner.run(op);
        Outcome m = imfs_runner.run(op);
        std::string call = op.to_string() + ";";
        call.resize(std::max<std::size_t>(call.size(), 62), ' ');
        std::printf("  %s // host: %s", call.c_str(), h.to_string().c_str());
        if (!(h == m)) std::printf("   IMFS: %s   <-- differs", m.to_string().c_str());
        std::printf("\n");
    }
    std::fflush(stdout);
}

}  // namespace differential
