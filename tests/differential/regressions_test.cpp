// The shortest sequences on which IMFS and the host kernel once diverged
// (found by imfs_differential), replayed on both: each must agree call by
// call. The comment on each says which side was wrong and why.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/falloc.h>
#include <linux/fs.h>

#include <vector>

#include "runner.hpp"

namespace differential {
namespace {

// Small builders so a sequence reads like the C calls it stands for.
Op make(OpKind kind) {
    Op op;
    op.kind = kind;
    return op;
}
Op open_(int id, const char* path, int flags, mode_t mode) {
    Op op = make(OpKind::open);
    op.id = id;
    op.path = path;
    op.flags = flags;
    op.mode = mode;
    return op;
}
Op on_fd(OpKind kind, int fd_op) {
    Op op = make(kind);
    op.fd_op = fd_op;
    return op;
}
Op at_path(OpKind kind, const char* path) {
    Op op = make(kind);
    op.path = path;
    return op;
}

void expect_agreement(std::vector<Op> ops) {
    for (std::size_t i = 0; i < ops.size(); ++i) {
        if (ops[i].id == 0 && !opens_descriptor(ops[i].kind))
            ops[i].id = 1000 + static_cast<int>(i);
    }
    auto divergence = run_sequence(ops);
    if (divergence) {
        print_sequence(ops);
        ADD_FAILURE() << "call " << divergence->index << ": " << ops[divergence->index].to_string()
                      << "\n  host: " << divergence->host.to_string()
                      << "\n  IMFS: " << divergence->imfs.to_string();
    }
}

// open(2) on a path whose last component is "." with O_CREAT|O_EXCL: Linux
// (since the 5.7 rework of do_open) checks O_EXCL before "is a directory":
// EEXIST. IMFS answered EISDIR. IMFS is wrong.
TEST(DifferentialRegressions, OpenDotWithCreateExclusiveIsEexist) {
    Op mkdir = at_path(OpKind::mkdir, "b");
    mkdir.mode = 0755;
    expect_agreement({mkdir, open_(1, "b/.", O_RDONLY | O_CREAT | O_EXCL, 0600)});
}

// readlink(2) with bufsiz 0: readlinkat checks the size first (EINVAL),
// before the path walk. IMFS walked first (ENOENT, ENOTDIR, ELOOP). IMFS is
// wrong.
TEST(DifferentialRegressions, ReadlinkWithEmptyBufferIsEinvalFirst) {
    Op readlink = at_path(OpKind::readlink, "missing/name");
    readlink.size = 0;
    expect_agreement({readlink});
}

// fallocate(2) on an O_PATH descriptor: fdget() refuses O_PATH files, so
// EBADF comes before vfs_fallocate's argument checks (EINVAL for len <= 0,
// EOPNOTSUPP for PUNCH_HOLE without KEEP_SIZE). IMFS checked the
// arguments first. IMFS is wrong.
TEST(DifferentialRegressions, FallocateOnOpathIsEbadfFirst) {
    Op bad_length = on_fd(OpKind::fallocate, 1);
    bad_length.flags = FALLOC_FL_KEEP_SIZE;
    bad_length.offset = 264;
    bad_length.length = -1;
    Op bad_mode = on_fd(OpKind::fallocate, 1);
    bad_mode.flags = FALLOC_FL_PUNCH_HOLE;
    bad_mode.offset = 0;
    bad_mode.length = 1;
    expect_agreement(
        {open_(0, "a", O_RDWR | O_CREAT, 0600), open_(1, "a", O_PATH, 0), bad_length, bad_mode});
}

// renameat2(RENAME_EXCHANGE) with a trailing slash on a name that is not a
// directory: do_renameat2 gives ENOTDIR for either side ("l/" here, where l
// is a file). IMFS exchanged them. IMFS is wrong.
TEST(DifferentialRegressions, ExchangeWithTrailingSlashOnAFileIsEnotdir) {
    Op mkdir = at_path(OpKind::mkdir, "e");
    mkdir.mode = 0755;
    Op exchange = at_path(OpKind::rename, "l/");
    exchange.path2 = "e";
    exchange.flags = RENAME_EXCHANGE;
    Op exchange_new = at_path(OpKind::rename, "e");
    exchange_new.path2 = "l/";
    exchange_new.flags = RENAME_EXCHANGE;
    expect_agreement({mkdir, open_(0, "l", O_RDONLY | O_CREAT, 0644), exchange, exchange_new});
}

// write(2) of 0 bytes on an O_APPEND descriptor: generic_write_checks
// returns before it moves the position to the end of file, so the offset
// stays where it was. IMFS moved it to the end. IMFS is wrong.
TEST(DifferentialRegressions, EmptyAppendWriteLeavesTheOffset) {
    Op pwrite = on_fd(OpKind::pwrite, 0);
    pwrite.size = 474;
    pwrite.offset = 0;
    Op empty = on_fd(OpKind::write, 1);
    empty.size = 0;
    Op seek = on_fd(OpKind::lseek, 1);
    seek.offset = 0;
    seek.flags = SEEK_CUR;
    expect_agreement({open_(0, "b", O_WRONLY | O_CREAT, 0644), pwrite,
                      open_(1, "b", O_RDWR | O_APPEND, 0), empty, seek});
}

// getdents64 lists the entries present when it runs: a name created after
// the directory was opened, before the first getdents64, is listed by
// Linux. IMFS listed only the names present at open. POSIX leaves names
// added after opendir/rewinddir unspecified, but the design promises
// Linux's answers. IMFS differs.
TEST(DifferentialRegressions, GetdentsListsNamesAddedAfterOpen) {
    Op mkdir = at_path(OpKind::mkdir, "a");
    mkdir.mode = 0755;
    expect_agreement({mkdir, open_(0, "a", O_RDONLY | O_DIRECTORY, 0),
                      open_(1, "a/d", O_RDWR | O_CREAT, 0644), on_fd(OpKind::getdents, 0)});
}

// SEEK_DATA in a range fallocate() allocated but nothing wrote: tmpfs
// counts allocated pages as data (they are in the page cache); IMFS
// treated them as a hole (ENXIO). IMFS differs from tmpfs.
TEST(DifferentialRegressions, FallocatedRangeIsDataForSeekData) {
    Op keep = on_fd(OpKind::fallocate, 0);
    keep.flags = FALLOC_FL_KEEP_SIZE;
    keep.offset = 0;
    keep.length = 6355;
    Op grow = on_fd(OpKind::fallocate, 0);
    grow.flags = 0;
    grow.offset = 1;
    grow.length = 7323;
    Op seek = on_fd(OpKind::lseek, 0);
    seek.offset = 3090;
    seek.flags = SEEK_DATA;
    expect_agreement({open_(0, "l", O_WRONLY | O_CREAT, 0644), keep, grow, seek});
}

}  // namespace
}  // namespace differential
