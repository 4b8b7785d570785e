// Embedded mode through the public C API. The embedded file system is one
// per process, so each case runs in a child process of its own (gtest's
// death-test machinery) and reports through its exit code and stderr.
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <imfs/imfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace {

const std::string kExamples = IMFS_EXAMPLES_DIR;

// Exits the child with a message when a check fails.
#define CHECK_IN_CHILD(condition)                                                             \
    do {                                                                                      \
        if (!(condition)) {                                                                   \
            fprintf(stderr, "failed: %s (line %d, errno %d)\n", #condition, __LINE__, errno); \
            _exit(1);                                                                         \
        }                                                                                     \
    } while (0)

std::string read_all(int session, const char* path) {
    int fd = imfs_open(session, path, O_RDONLY, 0);
    if (fd < 0) return "errno " + std::to_string(errno);
    char buffer[4096];
    ssize_t got = imfs_read(session, fd, buffer, sizeof buffer);
    imfs_close(session, fd);
    return got < 0 ? "errno " + std::to_string(errno) : std::string(buffer, got);
}

int create_error(int session, const char* path) {
    int fd = imfs_open(session, path, O_CREAT | O_WRONLY, 0644);
    if (fd < 0) return errno;
    imfs_close(session, fd);
    return 0;
}

int open_error(const char* label, const imfs_session_options* opts = nullptr) {
    int session = imfs_session_open("mem:", label, opts);
    if (session < 0) return errno;
    imfs_session_close(session);
    return 0;
}

TEST(EmbeddedConfig, DemoPoliciesDecideWhatLabelsGet) {
    EXPECT_EXIT(
        {
            CHECK_IN_CHILD(imfs_embedded_init((kExamples + "/demo.xml").c_str()) == 0);
            int reader = imfs_session_open("mem:", "reader", nullptr);
            CHECK_IN_CHILD(reader >= 0);
            CHECK_IN_CHILD(read_all(reader, "/etc/motd") ==
                           "Welcome to IMFS, a file system that lives in memory.\n");
            CHECK_IN_CHILD(create_error(reader, "/tmp/x") == EROFS);
            int writer = imfs_session_open("mem:", "writer", nullptr);
            CHECK_IN_CHILD(writer >= 0);
            CHECK_IN_CHILD(create_error(writer, "/tmp/x") == 0);
            CHECK_IN_CHILD(create_error(writer, "/etc/x") == EACCES);
            // Untrusted: may not act for another identity.
            CHECK_IN_CHILD(imfs_setcred(writer, 0, 0, 0, nullptr) == -1 && errno == EPERM);
            imfs_session_options readonly{};
            readonly.readonly = 1;
            int careful = imfs_session_open("mem:", "writer", &readonly);
            CHECK_IN_CHILD(create_error(careful, "/tmp/y") == EROFS);
            imfs_session_options sub{};
            sub.subroot = "/home/guest";
            int guest = imfs_session_open("mem:", "writer", &sub);
            CHECK_IN_CHILD(guest >= 0 && create_error(guest, "/mine") == 0);
            CHECK_IN_CHILD(read_all(guest, "/../etc/motd") == "errno " + std::to_string(ENOENT));
            CHECK_IN_CHILD(open_error("nobody") == EACCES);
            CHECK_IN_CHILD(open_error(nullptr) == EACCES);
            // A second init: the file system exists.
            CHECK_IN_CHILD(imfs_embedded_init((kExamples + "/demo.xml").c_str()) == -1 &&
                           errno == EBUSY);
            fprintf(stderr, "all good\n");
            _exit(0);
        },
        ::testing::ExitedWithCode(0), "all good");
}

TEST(EmbeddedConfig, MultiTenantLabelsWithoutAListener) {
    EXPECT_EXIT(
        {
            CHECK_IN_CHILD(imfs_embedded_init((kExamples + "/multi-tenant.xml").c_str()) == 0);
            // No listener in embedded mode: the label is given whole.
            int alice = imfs_session_open("mem:", "tenants -> alice", nullptr);
            CHECK_IN_CHILD(alice >= 0);
            CHECK_IN_CHILD(create_error(alice, "/home/alice/x") == 0);
            CHECK_IN_CHILD(create_error(alice, "/home/bob/x") == EACCES);
            CHECK_IN_CHILD(open_error("alice") == EACCES);
            fprintf(stderr, "all good\n");
            _exit(0);
        },
        ::testing::ExitedWithCode(0), "all good");
}

TEST(EmbeddedConfig, BadConfigFailsWithEinvalAndDiagnostics) {
    std::string dir = std::filesystem::temp_directory_path().string() + "/imfs-embedded-" +
                      std::to_string(getpid());
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/bad.xml") << "<config>\n  <policy root=\"/\"/>\n</config>\n";
    std::string path = dir + "/bad.xml";
    EXPECT_EXIT(
        {
            CHECK_IN_CHILD(imfs_embedded_init(path.c_str()) == -1 && errno == EINVAL);
            // Nothing was created: a good init still works, and so does NULL.
            CHECK_IN_CHILD(imfs_embedded_init(nullptr) == 0);
            fprintf(stderr, "all good\n");
            _exit(0);
        },
        ::testing::ExitedWithCode(0),
        "bad.xml:2:3: <policy> has no label, label_prefix or label_suffix attribute(.|\n)*all "
        "good");
    EXPECT_EXIT(
        {
            CHECK_IN_CHILD(imfs_embedded_init((dir + "/missing.xml").c_str()) == -1 &&
                           errno == EINVAL);
            fprintf(stderr, "all good\n");
            _exit(0);
        },
        ::testing::ExitedWithCode(0), "missing.xml: cannot read the config(.|\n)*all good");
    std::filesystem::remove_all(dir);
}

TEST(EmbeddedConfig, SessionsOfAPolicyShareItsQuota) {
    std::string dir = std::filesystem::temp_directory_path().string() + "/imfs-embedded-quota-" +
                      std::to_string(getpid());
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/quota.xml")
        << "<config>\n"
           "  <content><dir name=\"a\"/><dir name=\"b\"/></content>\n"
           "  <policy label_prefix=\"a\" root=\"/a\" writeable=\"yes\" quota_bytes=\"8K\"\n"
           "          quota_inodes=\"2\"/>\n"
           "  <default-policy root=\"/b\" writeable=\"yes\"/>\n"
           "</config>\n";
    std::string path = dir + "/quota.xml";
    EXPECT_EXIT(
        {
            CHECK_IN_CHILD(imfs_embedded_init(path.c_str()) == 0);
            int a1 = imfs_session_open("mem:", "a1", nullptr);
            int a2 = imfs_session_open("mem:", "a2", nullptr);
            int other = imfs_session_open("mem:", "zed", nullptr);
            CHECK_IN_CHILD(a1 >= 0 && a2 >= 0 && other >= 0);
            std::string page(4096, 'e');
            int fd = imfs_open(a1, "/f", O_CREAT | O_WRONLY, 0644);
            CHECK_IN_CHILD(imfs_write(a1, fd, page.data(), page.size()) == 4096);
            int fd2 = imfs_open(a2, "/g", O_CREAT | O_WRONLY, 0644);
            CHECK_IN_CHILD(imfs_write(a2, fd2, page.data(), page.size()) == 4096);
            CHECK_IN_CHILD(imfs_write(a1, fd, page.data(), 1) == -1 && errno == EDQUOT);
            CHECK_IN_CHILD(create_error(a2, "/h") == EDQUOT);
            struct statvfs st {};
            CHECK_IN_CHILD(imfs_fstatvfs(a2, fd2, &st) == 0);
            CHECK_IN_CHILD(st.f_blocks == 2 && st.f_bfree == 0 && st.f_files == 2 &&
                           st.f_ffree == 0);
            // The default policy has no quota.
            int big = imfs_open(other, "/big", O_CREAT | O_WRONLY, 0644);
            for (int i = 0; i < 10; ++i)
                CHECK_IN_CHILD(imfs_write(other, big, page.data(), page.size()) == 4096);
            CHECK_IN_CHILD(imfs_close(a1, fd) == 0 && imfs_unlink(a1, "/f") == 0);
            CHECK_IN_CHILD(create_error(a2, "/h") == 0);
            fprintf(stderr, "all good\n");
            _exit(0);
        },
        ::testing::ExitedWithCode(0), "all good");
    std::filesystem::remove_all(dir);
}

TEST(EmbeddedConfig, WithoutAConfigEveryLabelGetsEverything) {
    EXPECT_EXIT(
        {
            CHECK_IN_CHILD(imfs_embedded_init(nullptr) == 0);
            int any = imfs_session_open("mem:", "whatever", nullptr);
            CHECK_IN_CHILD(any >= 0 && create_error(any, "/x") == 0);
            CHECK_IN_CHILD(imfs_setcred(any, 5, 5, 0, nullptr) == 0);  // trusted
            fprintf(stderr, "all good\n");
            _exit(0);
        },
        ::testing::ExitedWithCode(0), "all good");
    EXPECT_EXIT(
        {
            // First use without any init.
            int any = imfs_session_open("mem:", nullptr, nullptr);
            CHECK_IN_CHILD(any >= 0 && create_error(any, "/y") == 0);
            CHECK_IN_CHILD(imfs_embedded_init((kExamples + "/demo.xml").c_str()) == -1 &&
                           errno == EBUSY);
            fprintf(stderr, "all good\n");
            _exit(0);
        },
        ::testing::ExitedWithCode(0), "all good");
}

}  // namespace
