// Writes the binary seed corpora: make_seeds DIR writes DIR/request/* (a
// cut byte, then a hello and request frames, as fuzz_request reads them)
// and DIR/paths/* (programs for fuzz_paths). Run by hand after a change of
// the schema or of the paths encoding; its output is committed.
#include <capnp/message.h>
#include <fcntl.h>
#include <linux/fs.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "codec.hpp"
#include "imfs.capnp.h"

namespace {

using namespace imfs::protocol;
using Bytes = std::vector<unsigned char>;
using Fill = std::function<void(Request::Builder)>;

void append(Bytes& out, capnp::MessageBuilder& message) {
    auto words = encode(message);
    auto bytes = words.asBytes();
    out.insert(out.end(), bytes.begin(), bytes.end());
}

void hello(Bytes& out, const std::string& subroot = "", std::uint32_t version = VERSION) {
    capnp::MallocMessageBuilder message;
    auto h = message.initRoot<Hello>();
    h.setVersion(version);
    h.setLabel("fuzz");
    h.setWriteable(true);
    h.setSubroot(subroot);
    append(out, message);
}

void request(Bytes& out, const Fill& fill) {
    static std::uint64_t id = 1;
    capnp::MallocMessageBuilder message;
    auto r = message.initRoot<Request>();
    r.setId(id++);
    fill(r);
    append(out, message);
}

void at(PathCall::Builder call, const char* path, int flags = 0, unsigned mode = 0,
        int dirfd = AT_FDCWD) {
    call.setDirfd(dirfd);
    call.setPath(path);
    call.setFlags(flags);
    call.setMode(mode);
}

void write_file(const std::string& path, const Bytes& bytes) {
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
}

Bytes stream(unsigned char cut, const std::string& subroot, const std::vector<Fill>& requests) {
    Bytes out{cut};
    hello(out, subroot);
    for (const auto& fill : requests)
        request(out, fill);
    return out;
}

void request_seeds(const std::string& dir) {
    // Descriptor calls on the first descriptor a session gets (3).
    write_file(dir + "/files",
               stream(0, "",
                      {
                          [](auto r) { at(r.initOpenat(), "/dir/new", O_CREAT | O_RDWR, 0644); },
                          [](auto r) {
                              auto w = r.initWrite();
                              w.setFd(3);
                              w.setData(kj::StringPtr("data").asBytes());
                          },
                          [](auto r) {
                              auto w = r.initWrite();
                              w.setFd(3);
                              w.setData(kj::StringPtr("far").asBytes());
                              w.setPositional(true);
                              w.setOffset(1 << 20);
                          },
                          [](auto r) {
                              auto l = r.initLseek();
                              l.setFd(3);
                              l.setOffset(0);
                              l.setWhence(SEEK_DATA);
                          },
                          [](auto r) {
                              auto l = r.initLseek();
                              l.setFd(3);
                              l.setOffset(0);
                              l.setWhence(SEEK_HOLE);
                          },
                          [](auto r) {
                              auto c = r.initRead();
                              c.setFd(3);
                              c.setCount(64);
                              c.setPositional(true);
                          },
                          [](auto r) {
                              auto f = r.initFallocate();
                              f.setFd(3);
                              f.setMode(0);
                              f.setOffset(0);
                              f.setLength(8192);
                          },
                          [](auto r) {
                              auto t = r.initFtruncate();
                              t.setFd(3);
                              t.setLength(10);
                          },
                          [](auto r) {
                              auto d = r.initDup();
                              d.setFd(3);
                          },
                          [](auto r) {
                              auto d = r.initDup3();
                              d.setOldfd(3);
                              d.setNewfd(9);
                              d.setFlags(O_CLOEXEC);
                          },
                          [](auto r) {
                              auto f = r.initFcntl();
                              f.setFd(3);
                              f.setCmd(F_SETFL);
                              f.setArg(O_APPEND);
                          },
                          [](auto r) {
                              auto m = r.initFchmod();
                              m.setFd(3);
                              m.setMode(0600);
                          },
                          [](auto r) {
                              auto o = r.initFchown();
                              o.setFd(3);
                              o.setUid(1);
                              o.setGid(1);
                          },
                          [](auto r) {
                              auto f = r.initReopen();
                              f.setFd(3);
                              f.setFlags(O_RDONLY);
                          },
                          [](auto r) { r.setFsync(3); },
                          [](auto r) { r.setClose(3); },
                          [](auto r) { r.setClose(3); },
                      }));
    write_file(dir + "/names",
               stream(0, "",
                      {
                          [](auto r) { at(r.initMkdirat(), "/dir/a", 0, 0755); },
                          [](auto r) {
                              auto s = r.initSymlinkat();
                              s.setTarget("../file");
                              at(s.initAt(), "/dir/a/s");
                          },
                          [](auto r) {
                              auto l = r.initReadlinkat();
                              at(l.initAt(), "/dir/a/s");
                              l.setSize(100);
                          },
                          [](auto r) {
                              auto t = r.initRenameat2();
                              at(t.initFrom(), "/dir/a");
                              at(t.initTo(), "/b");
                              t.setFlags(RENAME_NOREPLACE);
                          },
                          [](auto r) {
                              auto t = r.initLinkat();
                              at(t.initFrom(), "/dir/file");
                              at(t.initTo(), "/hard");
                          },
                          [](auto r) {
                              auto t = r.initRenameat2();
                              at(t.initFrom(), "/hard");
                              at(t.initTo(), "/link");
                              t.setFlags(RENAME_EXCHANGE);
                          },
                          [](auto r) {
                              auto m = r.initMknodat();
                              at(m.initAt(), "/fifo", 0, S_IFIFO | 0644);
                          },
                          [](auto r) { at(r.initOpenat(), "/", O_RDONLY | O_DIRECTORY); },
                          [](auto r) {
                              auto g = r.initGetdents64();
                              g.setFd(3);
                              g.setSize(4096);
                          },
                          [](auto r) { at(r.initUnlinkat(), "/b", AT_REMOVEDIR); },
                          [](auto r) { at(r.initUnlinkat(), "/hard"); },
                      }));
    write_file(dir + "/metadata",
               stream(0, "",
                      {
                          [](auto r) { at(r.initFstatat(), "/link", AT_SYMLINK_NOFOLLOW); },
                          [](auto r) { at(r.initFstatat(), "/loop/x"); },
                          [](auto r) { at(r.initFaccessat(), "/dir/file", 0, R_OK | W_OK); },
                          [](auto r) { at(r.initFchmodat(), "/dir/file", 0, 04755); },
                          [](auto r) {
                              auto c = r.initFchownat();
                              at(c.initAt(), "/dir", AT_SYMLINK_NOFOLLOW);
                              c.setUid(5);
                              c.setGid(0xffffffff);
                          },
                          [](auto r) {
                              auto u = r.initUtimensat();
                              at(u.initAt(), "/dir/file");
                              u.setSetTimes(true);
                              u.initAtime().setNsec(UTIME_NOW);
                              u.initMtime().setNsec(UTIME_OMIT);
                          },
                          [](auto r) { at(r.initStatvfs(), "/"); },
                          [](auto r) {
                              auto t = r.initTruncate();
                              t.setPath("/dir/file");
                              t.setLength(3);
                          },
                          [](auto r) { at(r.initChdir(), "/dir/sub"); },
                          [](auto r) { r.setGetcwd(); },
                          [](auto r) { r.setFchdir(5); },
                      }));
    write_file(dir + "/session", stream(0, "",
                                        {
                                            [](auto r) { r.setUmask(077); },
                                            [](auto r) {
                                                auto c = r.initSetCredentials();
                                                c.setUid(1000);
                                                c.setGid(1000);
                                                c.initGroups(2).set(0, 7);
                                            },
                                            [](auto r) { r.setSetFdLimit(5); },
                                            [](auto r) {
                                                auto c = r.initCredentials();
                                                c.setUid(0);
                                                at(r.initOpenat(), "/x", O_CREAT | O_WRONLY, 0600);
                                            },
                                            [](auto r) { r.setFork(); },
                                            [](auto r) { r.setExec(); },
                                            [](auto r) { r.setStats(); },
                                        }));
    // A subroot, and paths that try to leave it.
    write_file(dir + "/subroot",
               stream(0, "dir",
                      {
                          [](auto r) { at(r.initFstatat(), "../../.."); },
                          [](auto r) { at(r.initOpenat(), "/../link/file", O_RDONLY); },
                          [](auto r) {
                              auto s = r.initSymlinkat();
                              s.setTarget("/..");
                              at(s.initAt(), "up");
                          },
                          [](auto r) { at(r.initMkdirat(), "up/escape", 0, 0755); },
                          [](auto r) { r.setGetcwd(); },
                      }));
    // The same stream cut into 1- and 7-byte reads.
    Bytes cut =
        stream(1, "", {[](auto r) { at(r.initFstatat(), "/dir"); }, [](auto r) { r.setStats(); }});
    write_file(dir + "/cut-1", cut);
    cut[0] = 7;
    write_file(dir + "/cut-7", cut);
    // Broken peers: a request first, a second hello, an old version.
    Bytes early{0};
    request(early, [](auto r) { r.setGetcwd(); });
    write_file(dir + "/request-first", early);
    Bytes twice = stream(0, "", {});
    hello(twice);
    write_file(dir + "/second-hello", twice);
    // A segment table that claims more than the frame limit (EMSGSIZE),
    // and a frame of two segments.
    Bytes huge{0};
    hello(huge);
    for (unsigned char b : {0, 0, 0, 0, 0, 0, 0x10, 0})
        huge.push_back(b);  // 1 segment, 1M words
    write_file(dir + "/oversize", huge);
    Bytes two = stream(0, "", {});
    {
        capnp::MallocMessageBuilder message(1, capnp::AllocationStrategy::FIXED_SIZE);
        auto r = message.initRoot<Request>();
        r.setId(99);
        at(r.initOpenat(), "/dir/file/with/a/longer/path/in/a/second/segment", O_RDONLY);
        append(two, message);
    }
    write_file(dir + "/two-segments", two);
    Bytes old{0};
    hello(old, "", VERSION + 1);
    write_file(dir + "/old-version", old);
}

// Programs for fuzz_paths: opcode, then its arguments (paths: shape byte,
// component bytes; see paths_target.cpp).
void paths_seeds(const std::string& dir) {
    // Component indexes: a=0 d=1 e=2 f=3 up=4 abs=5 back=6 dotdot=7 deep=8
    // root=9 loop=10 sibling=11 ..=12 .=13 x=15 outside=17 secret=20 new=22
    const std::vector<std::pair<const char*, Bytes>> programs = {
        // fstatat up/secret, abs/secret, d/back, root/outside, dotdot/dotdot/jail2
        {"stats", {0, 0, 2, 4, 20, 0, 0,  0, 2, 5, 20, 0, 0, 0,  2, 1,
                   6, 0, 0, 0, 2,  9, 17, 0, 0, 0, 3,  7, 7, 19, 0}},
        // open up with O_PATH|O_DIRECTORY, then mkdirat(fd, "new"), openat(fd, "secret",
        // O_WRONLY|O_TRUNC)
        {"open-escape", {1, 0, 1, 4, 11, 2, 1, 1, 22, 1, 1, 1, 20, 6, 15, 0, 1}},
        // rename d to ../../x, link abs/secret to mine, symlink / to s, chdir deep, mkdir x
        {"rename-link", {3, 0,  1, 1, 0, 3, 12, 12, 15, 0, 4, 0, 2, 5, 20, 0,
                         1, 22, 1, 5, 8, 0, 1,  15, 7,  2, 1, 8, 2, 0, 1,  15}},
        // truncate sibling, chmod up, unlink dotdot/jail2/f, getcwd after chdir dotdot
        {"changes", {10, 1, 11, 0, 11, 0, 1, 4, 7, 6, 0, 3, 7, 19, 3, 0, 7, 1, 7, 14}},
        // loops and trailing slashes
        {"loops", {0, 0, 17, 10, 0, 0, 25, 10, 4, 1, 1, 0, 2, 10, 15, 1}},
    };
    for (const auto& [name, bytes] : programs)
        write_file(dir + "/" + name, bytes);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_seeds CORPUS_DIR\n");
        return 2;
    }
    request_seeds(std::string(argv[1]) + "/request");
    paths_seeds(std::string(argv[1]) + "/paths");
    return 0;
}
