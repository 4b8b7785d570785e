# The IMFS session protocol: what a client and imfsd say over one
# connection. This file is the contract; each field says what it means.
#
# Framing: every message is one Cap'n Proto message in the standard stream
# framing (segment count, segment sizes, segments). A connection carries:
#
#   client -> server   Hello                       (exactly once, first)
#   server -> client   HelloReply                  (then, if accepted:)
#   client -> server   Request, Request, ...       (any number in flight)
#   server -> client   Reply, Reply, ...           (one per Request, in order)
#
# One connection is one session. Replies come in the order of the requests
# and carry the request's id, so a client may send several requests before
# it reads a reply. A malformed message, or one over the server's size or
# traversal limits, closes the connection; nothing else is affected.
#
# Numbers are Linux's: open flags, modes, errno values, AT_* flags, whence,
# fallocate modes, dev_t, all as <fcntl.h> and <sys/stat.h> define them on
# Linux. Paths are bytes without NUL, at most 4095 of them.

@0xd9335a3e946f9e5d;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("imfs::protocol");

# The protocol version this schema describes. A Hello with another version
# is refused with EPROTONOSUPPORT.
const version :UInt32 = 1;

# A Hello's data section (2 words) is smaller than a Request's (3): that is
# how the server tells a request sent before the hello, or a second hello,
# and closes the connection. Keep it so if either struct grows.
struct Hello {
  version @0 :UInt32;
  # The label the client asks for. The label policies see is the listener's
  # label, " -> ", then this one (or this one alone on a listener without a
  # label).
  label @1 :Text;
  # The client wants to write. It gets write access only if its policy also
  # allows writing; otherwise the session is read-only (EROFS on changes).
  writeable @2 :Bool;
  # "" or a directory below the policy root that becomes the session's
  # root. A subroot outside the policy root cannot be named.
  subroot @3 :Text;
  # Nonzero: this connection takes over the session that a `fork` request
  # on another connection created and answered with this token. label,
  # writeable and subroot are then ignored: the child has its parent's.
  attach @4 :UInt64;
}

struct HelloReply {
  # 0: accepted. Else the session is refused and the connection closed:
  # EACCES (no policy admits the label), EPROTONOSUPPORT (version),
  # ENOENT/ENOTDIR (subroot), EINVAL (bad attach token).
  errno @0 :Int32;
  # Whether the session may write (policy and wish together).
  writeable @1 :Bool;
}

# Who a request acts as. Honoured only when the session's policy trusts the
# client to act for its own callers (the FUSE mount does this); ignored
# otherwise.
struct Credentials {
  uid @0 :UInt32;
  gid @1 :UInt32;
  groups @2 :List(UInt32);  # supplementary groups, at most 65536
}

struct Timespec {
  sec @0 :Int64;
  nsec @1 :Int64;  # or UTIME_NOW / UTIME_OMIT where utimensat takes them
}

# Arguments of the calls that name a node by (dirfd, path). dirfd is a
# descriptor of this session or AT_FDCWD (-100).
struct PathCall {
  dirfd @0 :Int32;
  path @1 :Text;
  flags @2 :Int32;   # the call's flags: open flags, AT_* flags
  mode @3 :UInt32;   # creation mode, chmod mode, or access(2) mode
}

struct Request {
  # Chosen by the client; the reply carries it back.
  id @0 :UInt64;
  # Optional: act as this identity for this request only (see Credentials).
  credentials @1 :Credentials;

  # An operation the server does not know (a newer schema's) is answered
  # with ENOSYS; the connection goes on.

  union {
    # ---- Sessions -------------------------------------------------------
    # Reply value: a token for Hello.attach on a new connection, which then
    # carries a child session sharing this one's open file descriptions.
    fork @2 :Void;
    exec @3 :Void;                   # close the O_CLOEXEC descriptors
    setCredentials @4 :Credentials;  # from now on (EPERM unless trusted)
    setFdLimit @5 :UInt64;           # RLIMIT_NOFILE of the session
    umask @6 :UInt32;                # reply value: the previous mask
    stats @7 :Void;                  # reply stats: the server's counters

    # ---- Paths ---------------------------------------------------------
    openat @8 :PathCall;             # flags, mode; reply value: the fd
    mkdirat @9 :PathCall;            # mode
    mknodat @10 :MknodCall;
    fstatat @11 :PathCall;           # flags (AT_*); reply stat
    faccessat @12 :PathCall;         # mode (R_OK...), flags
    fchmodat @13 :PathCall;          # mode, flags
    fchownat @14 :ChownCall;
    utimensat @15 :UtimensCall;
    statvfs @16 :PathCall;           # flags (AT_EMPTY_PATH); reply statvfs
    unlinkat @17 :PathCall;          # flags (AT_REMOVEDIR)
    readlinkat @18 :ReadlinkCall;    # reply data
    truncate @19 :TruncateCall;
    chdir @20 :PathCall;
    symlinkat @21 :SymlinkCall;
    linkat @22 :TwoPathCall;         # flags (AT_SYMLINK_FOLLOW, AT_EMPTY_PATH)
    renameat2 @23 :TwoPathCall;      # flags (RENAME_NOREPLACE, RENAME_EXCHANGE)

    # ---- Descriptors ---------------------------------------------------
    reopen @24 :FdFlagsCall;         # reply value: the new fd
    close @25 :Int32;                # the fd
    read @26 :ReadCall;              # reply data (short at the end of file)
    write @27 :WriteCall;            # reply value: bytes written
    lseek @28 :LseekCall;            # reply value: the new offset
    ftruncate @29 :FdLengthCall;
    fsync @30 :Int32;                # the fd
    fallocate @31 :FallocateCall;
    dup @32 :DupCall;                # reply value: the new fd
    dup3 @33 :Dup3Call;              # reply value: newfd
    fcntl @34 :FcntlCall;            # reply value: as fcntl(2) returns
    fchmod @35 :FdModeCall;
    fchown @36 :FdChownCall;
    getdents64 @37 :GetdentsCall;    # reply data: linux_dirent64 records
    fchdir @38 :Int32;               # the fd
    getcwd @39 :Void;                # reply path

    # ---- Server ---------------------------------------------------------
    # Write the server's snapshot now: the whole tree, as a tar archive, to
    # the file imfsd was started with (--snapshot FILE), atomically. Trusted
    # sessions only (EPERM otherwise); ENOTSUP when the server has no
    # snapshot file; else the errno of what failed (the server logs why).
    # The reply comes once the file is in place.
    snapshot @40 :Void;
  }
}

struct MknodCall {
  at @0 :PathCall;   # dirfd, path, mode (type bits and permissions)
  dev @1 :UInt64;
}

struct ChownCall {
  at @0 :PathCall;   # dirfd, path, flags
  uid @1 :UInt32;    # 0xffffffff: leave as it is
  gid @2 :UInt32;    # 0xffffffff: leave as it is
}

struct UtimensCall {
  at @0 :PathCall;          # dirfd, path, flags
  nullPath @1 :Bool;        # utimensat with a NULL path: the node dirfd names
  setTimes @2 :Bool;        # false: times NULL (both now)
  atime @3 :Timespec;
  mtime @4 :Timespec;
}

struct ReadlinkCall {
  at @0 :PathCall;   # dirfd, path
  size @1 :UInt32;   # the caller's buffer size (0: EINVAL)
}

struct TruncateCall {
  path @0 :Text;
  length @1 :Int64;
}

struct SymlinkCall {
  target @0 :Text;
  at @1 :PathCall;   # dirfd, path of the new link
}

struct TwoPathCall {
  from @0 :PathCall;  # olddirfd, oldpath
  to @1 :PathCall;    # newdirfd, newpath
  flags @2 :UInt32;
}

struct FdFlagsCall {
  fd @0 :Int32;
  flags @1 :Int32;
}

struct ReadCall {
  fd @0 :Int32;
  count @1 :UInt32;      # at most the server's maximum transfer (4 MiB)
  positional @2 :Bool;   # pread: at offset, leaving the file offset alone
  offset @3 :Int64;
}

struct WriteCall {
  fd @0 :Int32;
  data @1 :Data;         # at most the server's maximum transfer (4 MiB)
  positional @2 :Bool;   # pwrite
  offset @3 :Int64;
}

struct LseekCall {
  fd @0 :Int32;
  offset @1 :Int64;
  whence @2 :Int32;
}

struct FdLengthCall {
  fd @0 :Int32;
  length @1 :Int64;
}

struct FallocateCall {
  fd @0 :Int32;
  mode @1 :Int32;
  offset @2 :Int64;
  length @3 :Int64;
}

struct DupCall {
  fd @0 :Int32;
  minFd @1 :Int32;       # dup: 0; fcntl F_DUPFD: its argument
  cloexec @2 :Bool;
}

struct Dup3Call {
  oldfd @0 :Int32;
  newfd @1 :Int32;
  flags @2 :Int32;       # -1: dup2 semantics; else dup3's flags
}

struct FcntlCall {
  fd @0 :Int32;
  cmd @1 :Int32;         # F_GETFD, F_SETFD, F_GETFL, F_SETFL (dups use DupCall)
  arg @2 :Int64;
}

struct FdModeCall {
  fd @0 :Int32;
  mode @1 :UInt32;
}

struct FdChownCall {
  fd @0 :Int32;
  uid @1 :UInt32;
  gid @2 :UInt32;
}

struct GetdentsCall {
  fd @0 :Int32;
  size @1 :UInt32;       # the caller's buffer size, at most 4 MiB
}

struct Stat {
  dev @0 :UInt64;
  ino @1 :UInt64;
  mode @2 :UInt32;
  nlink @3 :UInt64;
  uid @4 :UInt32;
  gid @5 :UInt32;
  rdev @6 :UInt64;
  size @7 :Int64;
  blksize @8 :Int64;
  blocks @9 :Int64;
  atime @10 :Timespec;
  mtime @11 :Timespec;
  ctime @12 :Timespec;
}

struct StatVfs {
  bsize @0 :UInt64;
  frsize @1 :UInt64;
  blocks @2 :UInt64;
  bfree @3 :UInt64;
  bavail @4 :UInt64;
  files @5 :UInt64;
  ffree @6 :UInt64;
  favail @7 :UInt64;
  fsid @8 :UInt64;
  flag @9 :UInt64;
  namemax @10 :UInt64;
}

# The server's counters, for operators and for tests that check nothing
# leaks (a killed client must leave no session and no descriptor behind).
struct ServerStats {
  connections @0 :UInt64;   # open connections
  sessions @1 :UInt64;      # live sessions, forked ones not yet attached included
  descriptors @2 :UInt64;   # open descriptors over all sessions
  inodes @3 :UInt64;        # inodes in the tree (and held open)
  bytes @4 :UInt64;         # bytes of file data
}

struct Reply {
  id @0 :UInt64;             # the request's id
  errno @1 :Int32;           # 0: success; else the Linux errno, result none
  result :union {
    none @2 :Void;
    value @3 :Int64;          # descriptors, counts, offsets, tokens, masks
    stat @4 :Stat;
    statvfs @5 :StatVfs;
    data @6 :Data;            # read, readlinkat, getdents64
    path @7 :Text;            # getcwd
    stats @8 :ServerStats;
  }
}
