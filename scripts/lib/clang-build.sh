# Sourced by scripts/fuzz and scripts/sanitize: configures a clang build of
# the tree in a directory of its own, with the compiler flags given.
#
#   clang_configure BUILD_DIR "FLAGS" [CMAKE_ARGS...]
#
# clang 19 (scripts/bootstrap installs it): libstdc++ 12's <expected> needs
# __cpp_concepts >= 202002L, which clang 14 lacks.

find_clang() {
    for cxx in clang++-19 clang++; do
        if command -v "$cxx" >/dev/null &&
            echo '#include <expected>
                  std::expected<int, int> e;' | "$cxx" -std=c++2b -x c++ -fsyntax-only - 2>/dev/null; then
            echo "$cxx"
            return
        fi
    done
    echo "no clang that compiles <expected> (scripts/bootstrap installs clang-19)" >&2
    return 2
}

# The ASan+UBSan build that also makes the libFuzzer targets: scripts/fuzz
# and scripts/sanitize share it, so both configure it here, the same way.
# -fsanitize=fuzzer-no-link adds only the coverage hooks the fuzzers need.
asan_fuzz_configure() {
    clang_configure "$1" \
        "-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
        -DIMFS_FUZZ=ON -DIMFS_WERROR=ON
}

clang_configure() {
    local build="$1" flags="$2"
    shift 2
    [ -f "$build/build.ninja" ] && return 0
    local cxx
    cxx="$(find_clang)"
    # Cap'n Proto 0.9's capnp/blob.h compares const char* with a StringPtr
    # in a way that C++20's rewritten comparisons make ill-formed for clang
    # (GCC accepts it; capnp 0.10 fixed it): a copy of the headers with
    # those two lines turned round, searched first.
    rm -rf "$build/compat" && mkdir -p "$build/compat"
    cp -r /usr/include/capnp "$build/compat/"
    sed -i -e 's/return a == b.asString();/return b.asString() == a;/' \
        -e 's/return a != b.asString();/return b.asString() != a;/' "$build/compat/capnp/blob.h"
    flags="-I$build/compat $flags"
    # -O1 and line tables only: sanitizer reports keep file:line stacks, and
    # the build takes far less time than -O2 -g.
    CC="${cxx/clang++/clang}" CXX="$cxx" cmake -S "$root" -B "$build" -G Ninja \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIMFS_BUILD_BENCHMARKS=OFF \
        -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
        -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" "$@" >/dev/null
}
