#!/usr/bin/env bash
# Installs the build into a fresh prefix, then builds a C program against it
# twice: with pkg-config and plain cc, and as a CMake project using
# find_package(imfs). Both programs must run and print what they wrote.
# Usage: install_test.sh SOURCE_DIR BUILD_DIR
# CC and CFLAGS (set by CTest to the build's own) compile the consumers, so a
# sanitizer build's library links with its runtime.
set -euo pipefail
source_dir=$1
build_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build_dir" --prefix "$prefix" >/dev/null
test -f "$prefix/include/imfs/imfs.h"
libdir=$(dirname "$(find "$prefix" -name 'imfs.pc' -path '*pkgconfig*' | head -n1)")/..

export PKG_CONFIG_PATH=$libdir/pkgconfig
cc=${CC:-cc}
# CFLAGS is a list of flags: split on purpose.
# shellcheck disable=SC2086
"$cc" ${CFLAGS:-} -std=c11 -Wall -Werror "$source_dir/tests/install/hello.c" $(pkg-config --cflags --libs imfs) \
  -Wl,-rpath,"$libdir" -o "$work/hello-pc"
test "$("$work/hello-pc")" = hello

CC="$cc" cmake -S "$source_dir/tests/install/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="${CFLAGS:-}" \
  -DCMAKE_BUILD_RPATH="$libdir" >/dev/null
cmake --build "$work/consumer" >/dev/null
test "$("$work/consumer/hello")" = hello
echo "install test: pkg-config and find_package(imfs) both build and run"
