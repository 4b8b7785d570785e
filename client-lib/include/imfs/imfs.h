/*
 * imfs.h: the C API of IMFS, an in-memory POSIX file system.
 *
 * Conventions:
 *  1. Every call mirrors a POSIX call of the same name without the "imfs_"
 *     prefix, with the session added as the first argument.
 *  2. Success returns what the POSIX call returns. Failure returns -1 (NULL
 *     for calls that return pointers) and sets errno to what Linux sets for
 *     the same call on the same tree. Nothing is changed by a failed call.
 *  3. A session is a small non-negative int from imfs_session_open() or
 *     imfs_fork(). It owns a descriptor table (descriptors start at 3, the
 *     lowest free one is used), a working directory, a root it can never
 *     leave, credentials and a umask. A bad session gives EBADF.
 *  4. Endpoints: "mem:" is this process's embedded file system (created by
 *     imfs_embedded_init() or on first use). "unix:PATH" and "tcp:HOST:PORT"
 *     name an imfsd server: the calls travel there and answer the same.
 *     A lost connection makes every later call on the session fail with
 *     EIO.
 *  5. Thread safety: every call may be made from any thread, on the same or
 *     different sessions. Calls on one descriptor are atomic with respect to
 *     its file offset, as on Linux. Calls also work while the process exits
 *     (from an atexit handler or a static destructor): the library's state
 *     is never destroyed, and sessions left open are not closed at exit.
 *  6. Extensions that POSIX lacks are marked "IMFS extension".
 */
#ifndef IMFS_IMFS_H
#define IMFS_IMFS_H

#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/* ---- Sessions ---------------------------------------------------------- */

struct imfs_session_options {
    int readonly;        /* nonzero: ask for a read-only session */
    const char* subroot; /* NULL, or a directory below the policy root */
};

/* Creates the embedded ("mem:") file system of this process from the XML
 * config at config_path (its content, limits and policies, as imfsd reads
 * them); sessions then follow its policies. NULL gives an empty tree where
 * every label gets root "/" and may write. EBUSY if it exists already;
 * EINVAL for a bad config (its messages, FILE:LINE:COLUMN, on stderr). */
int imfs_embedded_init(const char* config_path);

/* Opens a session on endpoint for label. opts may be NULL. EACCES when no
 * policy admits the label; ENOENT/ENOTDIR when the subroot does not name a
 * directory; EROFS never (a read-only policy gives a read-only session);
 * connect(2)'s errno when no server answers; EPROTONOSUPPORT when the
 * server speaks another protocol version; EINVAL for a malformed endpoint;
 * EMFILE when the process has 1,048,576 sessions open. */
int imfs_session_open(const char* endpoint, const char* label,
                      const struct imfs_session_options* opts);
/* Closes every descriptor of the session, then the session. */
int imfs_session_close(int session);
/* A new session whose descriptor table copies session's; the copies share
 * open file descriptions (offset and status flags), as after fork(2).
 * EMFILE when the process has 1,048,576 sessions open. */
int imfs_fork(int session);
/* Closes the session's O_CLOEXEC descriptors, as a successful execve(2). */
int imfs_exec(int session);

/* IMFS extension: act as uid/gid/groups from now on (setresuid and
 * setgroups together). Allowed when the session's policy trusts the client
 * (always in embedded mode without a config); else EPERM. */
int imfs_setcred(int session, uid_t uid, gid_t gid, size_t ngroups, const gid_t* groups);
/* IMFS extension: the RLIMIT_NOFILE of the session: descriptors must stay
 * below limit (EMFILE past it). Default 1024, as a process's soft limit;
 * maximum 1048576 (EINVAL above), as Linux's nr_open. */
int imfs_set_fd_limit(int session, unsigned long limit);
/* IMFS extension: asks the imfsd that serves session to write its
 * snapshot (the whole tree, to its --snapshot FILE, atomically) now; returns
 * once the file is in place. EPERM unless the session's policy trusts the
 * client; ENOTSUP for an embedded session or a server without --snapshot;
 * else the errno of the write that failed (the server's log says more). */
int imfs_snapshot(int session);

/* ---- Files ------------------------------------------------------------- */

int imfs_open(int session, const char* path, int flags, ...);
int imfs_openat(int session, int dirfd, const char* path, int flags, ...);
int imfs_creat(int session, const char* path, mode_t mode);
/* IMFS extension: opens the node that fd names (typically an O_PATH
 * descriptor) with new flags, as open("/proc/self/fd/N", flags) does on
 * Linux. O_CREAT, O_EXCL and O_TRUNC are accepted as Linux accepts them. */
int imfs_reopen(int session, int fd, int flags);
int imfs_close(int session, int fd);
ssize_t imfs_read(int session, int fd, void* buf, size_t count);
ssize_t imfs_write(int session, int fd, const void* buf, size_t count);
ssize_t imfs_pread(int session, int fd, void* buf, size_t count, off_t offset);
ssize_t imfs_pwrite(int session, int fd, const void* buf, size_t count, off_t offset);
ssize_t imfs_readv(int session, int fd, const struct iovec* iov, int iovcnt);
ssize_t imfs_writev(int session, int fd, const struct iovec* iov, int iovcnt);
off_t imfs_lseek(int session, int fd, off_t offset, int whence);
int imfs_ftruncate(int session, int fd, off_t length);
int imfs_truncate(int session, const char* path, off_t length);
int imfs_fsync(int session, int fd);
int imfs_fdatasync(int session, int fd);
int imfs_fallocate(int session, int fd, int mode, off_t offset, off_t len);
int imfs_dup(int session, int oldfd);
int imfs_dup2(int session, int oldfd, int newfd);
int imfs_dup3(int session, int oldfd, int newfd, int flags);
/* F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL. */
int imfs_fcntl(int session, int fd, int cmd, ...);

/* ---- Metadata ---------------------------------------------------------- */

int imfs_stat(int session, const char* path, struct stat* buf);
int imfs_lstat(int session, const char* path, struct stat* buf);
int imfs_fstat(int session, int fd, struct stat* buf);
int imfs_fstatat(int session, int dirfd, const char* path, struct stat* buf, int flags);
int imfs_access(int session, const char* path, int mode);
int imfs_faccessat(int session, int dirfd, const char* path, int mode, int flags);
int imfs_chmod(int session, const char* path, mode_t mode);
int imfs_fchmod(int session, int fd, mode_t mode);
int imfs_fchmodat(int session, int dirfd, const char* path, mode_t mode, int flags);
int imfs_chown(int session, const char* path, uid_t owner, gid_t group);
int imfs_lchown(int session, const char* path, uid_t owner, gid_t group);
int imfs_fchown(int session, int fd, uid_t owner, gid_t group);
int imfs_fchownat(int session, int dirfd, const char* path, uid_t owner, gid_t group, int flags);
int imfs_utimensat(int session, int dirfd, const char* path, const struct timespec times[2],
                   int flags);
int imfs_futimens(int session, int fd, const struct timespec times[2]);
int imfs_statvfs(int session, const char* path, struct statvfs* buf);
int imfs_fstatvfs(int session, int fd, struct statvfs* buf);
mode_t imfs_umask(int session, mode_t mask);

/* ---- Names ------------------------------------------------------------- */

int imfs_mkdir(int session, const char* path, mode_t mode);
int imfs_mkdirat(int session, int dirfd, const char* path, mode_t mode);
int imfs_rmdir(int session, const char* path);
int imfs_unlink(int session, const char* path);
int imfs_unlinkat(int session, int dirfd, const char* path, int flags);
int imfs_link(int session, const char* oldpath, const char* newpath);
int imfs_linkat(int session, int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
                int flags);
int imfs_symlink(int session, const char* target, const char* linkpath);
int imfs_symlinkat(int session, const char* target, int newdirfd, const char* linkpath);
ssize_t imfs_readlink(int session, const char* path, char* buf, size_t bufsiz);
ssize_t imfs_readlinkat(int session, int dirfd, const char* path, char* buf, size_t bufsiz);
int imfs_rename(int session, const char* oldpath, const char* newpath);
int imfs_renameat(int session, int olddirfd, const char* oldpath, int newdirfd,
                  const char* newpath);
/* flags: 0, RENAME_NOREPLACE or RENAME_EXCHANGE (values as in <linux/fs.h>). */
int imfs_renameat2(int session, int olddirfd, const char* oldpath, int newdirfd,
                   const char* newpath, unsigned int flags);
int imfs_mknod(int session, const char* path, mode_t mode, dev_t dev);
int imfs_mknodat(int session, int dirfd, const char* path, mode_t mode, dev_t dev);
int imfs_mkfifo(int session, const char* path, mode_t mode);

/* ---- Directories ------------------------------------------------------- */

/* Linux's struct linux_dirent64, as getdents64(2) fills it. */
struct imfs_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};
ssize_t imfs_getdents64(int session, int fd, void* dirp, size_t count);

typedef struct imfs_dir IMFS_DIR; /* opaque */
IMFS_DIR* imfs_opendir(int session, const char* path);
/* Takes ownership of fd (closed by imfs_closedir). */
IMFS_DIR* imfs_fdopendir(int session, int fd);
/* The returned entry stays valid until the next call on dir. NULL with
 * errno unchanged at the end. */
struct dirent* imfs_readdir(IMFS_DIR* dir);
void imfs_rewinddir(IMFS_DIR* dir);
int imfs_closedir(IMFS_DIR* dir);
int imfs_dirfd(IMFS_DIR* dir);

int imfs_chdir(int session, const char* path);
int imfs_fchdir(int session, int fd);
char* imfs_getcwd(int session, char* buf, size_t size);

/* ---- Host files -------------------------------------------------------- */

/* Copies the host file host_path to the same path inside the session,
 * creating missing directories (mode 0755) and keeping the file's mode. */
int imfs_load_file(int session, const char* host_path);
/* Copies the file at path inside the session to host_path on the host. */
int imfs_dump_file(int session, const char* path, const char* host_path);
/* imfs_load_file for each name of a ':'-separated list; stops at the
 * first failure. */
int imfs_preloads(int session, const char* list);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* IMFS_IMFS_H */
