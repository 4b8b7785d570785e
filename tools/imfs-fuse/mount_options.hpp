// The imfs-fuse command line.
#pragma once

#include <expected>
#include <string>
#include <vector>

namespace imfs::fuse {

struct MountOptions {
    std::string endpoint;    // "mem:", "unix:PATH" or "tcp:HOST:PORT"
    std::string mountpoint;  // a directory on the host
    std::string label = "imfs-fuse";
    std::string config;  // mem: only: the embedded tree's config, or empty
    bool read_only = false;
    bool foreground = false;
    bool single_thread = false;
    bool debug = false;
    bool help = false;
    unsigned max_threads = 10;
    // Negative: the default (0 s, see imfs_mount.hpp).
    double timeout = -1.0;
    // Each -o argument, as given; passed to libfuse.
    std::vector<std::string> fuse_options;
};

// Parses argv. The error is a message for stderr (no program name).
[[nodiscard]] std::expected<MountOptions, std::string> parse_mount_options(int argc, char** argv);

// The --help text.
[[nodiscard]] std::string mount_usage(const char* program);

}  // namespace imfs::fuse
