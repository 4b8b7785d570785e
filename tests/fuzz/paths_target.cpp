// Path resolution under a narrowed root. The tree:
//
//   /outside/secret, /outside/sub/, /jail2/f        out of reach
//   /jail/                                          the session's root
//   /jail/a, /jail/d/e, /jail/d/f/                  files and directories
//   /jail/up -> ../outside      /jail/abs -> /outside
//   /jail/d/back -> ../../outside/secret            /jail/dotdot -> ..
//   /jail/d/deep -> ../../../../..                  /jail/root -> /
//   /jail/loop -> loop          /jail/sibling -> ../jail2/f
//
// The input is a program: each call is an opcode byte and argument bytes
// (see run_one). Whatever it does, no call may return a node outside /jail
// (checked by inode number after every stat and open), and nothing outside
// /jail may change (checked by a snapshot before and after).
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/file_system.hpp"
#include "fuzz_targets.hpp"

namespace imfs::fuzz {

namespace {

constexpr core::Limits kLimits{.max_bytes = 4u << 20, .max_inodes = 1024};
constexpr int kMaxCalls = 64;
constexpr int kMaxFds = 8;

// Path components the programs are made of: names in the tree, names that
// are not, dots, and names of things outside.
constexpr std::array<const char*, 24> kComponents = {
    "a",  "d", "e", "f", "up", "abs",     "back", "dotdot", "deep",   "root", "loop", "sibling",
    "..", ".", "",  "x", "y",  "outside", "jail", "jail2",  "secret", "sub",  "new",  "dir"};

struct Reader {
    const std::uint8_t* data;
    std::size_t size;
    std::uint8_t byte() {
        if (size == 0) return 0;
        --size;
        return *data++;
    }
    bool done() const { return size == 0; }
};

// A path: a length byte (low 3 bits: components, bit 3: leading '/', bit 4:
// trailing '/'), then one byte per component.
std::string read_path(Reader& in) {
    std::uint8_t shape = in.byte();
    std::string path = (shape & 8) ? "/" : "";
    int count = shape & 7;
    for (int i = 0; i < count; ++i) {
        if (i > 0) path += '/';
        path += kComponents[in.byte() % kComponents.size()];
    }
    if (shape & 16) path += '/';
    return path;
}

struct NodeState {
    ino_t ino;
    mode_t mode;
    nlink_t nlink;
    off_t size;
    uid_t uid;
    gid_t gid;
    timespec mtime, ctime;
    std::string content;  // data, link target or sorted entry names
    bool operator==(const NodeState& o) const {
        return ino == o.ino && mode == o.mode && nlink == o.nlink && size == o.size &&
               uid == o.uid && gid == o.gid && mtime.tv_sec == o.mtime.tv_sec &&
               mtime.tv_nsec == o.mtime.tv_nsec && ctime.tv_sec == o.ctime.tv_sec &&
               ctime.tv_nsec == o.ctime.tv_nsec && content == o.content;
    }
};

std::vector<std::string> entries(core::FileSystem& fs, core::Session& s, const std::string& dir) {
    std::vector<std::string> names;
    auto fd = fs.openat(s, AT_FDCWD, dir.c_str(), O_RDONLY | O_DIRECTORY, 0);
    if (!fd) violation("the snapshot cannot open a directory");
    std::array<std::byte, 4096> buffer;
    while (true) {
        auto n = fs.getdents64(s, *fd, buffer);
        if (!n) violation("the snapshot cannot list a directory");
        if (*n == 0) break;
        for (std::size_t at = 0; at < *n;) {
            unsigned short reclen;
            std::memcpy(&reclen, buffer.data() + at + 16, sizeof reclen);
            const char* name = reinterpret_cast<const char*>(buffer.data() + at + 19);
            if (std::strcmp(name, ".") != 0 && std::strcmp(name, "..") != 0) names.push_back(name);
            at += reclen;
        }
    }
    (void)fs.close(s, *fd);
    std::sort(names.begin(), names.end());
    return names;
}

// Everything in the tree but /jail's subtree (and /jail's own inode, which
// the session may change as its root), by path.
using Snapshot = std::map<std::string, NodeState>;

void snapshot_node(core::FileSystem& fs, core::Session& s, const std::string& path, Snapshot& out) {
    struct stat st {};
    if (!fs.fstatat(s, AT_FDCWD, path.c_str(), st, AT_SYMLINK_NOFOLLOW))
        violation("the snapshot cannot stat a node");
    NodeState state{st.st_ino, st.st_mode, st.st_nlink, st.st_size, st.st_uid,
                    st.st_gid, st.st_mtim, st.st_ctim,  {}};
    if (S_ISDIR(st.st_mode)) {
        for (const auto& name : entries(fs, s, path)) {
            state.content += name + '\n';
            std::string child = (path == "/" ? "" : path) + "/" + name;
            if (child != "/jail") snapshot_node(fs, s, child, out);
        }
    } else if (S_ISLNK(st.st_mode)) {
        std::array<char, 4096> target;
        auto n = fs.readlinkat(s, AT_FDCWD, path.c_str(), target);
        if (!n) violation("the snapshot cannot read a symlink");
        state.content.assign(target.data(), *n);
    } else if (S_ISREG(st.st_mode)) {
        auto fd = fs.openat(s, AT_FDCWD, path.c_str(), O_RDONLY, 0);
        if (!fd) violation("the snapshot cannot open a file");
        std::array<char, 4096> data;
        iovec v{data.data(), data.size()};
        auto n = fs.read(s, *fd, {&v, 1}, 0);
        if (!n) violation("the snapshot cannot read a file");
        state.content.assign(data.data(), *n);
        (void)fs.close(s, *fd);
    }
    out.emplace(path, state);
}

Snapshot snapshot(core::FileSystem& fs, core::Session& root) {
    Snapshot out;
    snapshot_node(fs, root, "/", out);
    return out;
}

void make_file(core::FileSystem& fs, core::Session& s, const char* path, const char* text) {
    auto fd = fs.openat(s, AT_FDCWD, path, O_CREAT | O_WRONLY, 0644);
    if (!fd) violation("cannot build the tree");
    iovec v{const_cast<char*>(text), std::strlen(text)};
    (void)fs.write(s, *fd, {&v, 1}, std::nullopt);
    (void)fs.close(s, *fd);
}

void build_tree(core::FileSystem& fs, core::Session& s) {
    for (const char* dir :
         {"/outside", "/outside/sub", "/jail2", "/jail", "/jail/d", "/jail/d/f"}) {
        if (!fs.mkdirat(s, AT_FDCWD, dir, 0755)) violation("cannot build the tree");
    }
    make_file(fs, s, "/outside/secret", "secret");
    make_file(fs, s, "/jail2/f", "next door");
    make_file(fs, s, "/jail/a", "aaaa");
    make_file(fs, s, "/jail/d/e", "eeee");
    const std::pair<const char*, const char*> links[] = {{"../outside", "/jail/up"},
                                                         {"/outside", "/jail/abs"},
                                                         {"../../outside/secret", "/jail/d/back"},
                                                         {"..", "/jail/dotdot"},
                                                         {"../../../../..", "/jail/d/deep"},
                                                         {"/", "/jail/root"},
                                                         {"loop", "/jail/loop"},
                                                         {"../jail2/f", "/jail/sibling"}};
    for (auto [target, path] : links) {
        if (!fs.symlinkat(s, target, AT_FDCWD, path)) violation("cannot build the tree");
    }
}

constexpr std::array<int, 12> kOpenFlags = {O_RDONLY,
                                            O_WRONLY | O_CREAT,
                                            O_RDWR | O_CREAT | O_EXCL,
                                            O_RDONLY | O_DIRECTORY,
                                            O_PATH,
                                            O_PATH | O_NOFOLLOW,
                                            O_WRONLY | O_TRUNC,
                                            O_RDWR | O_CREAT | O_TRUNC,
                                            O_RDONLY | O_NOFOLLOW,
                                            O_WRONLY | O_APPEND | O_CREAT,
                                            O_RDWR,
                                            O_PATH | O_DIRECTORY};

class Program {
  public:
    Program(core::FileSystem& fs, core::Session& s, std::set<ino_t> outside)
        : fs_(fs), s_(s), outside_(std::move(outside)) {}

    void run(Reader in) {
        for (int calls = 0; calls < kMaxCalls && !in.done(); ++calls)
            run_one(in);
        for (int fd : fds_)
            (void)fs_.close(s_, fd);
    }

  private:
    int dirfd(Reader& in) {
        std::uint8_t b = in.byte();
        if (fds_.empty() || b % (fds_.size() + 1) == 0) return AT_FDCWD;
        return fds_[b % (fds_.size() + 1) - 1];
    }
    int any_fd(Reader& in) {
        if (fds_.empty()) return 1000;  // EBADF
        return fds_[in.byte() % fds_.size()];
    }
    void check(const struct stat& st, const char* call) {
        if (outside_.contains(st.st_ino)) {
            std::string what = std::string(call) + " named a node outside the session root";
            violation(what.c_str());
        }
    }
    void check_fd(int fd, const char* call) {
        struct stat st {};
        if (!fs_.fstatat(s_, fd, "", st, AT_EMPTY_PATH)) violation("fstat of a new fd failed");
        check(st, call);
    }

    void run_one(Reader& in) {
        switch (in.byte() % 16) {
            case 0: {
                int d = dirfd(in);
                std::string p = read_path(in);
                int flags = (in.byte() & 1) ? AT_SYMLINK_NOFOLLOW : 0;
                struct stat st {};
                if (fs_.fstatat(s_, d, p.c_str(), st, flags)) check(st, "fstatat");
                break;
            }
            case 1: {
                int d = dirfd(in);
                std::string p = read_path(in);
                int flags = kOpenFlags[in.byte() % kOpenFlags.size()];
                auto fd = fs_.openat(s_, d, p.c_str(), flags, 0644);
                if (!fd) break;
                check_fd(*fd, "openat");
                if (fds_.size() < kMaxFds) {
                    fds_.push_back(*fd);
                } else {
                    (void)fs_.close(s_, *fd);
                }
                break;
            }
            case 2: {
                int d = dirfd(in);
                (void)fs_.mkdirat(s_, d, read_path(in).c_str(), 0755);
                break;
            }
            case 3: {
                int d1 = dirfd(in);
                std::string p1 = read_path(in);
                int d2 = dirfd(in);
                std::string p2 = read_path(in);
                static constexpr unsigned kFlags[] = {0, RENAME_NOREPLACE, RENAME_EXCHANGE};
                (void)fs_.renameat2(s_, d1, p1.c_str(), d2, p2.c_str(), kFlags[in.byte() % 3]);
                break;
            }
            case 4: {
                int d1 = dirfd(in);
                std::string p1 = read_path(in);
                int d2 = dirfd(in);
                std::string p2 = read_path(in);
                static constexpr int kFlags[] = {0, AT_SYMLINK_FOLLOW, AT_EMPTY_PATH};
                (void)fs_.linkat(s_, d1, p1.c_str(), d2, p2.c_str(), kFlags[in.byte() % 3]);
                break;
            }
            case 5: {
                std::string target = read_path(in);
                int d = dirfd(in);
                (void)fs_.symlinkat(s_, target.c_str(), d, read_path(in).c_str());
                break;
            }
            case 6: {
                int d = dirfd(in);
                std::string p = read_path(in);
                (void)fs_.unlinkat(s_, d, p.c_str(), (in.byte() & 1) ? AT_REMOVEDIR : 0);
                break;
            }
            case 7:
                (void)fs_.chdir(s_, read_path(in).c_str());
                break;
            case 8:
                (void)fs_.fchdir(s_, any_fd(in));
                break;
            case 9: {
                int d = dirfd(in);
                std::array<char, 256> buffer;
                (void)fs_.readlinkat(s_, d, read_path(in).c_str(), buffer);
                break;
            }
            case 10:
                (void)fs_.truncate(s_, read_path(in).c_str(), in.byte());
                break;
            case 11: {
                int d = dirfd(in);
                std::string p = read_path(in);
                (void)fs_.fchmodat(s_, d, p.c_str(), 0600 | (in.byte() & 077), 0);
                break;
            }
            case 12: {
                struct stat st {};
                if (fs_.fstatat(s_, any_fd(in), "", st, AT_EMPTY_PATH)) check(st, "fstat");
                break;
            }
            case 13: {
                if (fds_.empty()) break;
                std::size_t i = in.byte() % fds_.size();
                (void)fs_.close(s_, fds_[i]);
                fds_.erase(fds_.begin() + static_cast<std::ptrdiff_t>(i));
                break;
            }
            case 14: {
                auto cwd = fs_.getcwd(s_);
                if (cwd && (cwd->empty() || cwd->front() != '/')) violation("getcwd not absolute");
                // "..." from the cwd must stay in the root: the root's ".."
                // is the root itself.
                struct stat st {};
                if (fs_.fstatat(s_, AT_FDCWD, "../../../..", st, 0)) check(st, "fstatat ..");
                break;
            }
            case 15: {
                int fd = any_fd(in);
                static const char text[] = "scribble";
                iovec v{const_cast<char*>(text), sizeof text - 1};
                (void)fs_.write(s_, fd, {&v, 1}, in.byte());
                break;
            }
        }
    }

    core::FileSystem& fs_;
    core::Session& s_;
    std::set<ino_t> outside_;
    std::vector<int> fds_;
};

}  // namespace

int fuzz_paths(const std::uint8_t* data, std::size_t size) {
    core::FileSystem fs(kLimits);
    auto root = fs.open_session(core::SessionSpec{});
    if (!root) violation("cannot open a root session");
    build_tree(fs, **root);
    Snapshot before = snapshot(fs, **root);
    std::set<ino_t> outside;
    for (const auto& [path, state] : before)
        outside.insert(state.ino);

    auto jailed = fs.open_session(core::SessionSpec{});
    if (!jailed) violation("cannot open a session");
    if (!fs.narrow_root(**jailed, "/jail")) violation("cannot narrow the session to /jail");
    Program(fs, **jailed, std::move(outside)).run(Reader{data, size});
    fs.close_session(std::move(*jailed));

    Snapshot after = snapshot(fs, **root);
    if (after != before) {
        for (const auto& [path, state] : before) {
            auto it = after.find(path);
            if (it == after.end() || !(it->second == state))
                std::fprintf(stderr, "fuzz: changed outside the root: %s\n", path.c_str());
        }
        for (const auto& [path, state] : after) {
            if (!before.contains(path))
                std::fprintf(stderr, "fuzz: created outside the root: %s\n", path.c_str());
        }
        violation("a session narrowed to /jail changed the tree outside it");
    }
    fs.close_session(std::move(*root));
    return 0;
}

}  // namespace imfs::fuzz
