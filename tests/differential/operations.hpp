// The operations of the differential test: what one step of a random
// sequence does, how it is drawn, and how it prints as a C call.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace differential {

enum class OpKind {
    open,
    close,
    read,
    write,
    pread,
    pwrite,
    lseek,
    ftruncate,
    truncate,
    fallocate,
    dup,
    rename,
    link,
    unlink,
    mkdir,
    rmdir,
    symlink,
    readlink,
    chmod,
    fchmod,
    stat,
    lstat,
    fstat,
    getdents,
    listdir,
};

// One step. Descriptors are named by the id of the operation that opened
// them (open or dup), never by number: the host's and IMFS's numbers
// differ, and a sequence with steps removed must still mean the same.
struct Op {
    int id = 0;  // position in the sequence as generated
    OpKind kind = OpKind::stat;
    int fd_op = -1;           // the opening op's id; -1: a descriptor never opened
    std::string path, path2;  // path2: rename/link's new name, symlink's target
    int flags = 0;            // open flags, lseek whence, fallocate mode, rename flags
    mode_t mode = 0;
    off_t offset = 0;           // pread/pwrite/lseek/fallocate offset, truncate lengths
    off_t length = 0;           // fallocate length
    std::size_t size = 0;       // bytes to read/write, readlink's buffer
    std::uint32_t pattern = 0;  // what write() writes

    // "pwrite(fd7, buf[pattern 3], 100, 4096)"; fds as fd<opening op id>.
    std::string to_string() const;
};

// "open", "pwrite"...
const char* kind_name(OpKind kind);

// Does this op create a descriptor (on success)?
bool opens_descriptor(OpKind kind);

// Draws random sequences over a small name space (a, b, d, d/e, ...), so
// names collide and calls fail often.
class Generator {
  public:
    explicit Generator(std::uint64_t seed) : rng_(seed) {}
    std::vector<Op> sequence(int length);

  private:
    Op next(int id, const std::vector<int>& opened);
    std::string path();
    std::string target();
    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
    bool chance(int percent) { return pick(100) < percent; }
    off_t offset();
    std::size_t size();

    std::mt19937_64 rng_;
};

// The bytes write() writes for pattern: the same on both sides.
std::string data_of(std::uint32_t pattern, std::size_t size);

}  // namespace differential
