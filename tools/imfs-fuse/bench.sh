#!/usr/bin/env bash
# The core benchmark's host workloads through an imfs-fuse mount and on
# kernel tmpfs (/dev/shm) in one run, with the ratio of each row.
#
#   tools/imfs-fuse/bench.sh [-b BUILD_DIR] [-e ENDPOINT] [-m "imfs-fuse options"]
#                            [-- imfs_bench options]
#
# BUILD_DIR holds imfs-fuse and imfs_bench (default: build); ENDPOINT is what
# to mount (default mem:); -m adds imfs-fuse options (e.g. "--timeout 1"). imfs_bench options default to --quick; pass
# "-- --benchmark_repetitions=3" (and no --quick) for a full, steadier run.
# speed = FUSE / tmpfs (MiB/s), or tmpfs time / FUSE time: below 1 the mount
# is slower. Targets of issue 5: >= 0.5x for 1 MiB sequential data,
# >= 0.3x for metadata.
set -euo pipefail

build=build
endpoint=mem:
mount_args=""
while [ $# -gt 0 ]; do
  case "$1" in
    -b) build=$2; shift 2 ;;
    -e) endpoint=$2; shift 2 ;;
    -m) mount_args=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
bench_args=("$@")
[ ${#bench_args[@]} -eq 0 ] && bench_args=(--quick)

fuse_bin=$build/tools/imfs-fuse/imfs-fuse
bench_bin=$build/benchmarks/imfs_bench
for bin in "$fuse_bin" "$bench_bin"; do
  [ -x "$bin" ] || { echo "bench.sh: $bin is not built (ninja -C $build imfs-fuse imfs_bench)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/imfs-fuse-bench-XXXXXX)
mountpoint=$work/mnt
mkdir "$mountpoint"
cleanup() {
  if mountpoint -q "$mountpoint"; then
    fusermount3 -u "$mountpoint" 2>/dev/null || fusermount3 -uz "$mountpoint"
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck disable=SC2086 # mount_args is a list of words
"$fuse_bin" "$endpoint" "$mountpoint" $mount_args
for _ in $(seq 100); do mountpoint -q "$mountpoint" && break; sleep 0.05; done
mountpoint -q "$mountpoint" || { echo "bench.sh: the mount did not come up" >&2; exit 1; }

run() {  # run DIR OUT: the host workloads with their work directories in DIR
  echo "== imfs_bench host workloads in $1" >&2
  IMFS_BENCH_HOST_DIR=$1 "$bench_bin" --benchmark_filter=/host "${bench_args[@]}" >"$2" 2>&1 ||
    { echo "bench.sh: imfs_bench failed in $1:" >&2; tail -20 "$2" >&2; exit 1; }
}
run /dev/shm "$work/tmpfs.txt"
run "$mountpoint" "$work/fuse.txt"

# The first column of each table row (before "host tmpfs") is the
# workload; the figure after it is "N unit" with unit us/op, ns/op, ms/op or MiB/s.
awk -v endpoint="$endpoint" -v mount_args="$mount_args" '
  function figure(line,    m) {
    if (match(line, /  [0-9.]+ (ns|us|ms|s)\/op|  [0-9.]+ (MiB|GiB)\/s/)) {
      m = substr(line, RSTART + 2, RLENGTH - 2)
      return m
    }
    return ""
  }
  function workload(line) {
    sub(/  +[0-9.]+ .*/, "", line)
    return line
  }
  function value(f,    parts) {  # ns per op, or MiB/s
    split(f, parts, " ")
    if (parts[2] == "ns/op") return parts[1]
    if (parts[2] == "us/op") return parts[1] * 1000
    if (parts[2] == "ms/op") return parts[1] * 1000000
    if (parts[2] == "s/op") return parts[1] * 1000000000
    if (parts[2] == "GiB/s") return parts[1] * 1024
    return parts[1]
  }
  /^workload/ { table = 1; next }
  /^$/ { if (table) table = 0 }
  table {
    f = figure($0)
    if (f == "") next
    name = workload($0)
    if (FILENAME ~ /tmpfs.txt$/) { order[++n] = name; tmpfs[name] = f }
    else fuse[name] = f
  }
  END {
    printf "\nimfs-fuse (%s %s) vs kernel tmpfs, host workloads of imfs_bench. speed = tmpfs time / FUSE time (= FUSE MiB/s / tmpfs MiB/s)\n\n", endpoint, mount_args
    printf "%-44s %14s %14s %8s %8s\n", "workload", "tmpfs", "FUSE", "speed", "target"
    for (i = 1; i <= n; ++i) {
      name = order[i]
      t = tmpfs[name]; u = fuse[name]
      if (u == "") { printf "%-44s %14s %14s %8s\n", name, t, "-", "-"; continue }
      data = (t ~ /\/s$/)
      ratio = data ? value(u) / value(t) : value(t) / value(u)
      target = ""
      if (name ~ /^sequential (write|read) 1 MiB/) target = 0.5
      else if (!data && name !~ /^random/) target = 0.3
      verdict = target == "" ? "" : (ratio >= target ? sprintf(">=%.1fx ok", target) : sprintf(">=%.1fx MISS", target))
      printf "%-44s %14s %14s %7.2fx %s\n", name, t, u, ratio, verdict
    }
  }
' "$work/tmpfs.txt" "$work/fuse.txt"
