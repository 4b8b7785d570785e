// Real programs nobody on this project wrote, run unchanged on the mount:
// tar, diff, git, sqlite3, make.
#include <unistd.h>

#include <fstream>

#include "fuse_test_support.hpp"

namespace imfs_fuse_test {
namespace {

using ProgramsTest = FuseTest;

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
}

TEST_F(ProgramsTest, TarExtractsARealTreeThatDiffFindsIdentical) {
    const std::string tarball = "/tmp/imfs-fuse-test-linux-" + std::to_string(::getpid()) + ".tar";
    auto made = run_shell("tar -C /usr/include -cf " + tarball + " linux", "/tmp");
    ASSERT_EQ(made.status, 0) << made.output;
    auto extracted = run_shell("tar -xf " + tarball, mount_->mountpoint());
    ::unlink(tarball.c_str());
    ASSERT_EQ(extracted.status, 0) << extracted.output;
    auto diff = run_shell("diff -r /usr/include/linux linux", mount_->mountpoint());
    EXPECT_EQ(diff.status, 0) << diff.output.substr(0, 2000);
    auto count = run_shell("find linux -type f | wc -l", mount_->mountpoint());
    EXPECT_GT(std::stoi(count.output), 100) << "the tree should be a real one";
    // Listing, removing: the tree goes completely.
    auto removed = run_shell("rm -r linux && ls -A", mount_->mountpoint());
    EXPECT_EQ(removed.status, 0) << removed.output;
    EXPECT_EQ(removed.output, "");
}

TEST_F(ProgramsTest, GitInitAddCommitMoveGcFsck) {
    const std::string git =
        "export HOME=" + mount_->mountpoint() +
        " GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Test GIT_AUTHOR_EMAIL=test@example.com"
        " GIT_COMMITTER_NAME=Test GIT_COMMITTER_EMAIL=test@example.com; set -e; ";
    auto result = run_shell(git +
                                "git init -q repo && cd repo && "
                                "mkdir src && for i in 1 2 3 4 5; do echo line $i > src/f$i.c; "
                                "done && "
                                "git add . && git commit -q -m first && "
                                "git mv src/f1.c src/moved.c && echo more >> src/f2.c && "
                                "git commit -q -am second && "
                                "git gc -q && git fsck --strict && "
                                "git log --oneline | wc -l && git status --porcelain && "
                                "git ls-files",
                            mount_->mountpoint());
    ASSERT_EQ(result.status, 0) << result.output;
    EXPECT_NE(result.output.find("2\n"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("src/moved.c"), std::string::npos) << result.output;
    EXPECT_EQ(result.output.find("src/f1.c"), std::string::npos) << result.output;
    auto packed = run_shell("ls repo/.git/objects/pack/*.pack | wc -l", mount_->mountpoint());
    EXPECT_EQ(packed.output, "1\n") << "git gc packs the objects";
}

TEST_F(ProgramsTest, Sqlite3TransactionsInWalModeKeepTheDatabaseIntact) {
    const std::string sql =
        "pragma journal_mode=wal;\n"
        "create table t(id integer primary key, v text);\n"
        "begin;\n"
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < 5000)\n"
        "  insert into t(v) select hex(randomblob(64)) from n;\n"
        "commit;\n"
        "begin; update t set v = v || 'x' where id % 2 = 0; commit;\n"
        "begin; delete from t where id % 3 = 0; rollback;\n"
        "create index t_v on t(v);\n"
        "select count(*) from t;\n"
        "pragma integrity_check;\n";
    write_file(at("script.sql"), sql);
    auto first = run_shell("sqlite3 db.sqlite < script.sql", mount_->mountpoint());
    ASSERT_EQ(first.status, 0) << first.output;
    EXPECT_EQ(first.output, "wal\n5000\nok\n");
    // A second process sees the same committed state through the WAL.
    auto second = run_shell(
        "sqlite3 db.sqlite 'pragma journal_mode; select count(*) from t where v like \"%x\"; "
        "pragma wal_checkpoint(truncate); pragma integrity_check;'",
        mount_->mountpoint());
    ASSERT_EQ(second.status, 0) << second.output;
    EXPECT_EQ(second.output, "wal\n2500\n0|0|0\nok\n");
}

TEST_F(ProgramsTest, MakeBuildsASmallProjectOnceAndThenHasNothingToDo) {
    ASSERT_EQ(::mkdir(at("proj").c_str(), 0755), 0);
    write_file(at("proj/util.h"), "int twice(int x);\n");
    write_file(at("proj/util.c"), "#include \"util.h\"\nint twice(int x) { return 2 * x; }\n");
    write_file(at("proj/main.c"),
               "#include <stdio.h>\n#include \"util.h\"\n"
               "int main(void) { printf(\"%d\\n\", twice(21)); return 0; }\n");
    write_file(at("proj/Makefile"),
               "app: main.o util.o\n\tgcc -o app main.o util.o\n"
               "%.o: %.c util.h\n\tgcc -c -o $@ $<\n");
    auto first = run_shell("make && ./app", at("proj"));
    ASSERT_EQ(first.status, 0) << first.output;
    EXPECT_NE(first.output.find("gcc -c -o main.o main.c"), std::string::npos) << first.output;
    EXPECT_NE(first.output.find("42\n"), std::string::npos) << first.output;

    auto second = run_shell("make", at("proj"));
    ASSERT_EQ(second.status, 0) << second.output;
    EXPECT_NE(second.output.find("is up to date"), std::string::npos) << second.output;
    EXPECT_EQ(second.output.find("gcc"), std::string::npos) << second.output;

    // One source changes: only it is rebuilt, and the program relinked.
    auto third = run_shell("sleep 0.01 && touch util.c && make", at("proj"));
    ASSERT_EQ(third.status, 0) << third.output;
    EXPECT_NE(third.output.find("util.o util.c"), std::string::npos) << third.output;
    EXPECT_EQ(third.output.find("main.c"), std::string::npos) << third.output;
}

}  // namespace
}  // namespace imfs_fuse_test
