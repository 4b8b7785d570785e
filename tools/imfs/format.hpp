// How file metadata reads in listings, as coreutils prints it.
#pragma once

#include <sys/stat.h>
#include <time.h>

#include <string>

namespace imfs::cli {

// "drwxr-xr-x", with s/S/t/T for the special bits.
std::string mode_string(mode_t mode);
// stat's %F: "regular file", "directory", "symbolic link", ...
std::string file_type_name(const struct stat& st);
// ls -l's date: "Jan  2 15:04" within six months of now, else "Jan  2  2006".
std::string listing_time(const struct timespec& when, time_t now);
// stat's date: "2006-01-02 15:04:05.123456789 +0000".
std::string full_time(const struct timespec& when);
// ls -l's size column: the size, or "MAJOR, MINOR" for a device node.
std::string size_or_device(const struct stat& st);

}  // namespace imfs::cli
