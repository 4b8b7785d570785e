// Which of atime ("a"), mtime ("m") and ctime ("c") each call changes, on the
// node and on its parent directories. atime follows relatime (as /dev/shm is
// mounted): a read updates it only when it is not newer than mtime or ctime.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <string>

#include "harness.hpp"

namespace conformance {
namespace {

CONFORMANCE_SUITE(Timestamps);

// Records the times of some nodes, waits for the clock to move, then
// reports which changed after an action.
class Snapshot {
  public:
    Snapshot(Backend& be, std::vector<std::string> paths) : be_(be), paths_(std::move(paths)) {
        for (const auto& path : paths_)
            before_.push_back(lstat_of(be_, path.c_str()));
        tick();
    }
    // What changed on paths_[i], as changed_times() says; now_at names the
    // node now if it moved.
    std::string changed(size_t i, const char* now_at = nullptr) const {
        return changed_times(before_[i], lstat_of(be_, now_at ? now_at : paths_[i].c_str()));
    }
    std::string changed(const char* path) const {
        for (size_t i = 0; i < paths_.size(); ++i) {
            if (paths_[i] == path) return changed(i);
        }
        return "<not in snapshot>";
    }

  private:
    Backend& be_;
    std::vector<std::string> paths_;
    std::vector<struct stat> before_;
};

TEST_P(Timestamps, CreateChangesTheParent) {
    auto& b = be();
    ASSERT_OK(b.mkdir("d", 0755));
    ASSERT_OK(b.mkdir("other", 0755));
    Snapshot snap(b, {"d", "other", "."});
    int fd;
    ASSERT_OK(fd = b.open("d/f", O_CREAT | O_WRONLY, 0644));
    EXPECT_OK(b.close(fd));
    EXPECT_EQ(snap.changed("d"), "mc");
    EXPECT_EQ(snap.changed("other"), "");
    EXPECT_EQ(snap.changed("."), "");
    // A new node's three times are equal.
    const struct stat st = lstat_of(b, "d/f");
    EXPECT_EQ(changed_times(st, st), "");
    EXPECT_EQ(st.st_atim.tv_sec, st.st_mtim.tv_sec);
    EXPECT_EQ(st.st_atim.tv_nsec, st.st_mtim.tv_nsec);
    EXPECT_EQ(st.st_ctim.tv_nsec, st.st_mtim.tv_nsec);
}

TEST_P(Timestamps, OpenWithoutCreateOrTruncateChangesNothing) {
    auto& b = be();
    write_file(b, "f", "x");
    Snapshot snap(b, {"f", "."});
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDWR));
    EXPECT_OK(b.close(fd));
    ASSERT_OK(fd = b.open("f", O_CREAT | O_WRONLY, 0644));  // exists: no create
    EXPECT_OK(b.close(fd));
    struct stat st;
    EXPECT_OK(b.stat("f", &st));
    EXPECT_OK(b.access("f", R_OK));
    EXPECT_EQ(snap.changed("f"), "");
    EXPECT_EQ(snap.changed("."), "");
}

TEST_P(Timestamps, WriteAndTruncateChangeMtimeAndCtime) {
    auto& b = be();
    write_file(b, "f", "data");
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDWR));
    {
        Snapshot snap(b, {"f", "."});
        EXPECT_EQ(b.write(fd, "x", 1), 1);
        EXPECT_EQ(snap.changed("f"), "mc");
        EXPECT_EQ(snap.changed("."), "");
    }
    {
        Snapshot snap(b, {"f"});
        EXPECT_EQ(b.write(fd, "x", 0), 0);
        EXPECT_EQ(snap.changed("f"), "");
    }
    {
        Snapshot snap(b, {"f"});
        EXPECT_EQ(b.pwrite(fd, "y", 1, 100), 1);
        EXPECT_EQ(snap.changed("f"), "mc");
    }
    {
        Snapshot snap(b, {"f"});
        EXPECT_OK(b.ftruncate(fd, 2));
        EXPECT_EQ(snap.changed("f"), "mc");
    }
    {
        Snapshot snap(b, {"f"});
        EXPECT_OK(b.truncate("f", 50));
        EXPECT_EQ(snap.changed("f"), "mc");
    }
    {
        // Both update the times even when the size stays.
        Snapshot snap(b, {"f"});
        EXPECT_OK(b.ftruncate(fd, 50));
        EXPECT_EQ(snap.changed("f"), "mc");
    }
    {
        Snapshot snap(b, {"f"});
        EXPECT_OK(b.truncate("f", 50));
        EXPECT_EQ(snap.changed("f"), "mc");
    }
    {
        Snapshot snap(b, {"f"});
        int t;
        ASSERT_OK(t = b.open("f", O_WRONLY | O_TRUNC));
        EXPECT_OK(b.close(t));
        EXPECT_EQ(snap.changed("f"), "mc");
    }
    {
        // O_TRUNC on an empty file still counts as a change.
        Snapshot snap(b, {"f"});
        int t;
        ASSERT_OK(t = b.open("f", O_WRONLY | O_TRUNC));
        EXPECT_OK(b.close(t));
        EXPECT_EQ(snap.changed("f"), "mc");
    }
    EXPECT_OK(b.close(fd));
}

TEST_P(Timestamps, ReadFollowsRelatime) {
    auto& b = be();
    write_file(b, "f", "data");
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDONLY));
    char buf[8];
    {
        Snapshot snap(b, {"f"});
        EXPECT_EQ(b.read(fd, buf, sizeof buf), 4);
        EXPECT_EQ(snap.changed("f"), "a");  // atime was not newer than mtime
    }
    {
        Snapshot snap(b, {"f"});
        EXPECT_EQ(b.pread(fd, buf, sizeof buf, 0), 4);
        EXPECT_EQ(snap.changed("f"), "");  // atime is newer now
    }
    {
        int w;
        ASSERT_OK(w = b.open("f", O_WRONLY));
        EXPECT_EQ(b.write(w, "D", 1), 1);
        EXPECT_OK(b.close(w));
        Snapshot snap(b, {"f"});
        EXPECT_EQ(b.pread(fd, buf, sizeof buf, 0), 4);
        EXPECT_EQ(snap.changed("f"), "a");  // modified since: updated again
    }
    {
        EXPECT_OK(b.chmod("f", 0600));  // a ctime change counts too
        Snapshot snap(b, {"f"});
        EXPECT_EQ(b.pread(fd, buf, sizeof buf, 0), 4);
        EXPECT_EQ(snap.changed("f"), "a");
    }
    EXPECT_OK(b.close(fd));
}

TEST_P(Timestamps, ReaddirAndReadlinkFollowRelatime) {
    auto& b = be();
    ASSERT_OK(b.mkdir("d", 0755));
    write_file(b, "d/f", "x");
    ASSERT_OK(b.symlink("target", "link"));
    {
        Snapshot snap(b, {"d", "link"});
        list_dir(b, "d");
        char buf[16];
        EXPECT_EQ(b.readlink("link", buf, sizeof buf), 6);
        EXPECT_EQ(snap.changed("d"), "a");
        EXPECT_EQ(snap.changed("link"), "a");
    }
    {
        Snapshot snap(b, {"d", "link"});
        list_dir(b, "d");
        char buf[16];
        EXPECT_EQ(b.readlink("link", buf, sizeof buf), 6);
        EXPECT_EQ(snap.changed("d"), "");
        EXPECT_EQ(snap.changed("link"), "");
    }
    {
        // Following a symlink reads it: its atime moves, by relatime too.
        ASSERT_OK(b.symlink("d/f", "flink"));
        Snapshot snap(b, {"flink", "d/f"});
        struct stat st;
        EXPECT_OK(b.stat("flink", &st));
        EXPECT_EQ(snap.changed("flink"), "a");
        EXPECT_EQ(snap.changed("d/f"), "");
    }
    {
        Snapshot snap(b, {"flink"});
        struct stat st;
        EXPECT_OK(b.stat("flink", &st));
        EXPECT_EQ(snap.changed("flink"), "");
    }
}

TEST_P(Timestamps, MetadataChangesOnlyCtime) {
    auto& b = be();
    write_file(b, "f", "x");
    ASSERT_OK(b.symlink("f", "link"));
    for (int step = 0; step < 4; ++step) {
        Snapshot snap(b, {"f", ".", "link"});
        switch (step) {
            case 0:
                EXPECT_OK(b.chmod("f", 0600));
                break;
            case 1:
                EXPECT_OK(b.chown("f", 5, 5));
                break;
            case 2:
                EXPECT_OK(b.chown("f", static_cast<uid_t>(-1), static_cast<gid_t>(-1)));
                break;
            case 3:
                EXPECT_OK(b.chmod("link", 0644));
                break;
        }
        EXPECT_EQ(snap.changed("f"), "c") << "step " << step;
        EXPECT_EQ(snap.changed("."), "") << "step " << step;
        // Following the link in step 3 reads it (relatime: first time only).
        EXPECT_EQ(snap.changed("link"), step == 3 ? "a" : "") << "step " << step;
    }
}

TEST_P(Timestamps, UtimensatSetsCtimeToNow) {
    auto& b = be();
    write_file(b, "f", "x");
    {
        Snapshot snap(b, {"f"});
        EXPECT_OK(b.utimensat(AT_FDCWD, "f", nullptr, 0));
        EXPECT_EQ(snap.changed("f"), "amc");
    }
    {
        Snapshot snap(b, {"f"});
        const timespec omit_both[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
        EXPECT_OK(b.utimensat(AT_FDCWD, "f", omit_both, 0));
        EXPECT_EQ(snap.changed("f"), "");
    }
    {
        Snapshot snap(b, {"f"});
        const timespec now_omit[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
        EXPECT_OK(b.utimensat(AT_FDCWD, "f", now_omit, 0));
        EXPECT_EQ(snap.changed("f"), "ac");
    }
}

TEST_P(Timestamps, NameChanges) {
    auto& b = be();
    ASSERT_OK(b.mkdir("d", 0755));
    ASSERT_OK(b.mkdir("e", 0755));
    write_file(b, "d/f", "x");
    {
        Snapshot snap(b, {"d", "e", "d/f", "."});
        EXPECT_OK(b.link("d/f", "e/g"));
        EXPECT_EQ(snap.changed("d"), "");
        EXPECT_EQ(snap.changed("e"), "mc");
        EXPECT_EQ(snap.changed("d/f"), "c");
        EXPECT_EQ(snap.changed("."), "");
    }
    {
        Snapshot snap(b, {"d", "e", "d/f"});
        EXPECT_OK(b.unlink("e/g"));
        EXPECT_EQ(snap.changed("d"), "");
        EXPECT_EQ(snap.changed("e"), "mc");
        EXPECT_EQ(snap.changed("d/f"), "c");
    }
    {
        Snapshot snap(b, {"d", "e", "d/f"});
        EXPECT_OK(b.rename("d/f", "e/f"));
        EXPECT_EQ(snap.changed("d"), "mc");
        EXPECT_EQ(snap.changed("e"), "mc");
        EXPECT_EQ(snap.changed(2, "e/f"), "c");  // the moved file
    }
    {
        Snapshot snap(b, {"e", "e/f"});
        EXPECT_OK(b.rename("e/f", "e/f2"));
        EXPECT_EQ(snap.changed("e"), "mc");
        EXPECT_EQ(snap.changed(1, "e/f2"), "c");
    }
    {
        write_file(b, "e/victim", "v");
        int fd;
        ASSERT_OK(fd = b.open("e/victim", O_RDONLY));
        const struct stat before = fstat_of(b, fd);
        Snapshot snap(b, {"e"});
        EXPECT_OK(b.rename("e/f2", "e/victim"));
        EXPECT_EQ(snap.changed("e"), "mc");
        EXPECT_EQ(changed_times(before, fstat_of(b, fd)), "c");  // replaced: nlink dropped
        EXPECT_OK(b.close(fd));
    }
    {
        Snapshot snap(b, {"d", "e"});
        EXPECT_OK(b.symlink("x", "d/sym"));
        EXPECT_OK(b.mkfifo("e/fifo", 0644));
        EXPECT_EQ(snap.changed("d"), "mc");
        EXPECT_EQ(snap.changed("e"), "mc");
    }
    {
        Snapshot snap(b, {"d", "."});
        EXPECT_OK(b.mkdir("d/sub", 0755));
        EXPECT_EQ(snap.changed("d"), "mc");
        EXPECT_EQ(snap.changed("."), "");
    }
    {
        Snapshot snap(b, {"d", "d/sub", "."});
        EXPECT_OK(b.rename("d/sub", "sub"));
        EXPECT_EQ(snap.changed("d"), "mc");
        EXPECT_EQ(snap.changed("."), "mc");
        EXPECT_EQ(snap.changed(1, "sub"), "c");
    }
    {
        Snapshot snap(b, {"."});
        EXPECT_OK(b.rmdir("sub"));
        EXPECT_EQ(snap.changed("."), "mc");
    }
}

TEST_P(Timestamps, FailedCallsChangeNothing) {
    auto& b = be();
    write_file(b, "f", "x");
    ASSERT_OK(b.mkdir("d", 0755));
    write_file(b, "d/x", "x");
    Snapshot snap(b, {"f", "d", "."});
    EXPECT_ERRNO(b.mkdir("f", 0755), EEXIST);
    EXPECT_ERRNO(b.rmdir("d"), ENOTEMPTY);
    EXPECT_ERRNO(b.rename("d", "f"), ENOTDIR);
    EXPECT_ERRNO(b.link("d", "d2"), EPERM);
    EXPECT_ERRNO(b.open("f", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    EXPECT_ERRNO(b.renameat2(AT_FDCWD, "f", AT_FDCWD, "d/x", RENAME_NOREPLACE), EEXIST);
    EXPECT_EQ(snap.changed("f"), "");
    EXPECT_EQ(snap.changed("d"), "");
    EXPECT_EQ(snap.changed("."), "");
}

}  // namespace
}  // namespace conformance
