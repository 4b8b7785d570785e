#include "mount_options.hpp"

#include <getopt.h>

#include <charconv>
#include <cstdlib>

namespace imfs::fuse {

namespace {

enum LongOnly : int { kLabel = 256, kReadOnly, kConfig, kTimeout, kThreads };

bool parse_number(const char* text, double& value) {
    char* end = nullptr;
    value = std::strtod(text, &end);
    return end != text && *end == '\0' && value >= 0.0;
}

}  // namespace

std::string mount_usage(const char* program) {
    return std::string("usage: ") + program +
           " ENDPOINT MOUNTPOINT [options]\n"
           "\n"
           "Mounts one IMFS session at MOUNTPOINT. ENDPOINT is \"mem:\" (an embedded\n"
           "tree in this process), \"unix:PATH\" or \"tcp:HOST:PORT\" (an imfsd server).\n"
           "\n"
           "  --label L       the label the session asks for (default imfs-fuse)\n"
           "  --read-only     ask for a read-only session and mount read-only\n"
           "  --config FILE   mem: only: fill the embedded tree from FILE\n"
           "  --timeout SECS  how long the kernel may cache names and attributes\n"
           "                  (default 0: other sessions' changes show at once)\n"
           "  --threads N     at most N FUSE worker threads (default 10)\n"
           "  -f              stay in the foreground\n"
           "  -s              serve with one thread\n"
           "  -d              debug: print every FUSE request (implies -f)\n"
           "  -o OPTIONS      FUSE mount options (allow_other, default_permissions...)\n"
           "  -h, --help      this text\n"
           "\n"
           "Unmount with fusermount3 -u MOUNTPOINT, or SIGINT/SIGTERM.\n";
}

std::expected<MountOptions, std::string> parse_mount_options(int argc, char** argv) {
    static const option long_options[] = {
        {"label", required_argument, nullptr, kLabel},
        {"read-only", no_argument, nullptr, kReadOnly},
        {"config", required_argument, nullptr, kConfig},
        {"timeout", required_argument, nullptr, kTimeout},
        {"threads", required_argument, nullptr, kThreads},
        {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0},
    };
    MountOptions options;
    optind = 1;
    opterr = 0;
    for (;;) {
        const int c = getopt_long(argc, argv, "fsdho:", long_options, nullptr);
        if (c == -1) break;
        switch (c) {
            case kLabel:
                options.label = optarg;
                break;
            case kReadOnly:
                options.read_only = true;
                break;
            case kConfig:
                options.config = optarg;
                break;
            case kTimeout:
                if (!parse_number(optarg, options.timeout)) {
                    return std::unexpected("--timeout wants seconds, not '" + std::string(optarg) +
                                           "'");
                }
                break;
            case kThreads: {
                const std::string_view text(optarg);
                auto [end, error] =
                    std::from_chars(text.data(), text.data() + text.size(), options.max_threads);
                if (error != std::errc() || end != text.data() + text.size() ||
                    options.max_threads == 0) {
                    return std::unexpected("--threads wants a positive number, not '" +
                                           std::string(text) + "'");
                }
                break;
            }
            case 'f':
                options.foreground = true;
                break;
            case 's':
                options.single_thread = true;
                break;
            case 'd':
                options.debug = true;
                options.foreground = true;
                break;
            case 'o':
                options.fuse_options.emplace_back(optarg);
                break;
            case 'h':
                options.help = true;
                return options;
            default:
                return std::unexpected("unknown or incomplete option '" +
                                       std::string(argv[optind - 1]) + "'");
        }
    }
    const int positional = argc - optind;
    if (positional != 2) {
        return std::unexpected(positional < 2 ? "missing ENDPOINT or MOUNTPOINT"
                                              : "too many arguments");
    }
    options.endpoint = argv[optind];
    options.mountpoint = argv[optind + 1];
    if (!options.config.empty() && options.endpoint != "mem:") {
        return std::unexpected("--config is for the mem: endpoint; imfsd reads its own config");
    }
    return options;
}

}  // namespace imfs::fuse
