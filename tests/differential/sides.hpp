// The two sides of the differential test: the host kernel in a fresh
// /dev/shm directory, and embedded IMFS in a session narrowed to a fresh
// directory. Both take paths relative to their directory, and run the same
// primitive calls; run_op (differential_main.cpp) builds each operation
// from them once, for both.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <memory>
#include <string>

namespace differential {

// Each call returns what the system call returns, with errno set on -1.
class Side {
  public:
    virtual ~Side() = default;
    virtual int open(const char* path, int flags, mode_t mode) = 0;
    virtual int close(int fd) = 0;
    virtual ssize_t read(int fd, void* buffer, size_t n) = 0;
    virtual ssize_t write(int fd, const void* buffer, size_t n) = 0;
    virtual ssize_t pread(int fd, void* buffer, size_t n, off_t offset) = 0;
    virtual ssize_t pwrite(int fd, const void* buffer, size_t n, off_t offset) = 0;
    virtual off_t lseek(int fd, off_t offset, int whence) = 0;
    virtual int ftruncate(int fd, off_t length) = 0;
    virtual int truncate(const char* path, off_t length) = 0;
    virtual int fallocate(int fd, int mode, off_t offset, off_t length) = 0;
    virtual int dup(int fd) = 0;
    virtual int renameat2(const char* from, const char* to, unsigned flags) = 0;
    virtual int link(const char* from, const char* to) = 0;
    virtual int unlink(const char* path) = 0;
    virtual int mkdir(const char* path, mode_t mode) = 0;
    virtual int rmdir(const char* path) = 0;
    virtual int symlink(const char* target, const char* path) = 0;
    virtual ssize_t readlink(const char* path, char* buffer, size_t n) = 0;
    virtual int chmod(const char* path, mode_t mode) = 0;
    virtual int fchmod(int fd, mode_t mode) = 0;
    virtual int stat(const char* path, struct stat* st) = 0;
    virtual int lstat(const char* path, struct stat* st) = 0;
    virtual int fstat(int fd, struct stat* st) = 0;
    virtual ssize_t getdents64(int fd, void* buffer, size_t n) = 0;
};

// nullptr and a message in error when the side cannot be set up.
std::unique_ptr<Side> make_host_side(std::string& error);
std::unique_ptr<Side> make_imfs_side(std::string& error);

}  // namespace differential
