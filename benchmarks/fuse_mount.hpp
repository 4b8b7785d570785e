// The imfs-fuse mount of an imfs_bench --fuse run: an embedded tree mounted on a fresh
// directory by the imfs-fuse that CMake built, unmounted when the object goes.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "ratio_table.hpp"
#include "workload_support.hpp"

namespace imfs_bench {

class FuseMount {
  public:
    // nullptr with error set when imfs-fuse is not built or the mount does not appear
    // within 10 s.
    static std::unique_ptr<FuseMount> start(std::string& error);
    FuseMount(std::string dir, pid_t pid) : dir_(std::move(dir)), pid_(pid) {}
    ~FuseMount();
    FuseMount(const FuseMount&) = delete;
    FuseMount& operator=(const FuseMount&) = delete;

    const std::string& dir() const { return dir_; }

  private:
    std::string dir_;
    pid_t pid_;
};

// The ratio table of host tmpfs against the mount, with issue 5's targets (0.5x for 1 MiB
// sequential data, 0.3x for metadata).
Summary fuse_summary(const Sizes& sizes);
// Removes flag from argv; true if it was there.
bool take_flag(int* argc, char** argv, std::string_view flag);

}  // namespace imfs_bench
