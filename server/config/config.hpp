// The XML config of imfsd and of embedded mode (imfs_embedded_init): where
// to listen, the limits, what the tree holds at start-up, and the policies.
// See content-examples/README.md for the reference of every element.
//
// Use:
//   load_config(path)          parse and check a file (no tree yet);
//   populate(fs, config)       fill an empty tree, then check policy roots;
//   load_file_system(path)     both, into a new FileSystem (start-up and
//                              --check-config);
//   reload_policies(path, fs)  the policies of a changed file, checked
//                              against the live tree (SIGHUP).
// Nothing here throws; every problem comes back as a Diagnostic.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/diagnostic.hpp"
#include "core/file_system.hpp"
#include "policies/policy_set.hpp"

namespace imfs::config {

// <listen unix="PATH" mode="0600" label="L"/> or <listen tcp="HOST:PORT" label="L"/>.
struct Listener {
    enum class Kind { unix_socket, tcp };
    Kind kind = Kind::unix_socket;
    std::string unix_path;  // absolute: resolved against the config's directory
    mode_t mode = 0600;     // of the socket file
    std::string host;       // an IPv4 literal, or IPv6 without brackets
    std::uint16_t port = 0;
    std::string label;  // empty: clients' labels pass through unchanged
    Location where;
};

// One element of <content>.
struct ContentNode {
    enum class Kind { dir, rom, inline_text, symlink, import_tree, tar };
    Kind kind = Kind::dir;
    // Its name in the tree. Empty for an <import> or <tar> without "as":
    // their contents land in the enclosing directory.
    std::string name;
    std::string host_path;  // rom, import, tar: absolute
    std::string text;       // inline: the data; symlink: the target
    std::optional<mode_t> mode;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<ContentNode> children;  // dir
    Location where;                     // the element
    Location name_where;                // the attribute that gave the name
};

// A policy as written, with where its root attribute stands (to report a
// root that the content does not provide).
struct PolicyNode {
    policies::Policy policy;
    bool is_default = false;
    Location root_where;
};

struct Config {
    std::string file;      // as given to load_config
    std::string base_dir;  // what relative host paths resolve against
    std::vector<Listener> listeners;
    std::optional<std::uint64_t> max_bytes;
    std::optional<std::uint64_t> max_inodes;
    std::vector<ContentNode> content;  // the children of "/"
    std::vector<PolicyNode> policy_nodes;
    policies::PolicySet policies;  // built from policy_nodes

    // The <limits> given, the rest from defaults.
    core::Limits limits(core::Limits defaults = {}) const;
};

struct ParseOptions {
    // Check that rom, import and tar sources exist. A reload does not: it
    // keeps the content it has.
    bool check_sources = true;
};

[[nodiscard]] ConfigResult<Config> load_config(const std::string& path,
                                               const ParseOptions& options = {});
// The same from text in memory; file names the text in diagnostics and
// base_dir resolves relative host paths.
[[nodiscard]] ConfigResult<Config> parse_config(std::string text, const std::string& file,
                                                const std::string& base_dir,
                                                const ParseOptions& options = {});

// What populate did, for the log.
struct LoadReport {
    std::uint64_t directories = 0;
    std::uint64_t files = 0;
    std::uint64_t symlinks = 0;
    std::uint64_t hard_links = 0;
    std::uint64_t bytes = 0;
    std::chrono::nanoseconds elapsed{};

    // "loaded 12 directories, 100000 files, 3 symlinks, 0 hard links,
    // 1.2 MiB in 0.84 s"
    std::string to_string() const;
};

// Fills fs (expected empty but for "/") with config's content, through a
// root session, then checks that every policy root names a directory.
// Problems with a content element (a name taken, a host file unreadable,
// a tar entry with ".." in it, the limits) point at that element.
[[nodiscard]] ConfigResult<LoadReport> populate(core::FileSystem& fs, const Config& config);

// Does every policy root name a directory in fs?
[[nodiscard]] ConfigResult<void> check_policy_roots(core::FileSystem& fs, const Config& config);

// A config loaded into its own file system, ready to serve.
struct LoadedConfig {
    Config config;
    std::shared_ptr<core::FileSystem> fs;
    LoadReport report;
};

// load_config, a FileSystem with its limits (unset ones from
// default_limits), populate. imfsd's start-up, and --check-config (which
// exits 0 on a value, 1 after printing the diagnostics).
// The limits of a tree whose config gives none, as tmpfs sizes itself:
// half of the machine's memory, and Limits' default inode count.
core::Limits machine_default_limits();

[[nodiscard]] ConfigResult<LoadedConfig> load_file_system(const std::string& path,
                                                          core::Limits default_limits = {});

// For SIGHUP: the policies of the file at path, every root checked against
// the live tree. Listeners, limits and content in the new file are parsed
// (a malformed file is refused whole) but not applied.
[[nodiscard]] ConfigResult<policies::PolicySet> reload_policies(const std::string& path,
                                                                core::FileSystem& live);

}  // namespace imfs::config
