// The handler table and the connection set-up.
#include "operations.hpp"

namespace imfs::fuse {

namespace {

void init(void*, fuse_conn_info* connection) {
    // Writes go straight to IMFS: a write-back cache would keep other
    // sessions from seeing them, and mtime from being IMFS's.
    connection->want &= ~FUSE_CAP_WRITEBACK_CACHE;
    // open(O_TRUNC) truncates in IMFS's open, with its permission check,
    // rather than as a separate SETATTR.
    if (connection->capable & FUSE_CAP_ATOMIC_O_TRUNC) {
        connection->want |= FUSE_CAP_ATOMIC_O_TRUNC;
    }
    // Let the kernel drop cached pages when size or mtime change under it.
    if (connection->capable & FUSE_CAP_AUTO_INVAL_DATA) {
        connection->want |= FUSE_CAP_AUTO_INVAL_DATA;
    }
    // The kernel applies the caller's umask itself (the session's is 0).
    connection->want &= ~FUSE_CAP_DONT_MASK;
}

fuse_lowlevel_ops make_operations() {
    fuse_lowlevel_ops ops{};
    ops.init = init;
    ops.lookup = handlers::lookup;
    ops.forget = handlers::forget;
    ops.forget_multi = handlers::forget_multi;
    ops.getattr = handlers::getattr;
    ops.setattr = handlers::setattr;
    ops.readlink = handlers::readlink;
    ops.mknod = handlers::mknod;
    ops.mkdir = handlers::mkdir;
    ops.unlink = handlers::unlink;
    ops.rmdir = handlers::rmdir;
    ops.symlink = handlers::symlink;
    ops.rename = handlers::rename;
    ops.link = handlers::link;
    ops.open = handlers::open;
    ops.read = handlers::read;
    ops.write = handlers::write;
    ops.flush = handlers::flush;
    ops.release = handlers::release;
    ops.fsync = handlers::fsync;
    ops.opendir = handlers::opendir;
    ops.readdir = handlers::readdir;
    ops.releasedir = handlers::releasedir;
    ops.fsyncdir = handlers::fsyncdir;
    ops.statfs = handlers::statfs;
    ops.access = handlers::access;
    ops.create = handlers::create;
    ops.fallocate = handlers::fallocate;
    ops.readdirplus = handlers::readdirplus;
    ops.lseek = handlers::lseek;
    // No getlk/setlk/flock: the kernel keeps POSIX and BSD locks itself,
    // which is right for a mount that is the only way into its files, and
    // what sqlite3 needs.
    return ops;
}

}  // namespace

const fuse_lowlevel_ops& imfs_operations() {
    static const fuse_lowlevel_ops ops = make_operations();
    return ops;
}

}  // namespace imfs::fuse
