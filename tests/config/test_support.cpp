#include "test_support.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace imfs::config::testing {

TempDir::TempDir() {
    std::string pattern = std::filesystem::temp_directory_path().string() + "/imfs-config-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

void write_host_file(const std::string& path, std::string_view data, mode_t mode) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
    }
    ::chmod(path.c_str(), mode);
}

TreeReader::TreeReader(core::FileSystem& fs, const std::string& root) : fs_(fs) {
    core::SessionSpec spec;
    spec.root = root;
    auto session = fs_.open_session(spec);
    if (!session) std::abort();
    session_ = std::move(*session);
}

TreeReader::~TreeReader() {
    fs_.close_session(std::move(session_));
}

core::Result<std::string> TreeReader::read(const std::string& path) {
    int fd = IMFS_TRY(fs_.openat(*session_, AT_FDCWD, path.c_str(), O_RDONLY, 0));
    std::string data;
    char buffer[65536];
    for (;;) {
        iovec io{buffer, sizeof buffer};
        auto got = fs_.read(*session_, fd, {&io, 1}, std::nullopt);
        if (!got) {
            (void)fs_.close(*session_, fd);
            return std::unexpected(got.error());
        }
        if (*got == 0) break;
        data.append(buffer, *got);
    }
    (void)fs_.close(*session_, fd);
    return data;
}

core::Result<struct stat> TreeReader::lstat(const std::string& path) {
    struct stat st {};
    IMFS_TRY(fs_.fstatat(*session_, AT_FDCWD, path.c_str(), st, AT_SYMLINK_NOFOLLOW));
    return st;
}

core::Result<struct stat> TreeReader::stat(const std::string& path) {
    struct stat st {};
    IMFS_TRY(fs_.fstatat(*session_, AT_FDCWD, path.c_str(), st, 0));
    return st;
}

core::Result<std::string> TreeReader::readlink(const std::string& path) {
    std::string target(4096, '\0');
    std::size_t length = IMFS_TRY(fs_.readlinkat(*session_, AT_FDCWD, path.c_str(), target));
    target.resize(length);
    return target;
}

core::Result<std::vector<std::string>> TreeReader::list(const std::string& path) {
    int fd = IMFS_TRY(fs_.openat(*session_, AT_FDCWD, path.c_str(), O_RDONLY | O_DIRECTORY, 0));
    std::vector<std::string> names;
    std::vector<std::byte> buffer(65536);
    for (;;) {
        auto got = fs_.getdents64(*session_, fd, buffer);
        if (!got) {
            (void)fs_.close(*session_, fd);
            return std::unexpected(got.error());
        }
        if (*got == 0) break;
        std::size_t at = 0;
        while (at < *got) {
            // struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name
            unsigned short reclen;
            std::memcpy(&reclen, buffer.data() + at + 16, sizeof reclen);
            std::string name(reinterpret_cast<const char*>(buffer.data() + at + 19));
            if (name != "." && name != "..") names.push_back(name);
            at += reclen;
        }
    }
    (void)fs_.close(*session_, fd);
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace imfs::config::testing
