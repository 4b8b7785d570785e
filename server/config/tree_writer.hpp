// Builds the start-up tree through the core's own calls, as root, so the
// content passes the same checks and limits as any client's writes.
#pragma once

#include <sys/types.h>
#include <time.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/file_system.hpp"
#include "core/result.hpp"

namespace imfs::config {

// Names work one component at a time, relative to directory descriptors of
// the writer's session, so a tree of any size costs one short lookup per
// node (no path is walked from "/" again and again).
class TreeWriter {
  public:
    // A root session on fs: root "/", writeable, uid 0, umask 0 (modes are
    // taken exactly as given).
    [[nodiscard]] static core::Result<TreeWriter> open(core::FileSystem& fs);
    ~TreeWriter();
    TreeWriter(TreeWriter&& other) noexcept;
    TreeWriter& operator=(TreeWriter&&) = delete;
    TreeWriter(const TreeWriter&) = delete;
    TreeWriter& operator=(const TreeWriter&) = delete;

    // A descriptor for "/".
    [[nodiscard]] core::Result<int> open_root();
    // An existing directory name in parent, not following a symlink there.
    [[nodiscard]] core::Result<int> open_dir(int parent, std::string_view name);
    // A new directory; answers a descriptor for it.
    [[nodiscard]] core::Result<int> make_dir(int parent, std::string_view name, mode_t mode,
                                             uid_t uid, gid_t gid);
    [[nodiscard]] core::Result<void> make_file(int parent, std::string_view name,
                                               std::string_view data, mode_t mode, uid_t uid,
                                               gid_t gid,
                                               std::optional<timespec> mtime = std::nullopt);
    [[nodiscard]] core::Result<void> make_symlink(int parent, std::string_view name,
                                                  std::string_view target, uid_t uid, gid_t gid,
                                                  std::optional<timespec> mtime = std::nullopt);
    // A fifo, socket or device node (mode carries the type).
    [[nodiscard]] core::Result<void> make_node(int parent, std::string_view name, mode_t mode,
                                               dev_t device, uid_t uid, gid_t gid,
                                               std::optional<timespec> mtime = std::nullopt);
    // A hard link name in parent to the node the single name existing
    // names in existing_parent.
    [[nodiscard]] core::Result<void> make_link(int existing_parent, std::string_view existing,
                                               int parent, std::string_view name);
    // Owner, then mode, then times of the node fd names (a directory once
    // its entries are in: adding them moves its mtime).
    [[nodiscard]] core::Result<void> set_attributes(int fd, mode_t mode, uid_t uid, gid_t gid,
                                                    std::optional<timespec> mtime);
    void close(int fd);

    core::FileSystem& fs() { return *fs_; }
    core::Session& session() { return *session_; }

  private:
    TreeWriter(core::FileSystem& fs, std::unique_ptr<core::Session> session)
        : fs_(&fs), session_(std::move(session)) {}
    // A NUL-terminated copy of name for the core's calls.
    const char* c_name(std::string_view name);

    core::FileSystem* fs_;
    std::unique_ptr<core::Session> session_;
    std::string name_buffer_;
};

// Closes a TreeWriter descriptor when it goes out of scope.
class TreeFd {
  public:
    TreeFd(TreeWriter& writer, int fd) noexcept : writer_(&writer), fd_(fd) {}
    ~TreeFd() {
        if (fd_ >= 0) writer_->close(fd_);
    }
    TreeFd(const TreeFd&) = delete;
    TreeFd& operator=(const TreeFd&) = delete;
    int get() const noexcept { return fd_; }

  private:
    TreeWriter* writer_;
    int fd_;
};

}  // namespace imfs::config
