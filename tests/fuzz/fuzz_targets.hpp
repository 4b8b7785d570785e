// The fuzz targets' entry functions. Each takes one input as libFuzzer
// hands it over and returns 0; a broken promise (a path that escapes its
// root, a tree changed outside a session's view) aborts with a message, and
// the sanitizers report memory and undefined-behaviour errors. The same
// functions are linked into libFuzzer binaries (clang, -DIMFS_FUZZ=ON) and
// into regressions_test (the normal build), which replays every committed
// input through them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace imfs::fuzz {

// Bytes as a connection receives them: input[0] picks how the stream is cut
// into reads (0: all at once, else pieces of that many bytes), the rest is
// the stream (a hello frame, then request frames). Runs what imfsd runs per
// frame (FrameReader, the hello's admission, dispatch) on a small tree.
int fuzz_request(const std::uint8_t* data, std::size_t size);

// The bytes as the text of a config file: parse_config, then (when the
// content names no host files) populate a fresh tree with it.
int fuzz_config(const std::uint8_t* data, std::size_t size);

// A little program of path calls (see paths_target.cpp for its encoding)
// run by a session narrowed to /jail of a fixed tree full of symlinks that
// point out of it. Aborts if anything outside /jail changes or is named.
int fuzz_paths(const std::uint8_t* data, std::size_t size);

// Called on a broken promise: prints what and aborts.
[[noreturn]] void violation(const char* what);

}  // namespace imfs::fuzz
