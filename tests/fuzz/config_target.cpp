// The config parser on arbitrary text, then populate on what it accepts.
#include <functional>
#include <string>

#include "config/config.hpp"
#include "core/file_system.hpp"
#include "fuzz_targets.hpp"

namespace imfs::fuzz {

namespace {

// populate reads rom, import and tar sources from the host: not with
// arbitrary paths from a fuzzer (/dev/zero, a FIFO...).
bool names_host_files(const std::vector<config::ContentNode>& nodes) {
    for (const auto& node : nodes) {
        if (node.kind == config::ContentNode::Kind::rom ||
            node.kind == config::ContentNode::Kind::import_tree ||
            node.kind == config::ContentNode::Kind::tar)
            return true;
        if (names_host_files(node.children)) return true;
    }
    return false;
}

}  // namespace

int fuzz_config(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    config::ParseOptions options;
    options.check_sources = false;
    auto parsed =
        config::parse_config(std::move(text), "fuzz.xml", "/nonexistent-imfs-fuzz", options);
    if (!parsed) {
        if (parsed.error().empty()) violation("a refused config without a diagnostic");
        for (const auto& diagnostic : parsed.error()) {
            if (diagnostic.problem.empty()) violation("a diagnostic without a problem");
        }
        return 0;
    }
    if (names_host_files(parsed->content)) return 0;
    core::FileSystem fs(parsed->limits(core::Limits{.max_bytes = 16u << 20, .max_inodes = 4096}));
    auto loaded = config::populate(fs, *parsed);
    if (!loaded && loaded.error().empty()) violation("populate failed without a diagnostic");
    return 0;
}

}  // namespace imfs::fuzz
