// A program may still call imfs_* while it exits: from an atexit handler,
// or from a static destructor. Such a handler, registered before the first
// imfs_* call, runs after every static the library constructed on that call
// has been destroyed, if the library's state were ordinary statics. Here it
// uses a file and the session that main left open, then closes them.
//
// Exit status: 0 when every call in the handler gave what it should, else
// the number of the first that did not (a use of freed memory is reported
// by AddressSanitizer in the sanitizer build, and may pass unnoticed here).
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <imfs/imfs.h>

static int session = -1;
static int fd = -1;

static void fail(int step) {
    _exit(step);
}

static void use_imfs_while_exiting(void) {
    char back[6] = {0};
    if (imfs_pwrite(session, fd, "later", 5, 5) != 5) fail(11);
    if (imfs_pread(session, fd, back, 5, 5) != 5 || memcmp(back, "later", 5) != 0) fail(12);
    if (imfs_close(session, fd) != 0) fail(13);
    int again = imfs_open(session, "/kept", O_RDONLY, 0);
    if (again < 0 || imfs_read(session, again, back, 5) != 5 || memcmp(back, "early", 5) != 0)
        fail(14);
    if (imfs_session_close(session) != 0) fail(15);
    errno = 0;
    if (imfs_close(session, again) != -1 || errno != EBADF) fail(16);
    // A session opened now works as any other.
    int late = imfs_session_open("mem:", "late", NULL);
    if (late < 0 || imfs_mkdir(late, "/made-at-exit", 0755) != 0) fail(17);
    if (imfs_session_close(late) != 0) fail(18);
}

int main(void) {
    if (atexit(use_imfs_while_exiting) != 0) return 1;
    session = imfs_session_open("mem:", "main", NULL);
    if (session < 0) return 2;
    fd = imfs_open(session, "/kept", O_CREAT | O_RDWR, 0644);
    if (fd < 0 || imfs_write(session, fd, "early", 5) != 5) return 3;
    return 0;  // exit() runs the handler
}
