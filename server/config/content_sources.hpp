// The pieces of populate() that read host sources: whole directory trees
// (<import>) and tar archives (<tar>). Internal to the config library.
#pragma once

#include <string>

#include "config/config.hpp"
#include "config/tree_writer.hpp"

namespace imfs::config {

// What one populate() run shares between its pieces.
struct LoadContext {
    TreeWriter& writer;
    LoadReport& report;
    Diagnostics& problems;

    void fail(const ContentNode& node, std::string problem) {
        problems.push_back(Diagnostic{node.where, std::move(problem)});
    }
};

// Copies the host directory node.host_path into the tree directory
// target (named tree_path in messages): files byte for byte, directories,
// symlinks, fifos and device nodes, hard links between imported files;
// with their modes and mtimes, owned by node.uid/node.gid. When
// is_own_dir, target also takes the host directory's mode and mtime.
void import_host_tree(LoadContext& context, const ContentNode& node, int target, bool is_own_dir);

// Unpacks the archive node.host_path into target with libarchive: files,
// directories, symlinks, hard links, device nodes; modes, owners, mtimes.
// An entry that would land outside target ("..", a symlink on its way) is
// refused. When is_own_dir, the archive's "./" entry sets target's own
// attributes; else target is an enclosing directory and keeps its own.
void unpack_tar(LoadContext& context, const ContentNode& node, int target, bool is_own_dir);

}  // namespace imfs::config
