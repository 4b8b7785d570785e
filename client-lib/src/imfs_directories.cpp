// The C API: directory streams, the working directory, host files.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "api_support.hpp"
#include "config/host_file.hpp"
#include "imfs/imfs.h"

using imfs::client::finish;
using imfs::client::on_session;
namespace core = imfs::core;
using imfs::client::SessionBackend;

// A directory stream: a descriptor and a buffer of getdents64 records.
struct imfs_dir {
    int session;
    int fd;
    std::array<std::byte, 32768> buffer;
    std::size_t position = 0;
    std::size_t end = 0;
    struct dirent current;
};

using imfs::config::HostFd;

namespace {

IMFS_DIR* open_stream(int session, int fd) {
    if (fd < 0) return nullptr;
    auto dir = std::make_unique<imfs_dir>();
    dir->session = session;
    dir->fd = fd;
    return dir.release();  // owned by the caller until imfs_closedir
}

// Creates every missing directory above path (as mkdir -p would).
int make_parents(int session, const std::string& path) {
    for (std::size_t slash = path.find('/', 1); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
        std::string prefix = path.substr(0, slash);
        if (imfs_mkdir(session, prefix.c_str(), 0755) != 0 && errno != EEXIST) return -1;
    }
    return 0;
}

// Copies everything from read_some to write_all until read_some returns 0.
template <typename Read, typename Write>
int copy_stream(Read&& read_some, Write&& write_all) {
    std::vector<char> chunk(1 << 20);
    while (true) {
        ssize_t got = read_some(chunk.data(), chunk.size());
        if (got < 0) return -1;
        if (got == 0) return 0;
        for (ssize_t done = 0; done < got;) {
            ssize_t wrote = write_all(chunk.data() + done, static_cast<std::size_t>(got - done));
            if (wrote < 0) return -1;
            done += wrote;
        }
    }
}

}  // namespace

extern "C" {

ssize_t imfs_getdents64(int session, int fd, void* dirp, size_t count) {
    if (dirp == nullptr && count > 0) {
        errno = EFAULT;
        return -1;
    }
    auto* bytes = static_cast<std::byte*>(dirp);
    return finish(on_session(session, [&](SessionBackend& backend) {
        return backend.getdents64(fd, std::span<std::byte>(bytes, count));
    }));
}

IMFS_DIR* imfs_opendir(int session, const char* path) {
    int fd = imfs_open(session, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return open_stream(session, fd);
}

IMFS_DIR* imfs_fdopendir(int session, int fd) {
    struct stat st;
    if (imfs_fstat(session, fd, &st) != 0) return nullptr;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return nullptr;
    }
    int flags = imfs_fcntl(session, fd, F_GETFL);
    if (flags < 0) return nullptr;
    if ((flags & O_PATH) || (flags & O_ACCMODE) == O_WRONLY) {
        errno = EBADF;
        return nullptr;
    }
    return open_stream(session, fd);
}

struct dirent* imfs_readdir(IMFS_DIR* dir) {
    if (dir == nullptr) {
        errno = EBADF;
        return nullptr;
    }
    if (dir->position >= dir->end) {
        ssize_t got =
            imfs_getdents64(dir->session, dir->fd, dir->buffer.data(), dir->buffer.size());
        if (got <= 0) return nullptr;  // 0: the end, errno unchanged
        dir->position = 0;
        dir->end = static_cast<std::size_t>(got);
    }
    const std::byte* record = dir->buffer.data() + dir->position;
    imfs_dirent64 header;
    std::memcpy(&header, record, sizeof header);
    // A record that does not fit what was read (a broken server) ends the
    // stream rather than looping or reading past the buffer.
    std::size_t left = dir->end - dir->position;
    if (header.d_reclen <= offsetof(imfs_dirent64, d_name) || header.d_reclen > left) {
        errno = EIO;
        dir->position = dir->end;
        return nullptr;
    }
    dirent& out = dir->current;
    out.d_ino = header.d_ino;
    out.d_off = header.d_off;
    out.d_type = header.d_type;
    const char* name = reinterpret_cast<const char*>(record) + offsetof(imfs_dirent64, d_name);
    std::size_t length = strnlen(
        name, std::min(sizeof out.d_name - 1, header.d_reclen - offsetof(imfs_dirent64, d_name)));
    std::memcpy(out.d_name, name, length);
    out.d_name[length] = '\0';
    out.d_reclen = sizeof out;
    dir->position += header.d_reclen;
    return &out;
}

void imfs_rewinddir(IMFS_DIR* dir) {
    if (dir == nullptr) return;
    imfs_lseek(dir->session, dir->fd, 0, SEEK_SET);
    dir->position = dir->end = 0;
}

int imfs_closedir(IMFS_DIR* dir) {
    if (dir == nullptr) {
        errno = EBADF;
        return -1;
    }
    std::unique_ptr<imfs_dir> owned(dir);
    return imfs_close(owned->session, owned->fd);
}

int imfs_dirfd(IMFS_DIR* dir) {
    if (dir == nullptr) {
        errno = EINVAL;
        return -1;
    }
    return dir->fd;
}

int imfs_chdir(int session, const char* path) {
    return finish(
        on_session(session, [&](SessionBackend& backend) { return backend.chdir(path); }));
}

int imfs_fchdir(int session, int fd) {
    return finish(on_session(session, [&](SessionBackend& backend) { return backend.fchdir(fd); }));
}

char* imfs_getcwd(int session, char* buf, size_t size) {
    if (buf != nullptr && size == 0) {
        errno = EINVAL;
        return nullptr;
    }
    auto path = on_session(session, [&](SessionBackend& backend) { return backend.getcwd(); });
    if (!path) {
        errno = path.error().value;
        return nullptr;
    }
    // As glibc: a NULL buffer is allocated, of size bytes if size is given.
    std::size_t needed = path->size() + 1;
    if (size != 0 && needed > size) {
        errno = ERANGE;
        return nullptr;
    }
    if (buf == nullptr) {
        buf = static_cast<char*>(std::malloc(size != 0 ? size : needed));
        if (buf == nullptr) {
            errno = ENOMEM;
            return nullptr;
        }
    }
    std::memcpy(buf, path->c_str(), needed);
    return buf;
}

int imfs_load_file(int session, const char* host_path) {
    if (host_path == nullptr) {
        errno = EFAULT;
        return -1;
    }
    HostFd host(::open(host_path, O_RDONLY | O_CLOEXEC));
    if (host.get() < 0) return -1;
    struct stat st;
    if (::fstat(host.get(), &st) != 0) return -1;
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return -1;
    }
    if (make_parents(session, host_path) != 0) return -1;
    int fd = imfs_open(session, host_path, O_WRONLY | O_CREAT | O_TRUNC, st.st_mode & 07777);
    if (fd < 0) return -1;
    int result =
        copy_stream([&](char* b, size_t n) { return ::read(host.get(), b, n); },
                    [&](const char* b, size_t n) { return imfs_write(session, fd, b, n); });
    int saved = errno;
    imfs_close(session, fd);
    errno = saved;
    return result;
}

int imfs_dump_file(int session, const char* path, const char* host_path) {
    if (path == nullptr || host_path == nullptr) {
        errno = EFAULT;
        return -1;
    }
    int fd = imfs_open(session, path, O_RDONLY);
    if (fd < 0) return -1;
    struct stat st {};
    if (imfs_fstat(session, fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) errno = EISDIR;
        int saved = errno;
        imfs_close(session, fd);
        errno = saved;
        return -1;
    }
    HostFd host(::open(host_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 0777));
    int result = -1;
    if (host.get() >= 0) {
        result = copy_stream([&](char* b, size_t n) { return imfs_read(session, fd, b, n); },
                             [&](const char* b, size_t n) { return ::write(host.get(), b, n); });
    }
    int saved = errno;
    imfs_close(session, fd);
    errno = saved;
    return result;
}

int imfs_preloads(int session, const char* list) {
    if (list == nullptr) {
        errno = EFAULT;
        return -1;
    }
    std::string_view rest = list;
    while (!rest.empty()) {
        std::size_t colon = rest.find(':');
        std::string name(rest.substr(0, colon));
        if (!name.empty() && imfs_load_file(session, name.c_str()) != 0) return -1;
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
    }
    return 0;
}

}  // extern "C"
