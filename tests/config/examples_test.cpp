// The content examples load as shipped, and their policies give each label
// the view the example promises.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>

#include "config/config.hpp"
#include "config/host_file.hpp"
#include "policies/admission.hpp"
#include "policies/label.hpp"
#include "test_support.hpp"

namespace imfs::config {
namespace {

using policies::compose_label;
using testing::TreeReader;

const std::string kExamples = IMFS_EXAMPLES_DIR;

LoadedConfig load_example(const std::string& name) {
    auto loaded = load_file_system(kExamples + "/" + name);
    if (!loaded) {
        for (const Diagnostic& d : loaded.error())
            ADD_FAILURE() << d.to_string();
        std::abort();
    }
    return std::move(*loaded);
}

// A session opened the way imfsd and embedded mode open one: match the
// label, admit the wishes, open.
class View {
  public:
    View(LoadedConfig& loaded, const std::string& label, bool writeable = true,
         const char* subroot = "")
        : fs_(*loaded.fs) {
        auto admission = policies::admit(loaded.config.policies, label, {writeable, subroot});
        if (!admission) {
            error_ = admission.error().value;
            return;
        }
        auto session = policies::open_admitted_session(fs_, *admission);
        if (!session) {
            error_ = session.error().value;
            return;
        }
        session_ = std::move(*session);
    }
    ~View() {
        if (session_) fs_.close_session(std::move(session_));
    }
    View(const View&) = delete;
    View& operator=(const View&) = delete;

    int open_error() const { return error_; }
    core::Session& s() { return *session_; }

    // The file's data, or "errno N".
    std::string read(const char* path) {
        auto fd = fs_.openat(*session_, AT_FDCWD, path, O_RDONLY, 0);
        if (!fd) return "errno " + std::to_string(fd.error().value);
        std::string data(1 << 16, '\0');
        iovec io{data.data(), data.size()};
        auto got = fs_.read(*session_, *fd, {&io, 1}, std::nullopt);
        (void)fs_.close(*session_, *fd);
        if (!got) return "errno " + std::to_string(got.error().value);
        data.resize(*got);
        return data;
    }
    // 0 or the errno of creating path with data.
    int write(const char* path, std::string_view data = "x") {
        auto fd = fs_.openat(*session_, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (!fd) return fd.error().value;
        iovec io{const_cast<char*>(data.data()), data.size()};
        auto wrote = fs_.write(*session_, *fd, {&io, 1}, std::nullopt);
        (void)fs_.close(*session_, *fd);
        return wrote ? 0 : wrote.error().value;
    }
    int list_error(const char* path) {
        auto fd = fs_.openat(*session_, AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0);
        if (!fd) return fd.error().value;
        (void)fs_.close(*session_, *fd);
        return 0;
    }
    template <typename Call>
    static int error_of(Call&& call) {
        auto result = call();
        return result ? 0 : result.error().value;
    }

  private:
    core::FileSystem& fs_;
    std::unique_ptr<core::Session> session_;
    int error_ = 0;
};

// Every node's attributes by path, to show that nothing changed.
using Snapshot = std::map<std::string, std::string>;

void snapshot(TreeReader& tree, const std::string& path, Snapshot& out) {
    struct stat st = *tree.lstat(path);
    out[path] = std::to_string(st.st_mode) + " " + std::to_string(st.st_size) + " " +
                std::to_string(st.st_nlink) + " " + std::to_string(st.st_uid) + " " +
                std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + " " +
                std::to_string(st.st_ctim.tv_sec) + "." + std::to_string(st.st_ctim.tv_nsec);
    if (S_ISREG(st.st_mode)) out[path] += " " + *tree.read(path);
    if (!S_ISDIR(st.st_mode)) return;
    std::vector<std::string> names = *tree.list(path);
    for (const std::string& name : names) {
        snapshot(tree, path == "/" ? "/" + name : path + "/" + name, out);
    }
}

Snapshot snapshot(core::FileSystem& fs) {
    TreeReader tree(fs);
    Snapshot out;
    snapshot(tree, "/", out);
    return out;
}

TEST(DemoExample, LoadsAsShipped) {
    LoadedConfig demo = load_example("demo.xml");
    EXPECT_TRUE(demo.config.listeners.empty());  // scripts/serve passes them
    TreeReader tree(*demo.fs);
    EXPECT_EQ(*tree.read("/etc/motd"), "Welcome to IMFS, a file system that lives in memory.\n");
    EXPECT_EQ(*tree.read("/etc/hosts"), *read_host_file(kExamples + "/files/hosts"));
    EXPECT_EQ(*tree.readlink("/etc/issue"), "motd");
    EXPECT_EQ(*tree.readlink("/motd"), "/etc/motd");
    EXPECT_EQ(tree.lstat("/tmp")->st_mode, S_IFDIR | 01777);
}

TEST(DemoExample, ReaderReadsAndCannotWrite) {
    LoadedConfig demo = load_example("demo.xml");
    View reader(demo, "reader");
    ASSERT_EQ(reader.open_error(), 0);
    EXPECT_EQ(reader.read("/motd"), "Welcome to IMFS, a file system that lives in memory.\n");
    EXPECT_EQ(reader.read("/etc/issue"), reader.read("/etc/motd"));
    EXPECT_EQ(reader.write("/tmp/x"), EROFS);
    EXPECT_EQ(reader.write("/etc/motd"), EROFS);
}

TEST(DemoExample, WriterWritesWherePermissionsAllow) {
    LoadedConfig demo = load_example("demo.xml");
    View writer(demo, "writer");
    ASSERT_EQ(writer.open_error(), 0);
    EXPECT_EQ(writer.write("/tmp/note"), 0);
    EXPECT_EQ(writer.write("/home/guest/note"), 0);
    EXPECT_EQ(writer.write("/etc/motd"), EACCES);
    EXPECT_EQ(writer.write("/etc/new"), EACCES);
    TreeReader tree(*demo.fs);
    EXPECT_EQ(tree.lstat("/tmp/note")->st_uid, 1000u);
    // Asking for a read-only session gets one.
    View careful(demo, "writer", false);
    EXPECT_EQ(careful.write("/tmp/other"), EROFS);
}

TEST(DemoExample, AdminAndUnknownLabels) {
    LoadedConfig demo = load_example("demo.xml");
    View admin(demo, "admin");
    EXPECT_EQ(admin.write("/etc/motd", "changed\n"), 0);
    EXPECT_EQ(View(demo, "guest").open_error(), EACCES);
    EXPECT_EQ(View(demo, "reader2").open_error(), EACCES);
}

TEST(MultiTenantExample, EachTenantHasAPrivateWriteableHome) {
    LoadedConfig tenants = load_example("multi-tenant.xml");
    ASSERT_EQ(tenants.config.listeners.size(), 1u);
    const std::string listener = tenants.config.listeners[0].label;
    EXPECT_EQ(listener, "tenants");
    const std::vector<std::string> names = {"alice", "bob", "carol"};
    for (const std::string& name : names) {
        View tenant(tenants, compose_label(listener, name));
        ASSERT_EQ(tenant.open_error(), 0) << name;
        std::string home = "/home/" + name;
        EXPECT_EQ(tenant.write((home + "/notes").c_str(), name), 0) << name;
        EXPECT_EQ(tenant.read((home + "/notes").c_str()), name);
        EXPECT_EQ(tenant.read("/pub/README"), "Shared by every tenant, read-only.\n");
        EXPECT_EQ(tenant.write("/pub/README"), EACCES) << name;
        EXPECT_EQ(tenant.write("/pub/new"), EACCES) << name;
        for (const std::string& other : names) {
            if (other == name) continue;
            EXPECT_EQ(tenant.list_error(("/home/" + other).c_str()), EACCES) << name;
            EXPECT_EQ(tenant.read(("/home/" + other + "/notes").c_str()),
                      "errno " + std::to_string(EACCES));
        }
    }
}

TEST(MultiTenantExample, PubOnlySessionsAndRefusals) {
    LoadedConfig tenants = load_example("multi-tenant.xml");
    View pub(tenants, compose_label("tenants", "alice -> pub"));
    ASSERT_EQ(pub.open_error(), 0);
    EXPECT_EQ(pub.read("/README"), "Shared by every tenant, read-only.\n");
    EXPECT_EQ(pub.read("/guide.txt"), *read_host_file(kExamples + "/files/guide.txt"));
    EXPECT_EQ(pub.write("/README"), EROFS);
    EXPECT_EQ(pub.list_error("/../home"), ENOENT);
    // Without the listener's part, or with an unknown tenant: refused.
    EXPECT_EQ(View(tenants, "alice").open_error(), EACCES);
    EXPECT_EQ(View(tenants, compose_label("tenants", "mallory")).open_error(), EACCES);
    EXPECT_EQ(View(tenants, compose_label("other", "alice")).open_error(), EACCES);
}

TEST(ReadonlyImageExample, EveryLabelSeesTheImage) {
    LoadedConfig image = load_example("readonly-image.xml");
    for (const char* label : {"", "anyone", "tenants -> alice", "a -> b -> c"}) {
        View view(image, label);
        ASSERT_EQ(view.open_error(), 0) << label;
        EXPECT_EQ(view.read("/etc/os-release"), "NAME=\"IMFS image\"\nVERSION_ID=\"1\"\n");
        EXPECT_EQ(view.read("/doc/README"),
                  "This tree was imported from content-examples/image.\n");
    }
    TreeReader tree(*image.fs);
    EXPECT_EQ(tree.lstat("/bin/hello")->st_mode, S_IFREG | 0755);
    EXPECT_EQ(*tree.readlink("/doc"), "share/doc");
}

TEST(ReadonlyImageExample, EveryMutatingCallGetsErofsAndChangesNothing) {
    LoadedConfig image = load_example("readonly-image.xml");
    Snapshot before = snapshot(*image.fs);
    View view(image, "client");  // asks to write; the policy says no
    ASSERT_EQ(view.open_error(), 0);
    core::FileSystem& fs = *image.fs;
    core::Session& s = view.s();
    timespec times[2] = {{1, 0}, {1, 0}};
    EXPECT_EQ(view.write("/new"), EROFS);
    EXPECT_EQ(view.write("/etc/os-release"), EROFS);
    for (int flags : {O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC, O_WRONLY | O_APPEND}) {
        EXPECT_EQ(
            View::error_of([&] { return fs.openat(s, AT_FDCWD, "/etc/os-release", flags, 0); }),
            EROFS)
            << flags;
    }
    EXPECT_EQ(View::error_of([&] { return fs.mkdirat(s, AT_FDCWD, "/d", 0755); }), EROFS);
    EXPECT_EQ(View::error_of([&] { return fs.mknodat(s, AT_FDCWD, "/p", S_IFIFO | 0644, 0); }),
              EROFS);
    EXPECT_EQ(View::error_of([&] { return fs.symlinkat(s, "x", AT_FDCWD, "/l"); }), EROFS);
    EXPECT_EQ(View::error_of([&] { return fs.unlinkat(s, AT_FDCWD, "/etc/os-release", 0); }),
              EROFS);
    EXPECT_EQ(View::error_of([&] { return fs.unlinkat(s, AT_FDCWD, "/etc", AT_REMOVEDIR); }),
              EROFS);
    EXPECT_EQ(View::error_of([&] {
                  return fs.renameat2(s, AT_FDCWD, "/etc/os-release", AT_FDCWD, "/etc/x", 0);
              }),
              EROFS);
    EXPECT_EQ(View::error_of(
                  [&] { return fs.linkat(s, AT_FDCWD, "/etc/os-release", AT_FDCWD, "/etc/x", 0); }),
              EROFS);
    EXPECT_EQ(View::error_of([&] { return fs.fchmodat(s, AT_FDCWD, "/bin/hello", 0777, 0); }),
              EROFS);
    EXPECT_EQ(View::error_of([&] { return fs.fchownat(s, AT_FDCWD, "/bin/hello", 1, 1, 0); }),
              EROFS);
    EXPECT_EQ(View::error_of([&] { return fs.utimensat(s, AT_FDCWD, "/bin/hello", times, 0); }),
              EROFS);
    EXPECT_EQ(View::error_of([&] { return fs.truncate(s, "/etc/os-release", 0); }), EROFS);
    EXPECT_EQ(snapshot(fs), before);
}

}  // namespace
}  // namespace imfs::config
