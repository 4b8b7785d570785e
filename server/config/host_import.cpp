#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "config/content_sources.hpp"
#include "config/host_file.hpp"

namespace imfs::config {

namespace {

struct FileKey {
    dev_t device;
    ino_t inode;
    friend bool operator==(const FileKey&, const FileKey&) = default;
};

struct FileKeyHash {
    std::size_t operator()(const FileKey& key) const noexcept {
        return std::hash<std::uint64_t>()(key.inode) ^
               (std::hash<std::uint64_t>()(key.device) << 1);
    }
};

// One <import>: walks the host tree depth first, names sorted so the tree
// (and its readdir order) does not depend on the host's directory order.
class HostImport {
  public:
    HostImport(LoadContext& context, const ContentNode& node, int tree_root)
        : context_(context), node_(node), tree_root_(tree_root) {}

    // Copies the entries of host_dir into tree_dir; relative is tree_dir's
    // path below the import's target ("" for the target itself).
    void copy_entries(int host_dir, int tree_dir, const std::string& relative);

  private:
    void copy_entry(int host_dir, int tree_dir, const std::string& name,
                    const std::string& relative);
    void problem(const std::string& relative, const std::string& what, int error) {
        context_.fail(node_, "<import> '" + node_.host_path + (relative.empty() ? "" : "/") +
                                 relative + "': " + what + std::strerror(error));
    }

    LoadContext& context_;
    const ContentNode& node_;
    int tree_root_;
    std::string data_;  // reused for every file
    // Files seen with more than one link, by host identity: their path
    // below the import's target, to link again rather than copy again.
    std::unordered_map<FileKey, std::string, FileKeyHash> linked_;
};

std::vector<std::string> sorted_names(int dir_fd, int& error) {
    std::vector<std::string> names;
    error = 0;
    int copy = ::dup(dir_fd);  // closedir closes the descriptor it is given
    if (copy < 0) {
        error = errno;
        return names;
    }
    DIR* dir = ::fdopendir(copy);
    if (dir == nullptr) {
        error = errno;
        ::close(copy);
        return names;
    }
    ::rewinddir(dir);
    while (dirent* entry = ::readdir(dir)) {
        if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0) continue;
        names.emplace_back(entry->d_name);
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
}

void HostImport::copy_entries(int host_dir, int tree_dir, const std::string& relative) {
    int error = 0;
    std::vector<std::string> names = sorted_names(host_dir, error);
    if (error != 0) return problem(relative, "cannot list: ", error);
    for (const std::string& name : names)
        copy_entry(host_dir, tree_dir, name, relative);
}

void HostImport::copy_entry(int host_dir, int tree_dir, const std::string& name,
                            const std::string& parent_relative) {
    std::string relative = parent_relative.empty() ? name : parent_relative + '/' + name;
    struct stat st;
    if (::fstatat(host_dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return problem(relative, "", errno);
    }
    TreeWriter& writer = context_.writer;
    LoadReport& report = context_.report;
    mode_t mode = st.st_mode & 07777;
    auto created = [&](core::Result<void> result) {
        if (!result) problem(relative, "cannot create it in the tree: ", result.error().value);
        return bool(result);
    };
    if (S_ISDIR(st.st_mode)) {
        HostFd host(
            ::openat(host_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!host) return problem(relative, "", errno);
        auto made = writer.make_dir(tree_dir, name, mode, node_.uid, node_.gid);
        if (!made) return problem(relative, "cannot create it in the tree: ", made.error().value);
        TreeFd tree(writer, *made);
        ++report.directories;
        copy_entries(host.get(), tree.get(), relative);
        // Last: every entry added above moved the directory's mtime.
        (void)created(writer.set_attributes(tree.get(), mode_t(-1), 0, 0, st.st_mtim));
    } else if (S_ISREG(st.st_mode)) {
        if (st.st_nlink > 1) {
            auto [seen, inserted] = linked_.try_emplace(FileKey{st.st_dev, st.st_ino}, relative);
            if (!inserted) {
                if (created(writer.make_link(tree_root_, seen->second, tree_dir, name))) {
                    ++report.hard_links;
                }
                return;
            }
        }
        HostFd host(::openat(host_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!host) return problem(relative, "", errno);
        if (auto read = read_to_end(host.get(), data_); !read) {
            return problem(relative, "", read.error());
        }
        if (created(
                writer.make_file(tree_dir, name, data_, mode, node_.uid, node_.gid, st.st_mtim))) {
            ++report.files;
            report.bytes += data_.size();
        }
    } else if (S_ISLNK(st.st_mode)) {
        std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
        ssize_t length = ::readlinkat(host_dir, name.c_str(), target.data(), target.size());
        if (length < 0) return problem(relative, "", errno);
        target.resize(static_cast<std::size_t>(length));
        if (created(
                writer.make_symlink(tree_dir, name, target, node_.uid, node_.gid, st.st_mtim))) {
            ++report.symlinks;
        }
    } else if (created(writer.make_node(tree_dir, name, st.st_mode, st.st_rdev, node_.uid,
                                        node_.gid, st.st_mtim))) {
        ++report.files;
    }
}

}  // namespace

void import_host_tree(LoadContext& context, const ContentNode& node, int target, bool is_own_dir) {
    HostFd host(::open(node.host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    struct stat st;
    if (!host || ::fstat(host.get(), &st) != 0) {
        context.fail(node, "<import> source '" + node.host_path + "': " + std::strerror(errno));
        return;
    }
    HostImport(context, node, target).copy_entries(host.get(), target, "");
    if (!is_own_dir) return;
    if (auto set = context.writer.set_attributes(target, st.st_mode & 07777, node.uid, node.gid,
                                                 st.st_mtim);
        !set) {
        context.fail(node, "<import> '" + node.host_path +
                               "': cannot set its attributes: " + std::strerror(set.error().value));
    }
}

}  // namespace imfs::config
