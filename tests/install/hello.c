/* A C11 program built against an installed IMFS, as a user would build it:
 * it writes a file into the embedded file system and reads it back. */
#include <imfs/imfs.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    int session = imfs_session_open("mem:", "install-test", NULL);
    if (session < 0) return 1;
    int fd = imfs_open(session, "/greeting", O_CREAT | O_RDWR, 0644);
    if (fd < 0 || imfs_write(session, fd, "hello", 5) != 5) return 2;
    char buffer[8] = {0};
    if (imfs_pread(session, fd, buffer, sizeof buffer, 0) != 5) return 3;
    if (strcmp(buffer, "hello") != 0) return 4;
    puts(buffer);
    return imfs_session_close(session) == 0 ? 0 : 5;
}
