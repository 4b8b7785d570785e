// Access permissions as an unprivileged user (in a forked child that takes
// kUser's identity), and root's bypasses.
#include <fcntl.h>
#include <stdio.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "harness.hpp"

namespace conformance {
namespace {

CONFORMANCE_SUITE(Permissions);

// Runs body as kUser (groups kUserGroup and kExtraGroup) in a child.
void as_user(Backend& b, const std::function<void()>& body,
             std::source_location where = std::source_location::current()) {
    run_in_child(
        [&] {
            ASSERT_OK(b.become(kUser, kUserGroup, {kUserGroup, kExtraGroup}));
            body();
        },
        where);
}

// A node owned by uid:gid with mode.
void make_file(Backend& b, const char* path, uid_t uid, gid_t gid, mode_t mode) {
    write_file(b, path, "data");
    ASSERT_OK(b.chown(path, uid, gid));
    ASSERT_OK(b.chmod(path, mode));
}
void make_dir(Backend& b, const char* path, uid_t uid, gid_t gid, mode_t mode) {
    ASSERT_OK(b.mkdir(path, 0700));
    ASSERT_OK(b.chown(path, uid, gid));
    ASSERT_OK(b.chmod(path, mode));
}

TEST_P(Permissions, SearchPermissionOnPathComponents) {
    auto& b = be();
    make_dir(b, "closed", 0, 0, 0700);
    make_file(b, "closed/f", 0, 0, 0644);
    make_dir(b, "xonly", 0, 0, 0711);
    make_file(b, "xonly/f", 0, 0, 0644);
    make_dir(b, "ronly", 0, 0, 0744);
    make_file(b, "ronly/f", 0, 0, 0644);
    int closed_fd;
    ASSERT_OK(closed_fd = b.open("closed", O_RDONLY | O_DIRECTORY));
    as_user(b, [&] {
        struct stat st;
        EXPECT_OK(b.stat("closed", &st));
        EXPECT_ERRNO(b.stat("closed/f", &st), EACCES);
        EXPECT_ERRNO(b.stat("closed/missing", &st), EACCES);
        EXPECT_ERRNO(b.open("closed/f", O_RDONLY), EACCES);
        EXPECT_ERRNO(b.opendir("closed"), EACCES);
        EXPECT_ERRNO(b.chdir("closed"), EACCES);
        EXPECT_ERRNO(b.fchdir(closed_fd), EACCES);
        EXPECT_ERRNO(b.fstatat(closed_fd, "f", &st, 0), EACCES);
        EXPECT_ERRNO(b.access("closed/f", F_OK), EACCES);
        EXPECT_OK(b.stat("xonly/f", &st));  // search without read is enough
        EXPECT_EQ(read_file(b, "xonly/f"), "data");
        EXPECT_ERRNO(b.opendir("xonly"), EACCES);
        EXPECT_OK(b.chdir("xonly"));
        EXPECT_OK(b.chdir(".."));
        DirStream* dir = b.opendir("ronly");  // read without search lists names
        EXPECT_NE(dir, nullptr) << errno_name(errno);
        if (dir != nullptr) b.closedir(dir);
        EXPECT_ERRNO(b.stat("ronly/f", &st), EACCES);
        EXPECT_ERRNO(b.open("ronly/f", O_RDONLY), EACCES);
    });
    EXPECT_OK(b.close(closed_fd));
}

TEST_P(Permissions, OwnerGroupAndOtherBits) {
    auto& b = be();
    make_file(b, "own_r", kUser, kUserGroup, 0400);
    make_file(b, "own_denied", kUser, kUserGroup, 0077);  // owner class wins
    make_file(b, "group_r", 0, kUserGroup, 0040);
    make_file(b, "group_denied", 0, kUserGroup, 0604);  // group class wins
    make_file(b, "supplementary_rw", 0, kExtraGroup, 0060);
    make_file(b, "other_w", 0, 0, 0602);
    make_file(b, "other_none", 0, 0, 0660);
    make_file(b, "exec", 0, 0, 0755);
    as_user(b, [&] {
        int fd;
        ASSERT_OK(fd = b.open("own_r", O_RDONLY));
        EXPECT_OK(b.close(fd));
        EXPECT_ERRNO(b.open("own_r", O_WRONLY), EACCES);
        EXPECT_ERRNO(b.open("own_r", O_RDWR), EACCES);
        EXPECT_ERRNO(b.open("own_denied", O_RDONLY), EACCES);
        EXPECT_ERRNO(b.access("own_denied", R_OK), EACCES);
        EXPECT_EQ(read_file(b, "group_r"), "data");
        EXPECT_ERRNO(b.open("group_r", O_WRONLY), EACCES);
        EXPECT_ERRNO(b.open("group_denied", O_RDONLY), EACCES);
        ASSERT_OK(fd = b.open("supplementary_rw", O_RDWR));
        EXPECT_OK(b.close(fd));
        ASSERT_OK(fd = b.open("other_w", O_WRONLY));
        EXPECT_EQ(b.write(fd, "x", 1), 1);
        EXPECT_OK(b.close(fd));
        EXPECT_ERRNO(b.open("other_w", O_RDONLY), EACCES);
        EXPECT_ERRNO(b.open("other_none", O_RDONLY), EACCES);
        EXPECT_ERRNO(b.open("other_none", O_WRONLY | O_TRUNC), EACCES);
        EXPECT_ERRNO(b.truncate("other_none", 0), EACCES);
        EXPECT_ERRNO(b.truncate("own_r", 0), EACCES);
        EXPECT_OK(b.access("own_r", R_OK));
        EXPECT_ERRNO(b.access("own_r", W_OK), EACCES);
        EXPECT_ERRNO(b.access("own_r", X_OK), EACCES);
        EXPECT_OK(b.access("group_r", R_OK));
        EXPECT_OK(b.access("supplementary_rw", R_OK | W_OK));
        EXPECT_ERRNO(b.access("other_w", R_OK | W_OK), EACCES);
        EXPECT_OK(b.access("exec", R_OK | X_OK));
        EXPECT_OK(b.faccessat(AT_FDCWD, "exec", X_OK, AT_EACCESS));
        EXPECT_ERRNO(b.faccessat(AT_FDCWD, "other_none", R_OK, AT_EACCESS), EACCES);
        EXPECT_EQ(lstat_of(b, "other_none").st_size, 4);
    });
}

TEST_P(Permissions, PermissionIsCheckedAtOpenOnly) {
    auto& b = be();
    make_file(b, "f", 0, 0, 0600);
    int fd;
    ASSERT_OK(fd = b.open("f", O_RDWR));
    as_user(b, [&] {
        EXPECT_ERRNO(b.open("f", O_RDONLY), EACCES);
        EXPECT_EQ(b.write(fd, "new!", 4), 4);
        EXPECT_OK(b.ftruncate(fd, 2));
        char buf[4];
        EXPECT_EQ(b.pread(fd, buf, 4, 0), 2);
    });
    EXPECT_OK(b.close(fd));
}

TEST_P(Permissions, ChangingADirectoryNeedsWriteAndSearch) {
    auto& b = be();
    make_dir(b, "ro", 0, 0, 0755);
    make_file(b, "ro/f", kUser, kUserGroup, 0644);  // owning the file is not enough
    make_dir(b, "ro/sub", kUser, kUserGroup, 0755);
    make_dir(b, "noexec", 0, 0, 0777 & ~0111);
    make_dir(b, "wx", 0, 0, 0733);
    as_user(b, [&] {
        EXPECT_ERRNO(b.open("ro/new", O_CREAT | O_WRONLY, 0644), EACCES);
        EXPECT_ERRNO(b.mkdir("ro/new", 0755), EACCES);
        EXPECT_ERRNO(b.mkfifo("ro/new", 0644), EACCES);
        EXPECT_ERRNO(b.symlink("x", "ro/new"), EACCES);
        EXPECT_ERRNO(b.link("ro/f", "ro/new"), EACCES);
        EXPECT_ERRNO(b.unlink("ro/f"), EACCES);
        EXPECT_ERRNO(b.rmdir("ro/sub"), EACCES);
        EXPECT_ERRNO(b.rename("ro/f", "ro/g"), EACCES);
        EXPECT_ERRNO(b.rename("ro/f", "wx/g"), EACCES);
        EXPECT_ERRNO(b.open("noexec/new", O_CREAT | O_WRONLY, 0644), EACCES);
        // Write and search without read: creating and removing work.
        int fd;
        ASSERT_OK(fd = b.open("wx/new", O_CREAT | O_WRONLY, 0644));
        EXPECT_OK(b.close(fd));
        const struct stat st = lstat_of(b, "wx/new");
        EXPECT_EQ(st.st_uid, kUser);
        EXPECT_EQ(st.st_gid, kUserGroup);
        EXPECT_OK(b.mkdir("wx/d", 0755));
        EXPECT_OK(b.rename("wx/new", "wx/renamed"));
        EXPECT_OK(b.link("wx/renamed", "wx/hard"));
        EXPECT_OK(b.unlink("wx/renamed"));
        EXPECT_OK(b.rmdir("wx/d"));
        EXPECT_EQ(lstat_of(b, "wx/hard").st_nlink, 1u);
    });
}

TEST_P(Permissions, MovingADirectoryNeedsWriteOnIt) {
    auto& b = be();
    make_dir(b, "w1", 0, 0, 0777);
    make_dir(b, "w2", 0, 0, 0777);
    make_dir(b, "w1/sub", 0, 0, 0755);  // its ".." must change to move it
    as_user(b, [&] {
        EXPECT_ERRNO(b.rename("w1/sub", "w2/sub"), EACCES);
        EXPECT_OK(b.rename("w1/sub", "w1/same_parent"));
        EXPECT_TRUE(exists(b, "w1/same_parent"));
    });
}

TEST_P(Permissions, StickyDirectories) {
    auto& b = be();
    make_dir(b, "tmp", 0, 0, 01777);
    make_file(b, "tmp/mine", kUser, kUserGroup, 0644);
    make_file(b, "tmp/mine2", kUser, kUserGroup, 0644);
    make_file(b, "tmp/theirs", kOther, kOtherGroup, 0666);
    make_dir(b, "tmp/theirdir", kOther, kOtherGroup, 0777);
    make_dir(b, "own_sticky", kUser, kUserGroup, 01777);
    make_file(b, "own_sticky/theirs", kOther, kOtherGroup, 0644);
    as_user(b, [&] {
        EXPECT_ERRNO(b.unlink("tmp/theirs"), EPERM);
        EXPECT_ERRNO(b.rename("tmp/theirs", "tmp/stolen"), EPERM);
        EXPECT_ERRNO(b.rmdir("tmp/theirdir"), EPERM);
        EXPECT_ERRNO(b.rename("tmp/mine", "tmp/theirs"), EPERM);  // the target is theirs
        EXPECT_ERRNO(b.unlinkat(AT_FDCWD, "tmp/theirdir", AT_REMOVEDIR), EPERM);
        int fd;
        ASSERT_OK(fd = b.open("tmp/theirs", O_WRONLY));  // writing it is fine
        EXPECT_OK(b.close(fd));
        EXPECT_OK(b.rename("tmp/mine", "tmp/moved"));
        EXPECT_OK(b.unlink("tmp/moved"));
        EXPECT_OK(b.rename("tmp/mine2", "own_sticky/mine2"));
        EXPECT_OK(b.unlink("own_sticky/theirs"));  // the directory's owner may
        EXPECT_TRUE(exists(b, "tmp/theirs"));
        EXPECT_TRUE(exists(b, "tmp/theirdir"));
    });
    // Root may do anything there.
    EXPECT_OK(b.unlink("tmp/theirs"));
}

TEST_P(Permissions, ChownRulesForNonRoot) {
    auto& b = be();
    make_file(b, "mine", kUser, kUserGroup, 0644);
    make_file(b, "suid", kUser, kUserGroup, 06755);
    make_file(b, "theirs", kOther, kOtherGroup, 0666);
    ASSERT_OK(b.symlink("mine", "link"));
    ASSERT_OK(b.lchown("link", kUser, kUserGroup));
    as_user(b, [&] {
        EXPECT_ERRNO(b.chown("mine", kOther, static_cast<gid_t>(-1)), EPERM);
        EXPECT_ERRNO(b.chown("mine", 0, static_cast<gid_t>(-1)), EPERM);
        EXPECT_ERRNO(b.chown("mine", static_cast<uid_t>(-1), kOtherGroup), EPERM);
        EXPECT_OK(b.chown("mine", kUser, static_cast<gid_t>(-1)));        // no change is allowed
        EXPECT_OK(b.chown("mine", static_cast<uid_t>(-1), kExtraGroup));  // a group of ours
        EXPECT_EQ(lstat_of(b, "mine").st_gid, kExtraGroup);
        EXPECT_OK(b.chown("mine", static_cast<uid_t>(-1), static_cast<gid_t>(-1)));
        // Asking for no change at all needs no ownership.
        EXPECT_OK(b.chown("theirs", static_cast<uid_t>(-1), static_cast<gid_t>(-1)));
        EXPECT_ERRNO(b.chown("theirs", kUser, kUserGroup), EPERM);
        EXPECT_OK(b.lchown("link", static_cast<uid_t>(-1), kExtraGroup));
        EXPECT_EQ(lstat_of(b, "link").st_gid, kExtraGroup);
        int fd;
        ASSERT_OK(fd = b.open("theirs", O_RDWR));
        EXPECT_ERRNO(b.fchown(fd, kUser, static_cast<gid_t>(-1)), EPERM);
        EXPECT_OK(b.close(fd));
        // A non-root chown clears set-user-ID and set-group-ID.
        EXPECT_OK(b.chown("suid", static_cast<uid_t>(-1), kExtraGroup));
        EXPECT_EQ(lstat_of(b, "suid").st_mode & 07777, 0755u);
        EXPECT_EQ(lstat_of(b, "theirs").st_uid, kOther);
    });
}

TEST_P(Permissions, ChmodRulesForNonRoot) {
    auto& b = be();
    make_file(b, "mine", kUser, kUserGroup, 0644);
    make_file(b, "foreign_group", kUser, kOtherGroup, 0644);
    make_file(b, "theirs", kOther, kOtherGroup, 0666);
    make_dir(b, "mydir", kUser, kOtherGroup, 0755);
    as_user(b, [&] {
        EXPECT_OK(b.chmod("mine", 02755));  // our group: setgid stays
        EXPECT_EQ(lstat_of(b, "mine").st_mode & 07777, 02755u);
        EXPECT_OK(b.chmod("mine", 04700));
        EXPECT_EQ(lstat_of(b, "mine").st_mode & 07777, 04700u);
        // Not in the file's group: setgid is silently dropped.
        EXPECT_OK(b.chmod("foreign_group", 02755));
        EXPECT_EQ(lstat_of(b, "foreign_group").st_mode & 07777, 0755u);
        EXPECT_OK(b.chmod("mydir", 02755));
        EXPECT_EQ(lstat_of(b, "mydir").st_mode & 07777, 0755u);
        EXPECT_ERRNO(b.chmod("theirs", 0600), EPERM);
        EXPECT_ERRNO(b.fchmodat(AT_FDCWD, "theirs", 0600, 0), EPERM);
        int fd;
        ASSERT_OK(fd = b.open("theirs", O_RDWR));
        EXPECT_ERRNO(b.fchmod(fd, 0600), EPERM);
        EXPECT_OK(b.close(fd));
        EXPECT_EQ(lstat_of(b, "theirs").st_mode & 07777, 0666u);
    });
}

TEST_P(Permissions, UtimensatRulesForNonOwners) {
    auto& b = be();
    make_file(b, "writable", 0, 0, 0666);
    make_file(b, "readonly", 0, 0, 0644);
    make_file(b, "mine", kUser, kUserGroup, 0444);
    as_user(b, [&] {
        const timespec explicit_times[2] = {{1000, 0}, {2000, 0}};
        const timespec now_both[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
        const timespec omit_both[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
        // With write access, "now" is allowed, explicit times are not.
        EXPECT_OK(b.utimensat(AT_FDCWD, "writable", nullptr, 0));
        EXPECT_OK(b.utimensat(AT_FDCWD, "writable", now_both, 0));
        EXPECT_ERRNO(b.utimensat(AT_FDCWD, "writable", explicit_times, 0), EPERM);
        EXPECT_OK(b.utimensat(AT_FDCWD, "writable", omit_both, 0));
        EXPECT_ERRNO(b.utimensat(AT_FDCWD, "readonly", nullptr, 0), EACCES);
        EXPECT_ERRNO(b.utimensat(AT_FDCWD, "readonly", now_both, 0), EACCES);
        EXPECT_ERRNO(b.utimensat(AT_FDCWD, "readonly", explicit_times, 0), EPERM);
        // The owner may do anything, write permission or not.
        EXPECT_OK(b.utimensat(AT_FDCWD, "mine", explicit_times, 0));
        EXPECT_EQ(lstat_of(b, "mine").st_mtim.tv_sec, 2000);
        EXPECT_OK(b.utimensat(AT_FDCWD, "mine", nullptr, 0));
        int fd;
        ASSERT_OK(fd = b.open("readonly", O_RDONLY));
        EXPECT_ERRNO(b.futimens(fd, nullptr), EACCES);
        EXPECT_OK(b.close(fd));
        ASSERT_OK(fd = b.open("writable", O_WRONLY));
        EXPECT_OK(b.futimens(fd, nullptr));
        EXPECT_ERRNO(b.futimens(fd, explicit_times), EPERM);
        EXPECT_OK(b.close(fd));
    });
}

TEST_P(Permissions, WritingClearsSetuidForNonRoot) {
    auto& b = be();
    make_file(b, "suid", 0, 0, 06777);
    make_file(b, "suid_trunc", 0, 0, 04777);
    make_file(b, "sgid_noexec", 0, 0, 02666);
    make_file(b, "sgid_noexec_ourgroup", 0, kExtraGroup, 02666);
    as_user(b, [&] {
        int fd;
        ASSERT_OK(fd = b.open("suid", O_WRONLY));
        EXPECT_EQ(b.write(fd, "x", 1), 1);
        EXPECT_OK(b.close(fd));
        EXPECT_EQ(lstat_of(b, "suid").st_mode & 07777, 0777u);
        EXPECT_OK(b.truncate("suid_trunc", 1));
        EXPECT_EQ(lstat_of(b, "suid_trunc").st_mode & 07777, 0777u);
        ASSERT_OK(fd = b.open("sgid_noexec", O_WRONLY));
        EXPECT_EQ(b.write(fd, "x", 1), 1);
        EXPECT_OK(b.close(fd));
        // Setgid without group execute: cleared unless the writer is in the group.
        EXPECT_EQ(lstat_of(b, "sgid_noexec").st_mode & 07777, 0666u);
        ASSERT_OK(fd = b.open("sgid_noexec_ourgroup", O_WRONLY));
        EXPECT_EQ(b.write(fd, "x", 1), 1);
        EXPECT_OK(b.close(fd));
        EXPECT_EQ(lstat_of(b, "sgid_noexec_ourgroup").st_mode & 07777, 02666u);
    });
    // Root's writes keep the bits.
    make_file(b, "root_suid", 0, 0, 06777);
    write_file(b, "root_suid", "y");
    EXPECT_EQ(lstat_of(b, "root_suid").st_mode & 07777, 06777u);
}

TEST_P(Permissions, SetgidDirectoriesPassOnTheirGroup) {
    auto& b = be();
    make_dir(b, "sg", 0, kExtraGroup, 02777);
    make_dir(b, "foreign", 0, kOtherGroup, 02777);
    as_user(b, [&] {
        int fd;
        ASSERT_OK(fd = b.open("sg/f", O_CREAT | O_WRONLY, 0644));
        EXPECT_OK(b.close(fd));
        EXPECT_EQ(lstat_of(b, "sg/f").st_gid, kExtraGroup);
        EXPECT_EQ(lstat_of(b, "sg/f").st_uid, kUser);
        EXPECT_OK(b.mkdir("sg/d", 0755));
        EXPECT_EQ(lstat_of(b, "sg/d").st_gid, kExtraGroup);
        EXPECT_EQ(lstat_of(b, "sg/d").st_mode & 07777, 02755u);
        EXPECT_OK(b.symlink("x", "sg/link"));
        EXPECT_EQ(lstat_of(b, "sg/link").st_gid, kExtraGroup);
        // Not a member of the inherited group: a requested setgid is dropped.
        ASSERT_OK(fd = b.open("foreign/f", O_CREAT | O_WRONLY, 02755));
        EXPECT_OK(b.close(fd));
        EXPECT_EQ(lstat_of(b, "foreign/f").st_gid, kOtherGroup);
        EXPECT_EQ(lstat_of(b, "foreign/f").st_mode & 07777, 0755u);
    });
}

TEST_P(Permissions, DeviceNodesNeedPrivilege) {
    auto& b = be();
    make_dir(b, "w", 0, 0, 0777);
    as_user(b, [&] {
        EXPECT_ERRNO(b.mknod("w/chr", S_IFCHR | 0644, makedev(1, 3)), EPERM);
        EXPECT_ERRNO(b.mknod("w/blk", S_IFBLK | 0644, makedev(7, 0)), EPERM);
        EXPECT_OK(b.mknod("w/fifo", S_IFIFO | 0644, 0));
        EXPECT_OK(b.mknod("w/reg", S_IFREG | 0644, 0));
        EXPECT_FALSE(exists(b, "w/chr"));
    });
}

TEST_P(Permissions, NoatimeNeedsOwnership) {
    auto& b = be();
    make_file(b, "theirs", kOther, kOtherGroup, 0644);
    make_file(b, "mine", kUser, kUserGroup, 0644);
    as_user(b, [&] {
        EXPECT_ERRNO(b.open("theirs", O_RDONLY | O_NOATIME), EPERM);
        int fd;
        ASSERT_OK(fd = b.open("mine", O_RDONLY | O_NOATIME));
        EXPECT_OK(b.close(fd));
    });
}

TEST_P(Permissions, RootBypassesReadWriteAndSearch) {
    auto& b = be();
    make_dir(b, "closed", kOther, kOtherGroup, 0);
    make_file(b, "closed/f", kOther, kOtherGroup, 0);
    make_file(b, "noexec", kOther, kOtherGroup, 0666);
    make_file(b, "someexec", kOther, kOtherGroup, 0001);
    int fd;
    ASSERT_OK(fd = b.open("closed/f", O_RDWR));
    EXPECT_EQ(b.write(fd, "root", 4), 4);
    EXPECT_OK(b.close(fd));
    write_file(b, "closed/new", "x");
    EXPECT_EQ(list_dir(b, "closed"), (std::vector<std::string>{"f", "new"}));
    EXPECT_OK(b.access("closed/f", R_OK | W_OK));
    // Execute needs at least one x bit, even for root.
    EXPECT_ERRNO(b.access("noexec", X_OK), EACCES);
    EXPECT_OK(b.access("someexec", X_OK));
    EXPECT_OK(b.chdir("closed"));
    EXPECT_OK(b.chdir(".."));
    EXPECT_OK(b.chmod("noexec", 0600));
    EXPECT_OK(b.utimensat(AT_FDCWD, "noexec", nullptr, 0));
    EXPECT_OK(b.unlink("closed/f"));
}

}  // namespace
}  // namespace conformance
