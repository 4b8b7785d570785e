// Not a test: how long a start-up from N generated files takes, through
// <import> and through <tar>. Prints the load reports.
// Usage: config_load_time [FILES]   (default 100000)
#include <archive.h>
#include <archive_entry.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "config/config.hpp"
#include "test_support.hpp"

using imfs::config::testing::TempDir;
using imfs::config::testing::write_host_file;

namespace {

// Files of 16..1040 bytes, 100 to a directory.
std::string file_name(long i) {
    return "d" + std::to_string(i / 100) + "/f" + std::to_string(i % 100);
}
std::string file_data(long i) {
    return std::string(16 + static_cast<std::size_t>(i % 1025), 'a' + i % 26);
}

bool load(const std::string& what, const std::string& config_path) {
    auto loaded = imfs::config::load_file_system(config_path);
    if (!loaded) {
        for (const auto& d : loaded.error())
            std::fprintf(stderr, "%s\n", d.to_string().c_str());
        return false;
    }
    std::printf("%-7s %s\n", what.c_str(), loaded->report.to_string().c_str());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    long files = argc > 1 ? std::atol(argv[1]) : 100000;
    TempDir dir;
    for (long i = 0; i < files; ++i)
        write_host_file(dir / ("tree/" + file_name(i)), file_data(i));

    archive* writer = archive_write_new();
    archive_write_set_format_pax_restricted(writer);
    archive_write_open_filename(writer, (dir / "tree.tar").c_str());
    for (long i = 0; i < files; ++i) {
        std::string data = file_data(i);
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, file_name(i).c_str());
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_perm(entry, 0644);
        archive_entry_set_uid(entry, 1000);
        archive_entry_set_gid(entry, 1000);
        archive_entry_set_mtime(entry, 1700000000, 0);
        archive_entry_set_size(entry, static_cast<la_int64_t>(data.size()));
        archive_write_header(writer, entry);
        archive_write_data(writer, data.data(), data.size());
        archive_entry_free(entry);
    }
    archive_write_close(writer);
    archive_write_free(writer);

    write_host_file(dir / "import.xml",
                    "<config><content><import path=\"tree\"/></content></config>");
    write_host_file(dir / "tar.xml",
                    "<config><content><tar path=\"tree.tar\"/></content></config>");
    bool ok = load("import", dir / "import.xml") && load("tar", dir / "tar.xml");
    return ok ? 0 : 1;
}
