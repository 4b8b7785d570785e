// Snapshots: the whole tree written to a host file as a tar archive, which
// a config's <tar path="FILE"/> at the top of <content> loads back into the
// same tree (imfsd --snapshot, SIGTERM, `imfs snapshot`).
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>

#include "core/file_system.hpp"

namespace imfs::config {

// What one snapshot held, for the log.
struct SnapshotReport {
    std::uint64_t directories = 0;  // the root included
    std::uint64_t files = 0;        // regular files, each inode once
    std::uint64_t symlinks = 0;
    std::uint64_t special = 0;     // fifos and device nodes
    std::uint64_t hard_links = 0;  // names after an inode's first
    std::uint64_t sockets = 0;     // left out: tar has no socket entry
    std::uint64_t data_bytes = 0;  // bytes of file data stored (holes are not)
    std::uint64_t archive_bytes = 0;
    std::chrono::nanoseconds elapsed{};

    // "wrote 3 directories, 5 files, 1 symlinks, 2 special, 1 hard links,
    // 4.0 KiB of data (a 12.5 KiB archive) in 0.002 s"
    std::string to_string() const;
};

struct SnapshotError {
    int error;            // an errno for the wire (EIO where none applies)
    std::string message;  // what failed, for the log
};

// Writes every node reachable from fs's root to file as a POSIX pax
// archive: the root as "./", then each node depth first in directory
// order, with its mode, numeric owner, atime and mtime to the nanosecond
// (and ctime, which a load cannot restore), symlink targets, device
// numbers; a second name of an inode as a hard-link entry; a file with
// holes as a GNU sparse (1.0) entry holding its data extents only. Names
// are stored as bytes. Sockets are left out (tar has no entry for them).
//
// Atomic: the archive goes to a new FILE.tmp-XXXXXX in file's directory,
// which is synced, renamed over file, and the directory synced; on any
// error it is removed and file is left as it was. The tree is walked under
// its shared lock (core::FileSystem::walk): one point in time, with calls
// that change the tree waiting meanwhile. Snapshots may run concurrently;
// the last rename wins.
[[nodiscard]] std::expected<SnapshotReport, SnapshotError> write_snapshot(core::FileSystem& fs,
                                                                          const std::string& file);

// Whether write_snapshot(fs, file) could put its archive at file: not a
// directory, a temporary file can be made beside it (permissions, name
// length), and a file already there may be replaced. For a check at
// start-up, so that a snapshot is refused then rather than lost at exit.
// file must be absolute.
[[nodiscard]] std::expected<void, SnapshotError> check_snapshot_file(const std::string& file);

}  // namespace imfs::config
