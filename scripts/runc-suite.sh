#!/bin/bash
# runc's own integration suite (its tests/integration bats files) at the version of the runc
# installed here (Debian's), run with tsc-box-runtime in runc's place, as youki runs it, and with
# that runc itself as the baseline, in the same run: `npm run test:runc-suite` (as root; slow,
# so not part of `npm test`).
#
# The suite is runc's (Apache-2.0, https://github.com/opencontainers/runc), not copied into this
# tree: it is fetched at run time from the Go module proxy (the module
# github.com/opencontainers/runc at the same tag, which carries tests/integration) into a cache
# dir, with the helper programs its tests use (recvtty, sd-helper, seccompagent) built from it.
# Its images are made here instead of downloaded: busybox from Debian's busybox-static; the
# Debian image (hooks.bats only) is the same busybox rootfs, so those tests fail for both
# runtimes alike and are reported as such.
#
# Output: pass/fail/skip counts for both runtimes, the tests that pass under runc and fail under
# tsc-box-runtime (the differences that matter), and every skip with the reason bats gives.
# RUNC_SUITE_FILTER=REGEX runs only the matching tests; RUNC_SUITE_FILES='a.bats b.bats' only those files;
# RUNC_SUITE_BASELINE=0 skips runc's own run (to check a change quickly).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
RUNTIME=${TSC_BOX_RUNTIME:-$here/target/runtime/tsc-box-runtime}
RUNC_BIN=$(command -v runc) || { echo "runc not found: apt-get install runc" >&2; exit 1; }
command -v bats >/dev/null || { echo "bats not found: apt-get install bats" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq not found (runc's helpers use it): apt-get install jq" >&2; exit 1; }
command -v gawk >/dev/null || { echo "gawk not found (runc's helpers use it): apt-get install gawk" >&2; exit 1; }
command -v go >/dev/null || { echo "go not found (to fetch and build runc's test helpers): apt-get install golang-go" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "runc's suite runs as root here" >&2; exit 1; }
if [ ! -x "$RUNTIME" ] && [ -z "${TSC_BOX_RUNTIME:-}" ]; then
  echo "== building tsc-box-runtime (a fresh clone)"
  sh "$here/scripts/build-runtime.sh"
fi
[ -x "$RUNTIME" ] || { echo "$RUNTIME not built: sh scripts/build-runtime.sh" >&2; exit 1; }

ver=$("$RUNC_BIN" --version | sed -n 's/^runc version \([0-9][0-9.]*\).*/\1/p')
[ -n "$ver" ] || { echo "cannot tell runc's version" >&2; exit 1; }
cache=${TSC_BOX_CACHE:-$HOME/.cache/tsc-box}/runc-suite-v$ver
src=$cache/src
if [ ! -f "$src/tests/integration/helpers.bash" ]; then
  echo "== fetching runc v$ver's sources (the Go module) into $src"
  work=$(mktemp -d)
  (cd "$work" && go mod init runc-suite >/dev/null 2>&1 &&
    GOFLAGS=-mod=mod go mod download -json "github.com/opencontainers/runc@v$ver") >"$work/dl.json"
  dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' "$work/dl.json")
  rm -rf "$work"
  [ -d "$dir" ] || { echo "runc v$ver did not download" >&2; exit 1; }
  mkdir -p "$cache"
  rm -rf "$src.tmp" && cp -r "$dir" "$src.tmp" && chmod -R u+w "$src.tmp"
  # Module zips carry no file modes: the suite's scripts need their executable bit back.
  find "$src.tmp" -name '*.sh' -exec chmod +x {} +
  mv "$src.tmp" "$src"
fi

echo "== runc's test helpers (recvtty, sd-helper, seccompagent)"
for h in recvtty sd-helper seccompagent; do
  [ -x "$src/contrib/cmd/$h/$h" ] && continue
  # -tags seccomp, as runc's Makefile builds them: without it seccompagent is a stub that exits.
  if ! (cd "$src" && GOFLAGS=-mod=mod go build -tags seccomp -o "contrib/cmd/$h/$h" "./contrib/cmd/$h") >"$cache/build-$h.log" 2>&1; then
    # seccompagent needs libseccomp-dev: without it the seccomp-notify tests fail for both runtimes.
    echo "   $h did not build (see $cache/build-$h.log)"
  fi
done

echo "== images (made here, not downloaded)"
arch=$(go env GOARCH)
td=$src/tests/integration/testdata
if [ ! -f "$td/busybox-$arch.tar.xz" ]; then
  rootfs=$(mktemp -d)
  sh "$here/scripts/busybox-rootfs.sh" "$rootfs" >/dev/null
  # mktemp's 0700 would keep the tests' non-root users out of /; /tmp is world-writable.
  chmod 755 "$rootfs"
  chmod 1777 "$rootfs/tmp"
  tar -C "$rootfs" --numeric-owner -cJf "$td/busybox-$arch.tar.xz" .
  rm -rf "$rootfs"
fi
[ -f "$td/debian-$arch.tar.xz" ] || cp "$td/busybox-$arch.tar.xz" "$td/debian-$arch.tar.xz"

out=${RUNC_SUITE_OUT:-$here/.bench/runc-suite}
mkdir -p "$out"
files=()
for f in ${RUNC_SUITE_FILES:-$(cd "$src/tests/integration" && ls ./*.bats)}; do files+=("$src/tests/integration/${f#./}"); done
filter=()
[ -z "${RUNC_SUITE_FILTER:-}" ] || filter=(--filter "$RUNC_SUITE_FILTER")

# What the suite's containers may leave on the host: containers still in a state dir, mounts
# under bats' temp dirs, cgroups of the suite's names. Reported, then removed: the host is left
# as it was.
leftovers() { # NAME BINARY
  local d c found=""
  for d in /tmp/bats-run-*/runc.*/state; do
    [ -d "$d" ] || continue
    for c in $(ls "$d" 2>/dev/null); do
      found="$found container:$c"
      "$2" --root "$d" delete --force "$c" >/dev/null 2>&1 || runc --root "$d" delete --force "$c" >/dev/null 2>&1 || true
    done
  done
  for m in $(awk '$5 ~ "^/tmp/bats-run-" {print $5}' /proc/self/mountinfo | sort -r); do
    found="$found mount:$m"
    umount -l "$m" || true
  done
  # runc's cgroup v1 driver leaves the parent of a cgroupsPath in the unified (v2) hierarchy
  # of a hybrid host, as does tsc-box-runtime: the suite's parents are removed when empty.
  for d in /sys/fs/cgroup/runc-cgroups-integration-test /sys/fs/cgroup/*/runc-cgroups-integration-test /sys/fs/cgroup/test_busybox /sys/fs/cgroup/*/test_busybox; do
    [ -d "$d" ] || continue
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || found="$found cgroup:$d"
  done
  [ -z "$found" ] || echo "   left by $1's run (removed):$found"
}

# A runtime that starts a container in a cgroup frozen beforehand (cgroups.bats freezes one to
# check that runc refuses it) can be stuck there, frozen itself, with bats waiting on its output
# past the test's timeout: a cgroup of the suite still frozen a minute later is thawed, and said.
thaw_watchdog() { # FILE
  # No errexit here: a test (`[ ... ]`) that is false must not end the watchdog.
  set +e +o pipefail
  local f seen="" now
  : >"$1"
  while sleep 60; do
    now=""
    for f in $(find /sys/fs/cgroup/freezer/runc-cgroups-integration-test /sys/fs/cgroup/runc-cgroups-integration-test \
      \( -name freezer.state -o -name cgroup.freeze \) 2>/dev/null); do
      case "$(cat "$f" 2>/dev/null)" in FROZEN | 1) ;; *) continue ;; esac
      case " $seen " in
        *" $f "*) { [ "${f##*/}" = freezer.state ] && echo THAWED >"$f" || echo 0 >"$f"; } 2>/dev/null && echo "${f%/*}" >>"$1" ;;
        *) now="$now $f" ;;
      esac
    done
    seen=$now
  done
}

run_suite() { # NAME BINARY
  echo "== runc's suite with $1 ($2)"
  # The tests' own teardown deletes their containers; a test that hangs is cut at 5 minutes.
  # Under a terminal (script(1)), as runc's CI runs it: `runc spec` sets process.terminal, and
  # runc then needs a controlling terminal (/dev/tty) to hand the container's console to.
  local cmd
  cmd="bats --tap $(printf '%q ' "${filter[@]}" "${files[@]}") >$(printf '%q' "$out/$1.tap") 2>$(printf '%q' "$out/$1.stderr")"
  # A test that hangs is cut after RUNC_SUITE_TEST_TIMEOUT seconds (the events tests do here
  # under runc itself: they wait for every background job of the test's shell).
  thaw_watchdog "$out/$1.thawed" &
  local dog=$!
  RUNC=$2 BATS_TEST_TIMEOUT=${RUNC_SUITE_TEST_TIMEOUT:-60} timeout 5400 script -qec "$cmd" /dev/null </dev/null >/dev/null 2>&1 || true
  kill "$dog" 2>/dev/null || true
  wait "$dog" 2>/dev/null || true
  [ ! -s "$out/$1.thawed" ] || echo "   thawed, frozen for over a minute (a runtime stuck in a frozen cgroup):$(tr '\n' ' ' <"$out/$1.thawed")"
  leftovers "$1" "$2"
  local pass fail skip
  pass=$(grep -c '^ok .*' "$out/$1.tap" | tr -d ' ' || true)
  skip=$(grep -c '^ok .* # skip' "$out/$1.tap" | tr -d ' ' || true)
  fail=$(grep -c '^not ok ' "$out/$1.tap" | tr -d ' ' || true)
  echo "   $1: $((pass - skip)) passed, $fail failed, $skip skipped (TAP: $out/$1.tap)"
}
# tsc-box-runtime first: its results are the ones being worked on while runc's baseline runs.
run_suite tsc-box-runtime "$RUNTIME"
if [ "${RUNC_SUITE_BASELINE:-1}" = 0 ]; then
  echo "== failed under tsc-box-runtime (RUNC_SUITE_BASELINE=0: runc not run)"
  sed -n 's/^not ok [0-9]* \(.*\)$/   \1/p' "$out/tsc-box-runtime.tap"
  exit 0
fi
run_suite runc "$RUNC_BIN"

# Test names without bats' directives (" # skip ...", " # timeout after 60s").
names() { sed -n "s/^$2 [0-9]* \(.*\)$/\1/p" "$out/$1.tap" | sed 's/ # \(skip\|timeout\).*//' | grep -v '^$' | sort; }
echo "== passed under runc, failed under tsc-box-runtime"
comm -12 <(names runc ok) <(names tsc-box-runtime 'not ok') | sed 's/^/   /' | tee "$out/regressions.txt"
echo "== failed under runc too (this host, not the runtime)"
comm -12 <(names runc 'not ok') <(names tsc-box-runtime 'not ok') | sed 's/^/   /'
echo "== passed under tsc-box-runtime, failed under runc"
comm -12 <(names runc 'not ok') <(names tsc-box-runtime ok) | sed 's/^/   /'
echo "== skipped (bats' reason), under tsc-box-runtime"
sed -n 's/^ok [0-9]* \(.*\) # skip \(.*\)$/   \1: \2/p' "$out/tsc-box-runtime.tap"
