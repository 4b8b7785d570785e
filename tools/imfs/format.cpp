#include "format.hpp"

#include <sys/sysmacros.h>

#include <cstdio>
#include <ctime>

namespace imfs::cli {

namespace {

char type_letter(mode_t mode) {
    switch (mode & S_IFMT) {
        case S_IFDIR:
            return 'd';
        case S_IFLNK:
            return 'l';
        case S_IFCHR:
            return 'c';
        case S_IFBLK:
            return 'b';
        case S_IFIFO:
            return 'p';
        case S_IFSOCK:
            return 's';
        default:
            return '-';
    }
}

// The execute letter of one class: x, or the special bit's letter
// (lower case when execute is also set).
char execute_letter(bool execute, bool special, char special_letter) {
    if (!special) return execute ? 'x' : '-';
    return execute ? special_letter : static_cast<char>(special_letter - 'a' + 'A');
}

}  // namespace

std::string mode_string(mode_t mode) {
    std::string text(10, '-');
    text[0] = type_letter(mode);
    text[1] = mode & S_IRUSR ? 'r' : '-';
    text[2] = mode & S_IWUSR ? 'w' : '-';
    text[3] = execute_letter(mode & S_IXUSR, mode & S_ISUID, 's');
    text[4] = mode & S_IRGRP ? 'r' : '-';
    text[5] = mode & S_IWGRP ? 'w' : '-';
    text[6] = execute_letter(mode & S_IXGRP, mode & S_ISGID, 's');
    text[7] = mode & S_IROTH ? 'r' : '-';
    text[8] = mode & S_IWOTH ? 'w' : '-';
    text[9] = execute_letter(mode & S_IXOTH, mode & S_ISVTX, 't');
    return text;
}

std::string file_type_name(const struct stat& st) {
    switch (st.st_mode & S_IFMT) {
        case S_IFREG:
            return st.st_size == 0 ? "regular empty file" : "regular file";
        case S_IFDIR:
            return "directory";
        case S_IFLNK:
            return "symbolic link";
        case S_IFCHR:
            return "character special file";
        case S_IFBLK:
            return "block special file";
        case S_IFIFO:
            return "fifo";
        case S_IFSOCK:
            return "socket";
        default:
            return "weird file";
    }
}

std::string listing_time(const struct timespec& when, time_t now) {
    // As ls: a date more than six months old, or in the future, shows the
    // year instead of the time of day.
    constexpr time_t six_months = 31556952 / 2;
    if (when.tv_sec > now) {
        // A node changed after the listing began: read the clock again, as
        // ls does, before calling its date the future.
        struct timespec clock {};
        clock_gettime(CLOCK_REALTIME, &clock);
        now = clock.tv_sec;
    }
    bool recent = when.tv_sec > now - six_months && when.tv_sec <= now;
    struct tm local {};
    localtime_r(&when.tv_sec, &local);
    char text[64];
    std::size_t length =
        std::strftime(text, sizeof text, recent ? "%b %e %H:%M" : "%b %e  %Y", &local);
    return std::string(text, length);
}

std::string full_time(const struct timespec& when) {
    struct tm local {};
    localtime_r(&when.tv_sec, &local);
    char date[40];
    char zone[16];
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &local);
    std::strftime(zone, sizeof zone, "%z", &local);
    char text[80];
    std::snprintf(text, sizeof text, "%s.%09ld %s", date, static_cast<long>(when.tv_nsec), zone);
    return text;
}

std::string size_or_device(const struct stat& st) {
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
        return std::to_string(major(st.st_rdev)) + ", " + std::to_string(minor(st.st_rdev));
    return std::to_string(st.st_size);
}

}  // namespace imfs::cli
