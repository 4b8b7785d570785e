// Helpers for the config tests: host scratch directories and reading the
// tree back through a root session.
#pragma once

#include <sys/stat.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_system.hpp"
#include "core/result.hpp"

namespace imfs::config::testing {

// A fresh host directory, removed with everything in it at the end.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    std::string operator/(std::string_view name) const { return path_ + "/" + std::string(name); }

  private:
    std::string path_;
};

// Writes data to path (making its parent directories), then sets mode.
void write_host_file(const std::string& path, std::string_view data, mode_t mode = 0644);

// Calls on a tree as root, relative to "/" (or another root).
class TreeReader {
  public:
    explicit TreeReader(core::FileSystem& fs, const std::string& root = "/");
    ~TreeReader();
    TreeReader(const TreeReader&) = delete;
    TreeReader& operator=(const TreeReader&) = delete;

    core::Result<std::string> read(const std::string& path);
    core::Result<struct stat> lstat(const std::string& path);
    core::Result<struct stat> stat(const std::string& path);
    core::Result<std::string> readlink(const std::string& path);
    // Names in the directory, sorted, without "." and "..".
    core::Result<std::vector<std::string>> list(const std::string& path);

  private:
    core::FileSystem& fs_;
    std::unique_ptr<core::Session> session_;
};

}  // namespace imfs::config::testing
