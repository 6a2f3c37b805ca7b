#!/bin/sh
# Builds tsc-box's arm64 (aarch64-unknown-linux-gnu) artifacts on an x86-64 machine, then
# smoke-tests them under qemu-user. Output in target/cross/aarch64-unknown-linux-gnu/:
#   tsc-box-runtime              static (glibc crt-static), as scripts/build-runtime.sh makes it
#   tsc-box.linux-arm64-gnu.node the napi binding
#
# Why a Debian chroot: rustup cannot download the aarch64 standard library here, but Debian's
# packages can be had. Debian trixie's own rustc (1.85) is older than what Cargo.lock needs
# (napi 3 asks for 1.88), so the compiler, cargo and libstd-rust-dev:arm64 come from
# trixie-backports, the rest (gcc-aarch64-linux-gnu, nodejs:arm64, qemu-user) from trixie.
# The host's rustc cannot use Debian's arm64 std: the two are different builds.
#
# The chroot lives outside the repository ($TSC_BOX_CROSS_CACHE, default
# /var/cache/tsc-box-cross) and is made once (mmdebstrap, as root); later runs reuse it, and the
# cargo target directories in the same cache keep builds incremental. Crates are fetched by the
# host's cargo into the cache's own CARGO_HOME, so the chroot builds offline.
#
# Usage: sh scripts/cross/arm64.sh [build|smoke|chroot|packages DIR]   (default: build then smoke)
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${TSC_BOX_CROSS_CACHE:-/var/cache/tsc-box-cross}
root=$cache/trixie
target=aarch64-unknown-linux-gnu
out=$repo/target/cross/$target
# The sources built: this checkout, or another tree of the same project (e.g. a `git archive`
# export of a commit, when the work tree is mid-change).
src=$(cd "${TSC_BOX_CROSS_SRC:-$repo}" && pwd)
# Changing the recipe (suites, packages) makes the next run build a new chroot.
recipe="trixie+backports amd64,arm64 rustc cargo libstd-rust-dev:arm64 gcc-aarch64-linux-gnu nodejs:arm64 qemu-user v1"

# The Debian mirror the host's apt is configured with (deb822 .sources or one-line lists).
mirror() {
  m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's#^URIs:[[:space:]]*\([^[:space:]]*/debian\)/*[[:space:]]*$#\1#p' | head -n 1)
  [ -n "$m" ] || m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    sed -n 's#^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*/debian\)/*[[:space:]].*#\2#p' | head -n 1)
  [ -n "$m" ] || { echo "arm64.sh: no Debian mirror found in /etc/apt/sources.list*" >&2; exit 1; }
  echo "$m"
}

ensure_chroot() {
  [ "$(cat "$root/.tsc-box-recipe" 2>/dev/null)" = "$recipe" ] && return 0
  if ! command -v mmdebstrap >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
  fi
  m=$(mirror)
  mkdir -p "$cache"
  rm -rf "$root.new"
  echo "arm64.sh: making the trixie chroot in $root (once)" >&2
  mmdebstrap --variant=apt --architectures=amd64,arm64 --skip=output/mknod \
    --include=gcc,libc6-dev,gcc-aarch64-linux-gnu,libc6-dev-arm64-cross,nodejs:arm64,qemu-user \
    --customize-hook='chroot "$1" apt-get install -y -qq --no-install-recommends -t trixie-backports rustc cargo libstd-rust-dev:arm64' \
    trixie "$root.new" "deb $m trixie main" "deb $m trixie-backports main"
  echo "$recipe" >"$root.new/.tsc-box-recipe"
  rm -rf "$root"
  mv "$root.new" "$root"
}

# The glibc the arm64 binding links against: bookworm's (2.36), not the chroot's own (trixie's
# 2.41). Debian's libstd was built against trixie's glibc, and linked against it, the binding
# would ask for GLIBC_2.39 (std's weak pidfd_spawnp and pidfd_getpid get that version) and fail
# to load on Debian 12, Ubuntu 22.04 and other glibc < 2.39 systems. Linked against 2.36, those
# weak symbols stay unversioned and are found at run time where they exist. The static runtime
# needs no glibc at run time and links the chroot's own libc.a.
GLIBC_DIR=/opt/glibc-2.36/usr/aarch64-linux-gnu/lib
ensure_old_glibc() {
  [ -e "$root$GLIBC_DIR/libc.so.6" ] && return 0
  m=$(mirror)
  echo "deb $m bookworm main" >"$root/etc/apt/sources.list.d/bookworm.list"
  # Only downloaded, never installed: trixie's packages keep their higher versions.
  chroot "$root" sh -eu -c "
    apt-get update -qq
    rm -rf /tmp/glibc /opt/glibc-2.36 && mkdir -p /tmp/glibc && cd /tmp/glibc
    apt-get download -qq -o APT::Sandbox::User=root libc6-arm64-cross/bookworm libc6-dev-arm64-cross/bookworm
    for f in *.deb; do dpkg-deb -x \"\$f\" /opt/glibc-2.36; done
    rm -rf /tmp/glibc
    # The linker scripts name the files by their installed paths: point them here.
    for f in $GLIBC_DIR/*.so; do
      if [ -f \"\$f\" ] && grep -q GROUP \"\$f\"; then sed -i 's#/usr/aarch64-linux-gnu/lib/#$GLIBC_DIR/#g' \"\$f\"; fi
    done
  "
}

# Runs a command in the chroot with the sources at /src, the cache at /cache, the output at /out;
# the mounts live
# in a private mount namespace and end with it.
in_chroot() {
  mkdir -p "$cache/work" "$out" "$root/src" "$root/cache" "$root/out" "$root/proc"
  unshare --mount --propagation private sh -eu -c '
    root=$1; src=$2; cache=$3; out=$4; shift 4
    mount --bind "$src" "$root/src"
    mount --bind "$cache/work" "$root/cache"
    mount --bind "$out" "$root/out"
    mount -t proc proc "$root/proc"
    exec chroot "$root" env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 "$@"
  ' sh "$root" "$src" "$cache" "$out" "$@"
}

build() {
  ensure_chroot
  ensure_old_glibc
  # Crates for Cargo.lock, fetched by the host's cargo (crates.io is reachable) into a
  # CARGO_HOME the chroot's cargo reads offline.
  CARGO_HOME=$cache/work/cargo-home cargo fetch --locked --manifest-path "$src/Cargo.toml" >&2
  start=$(date +%s)
  in_chroot sh -eu -c '
    export CARGO_HOME=/cache/cargo-home CARGO_NET_OFFLINE=true
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
    export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
    cd /src
    # The runtime static, the binding dynamic: two target directories, so that neither
    # set of flags rebuilds the other.
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C target-feature=+crt-static" \
      cargo build --release --locked --offline -p tsc-box-runtime --target '"$target"' --target-dir /cache/target-runtime
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C link-arg=-L'"$GLIBC_DIR"'" \
      cargo build --release --locked --offline -p tsc-box-napi --target '"$target"' --target-dir /cache/target-napi
  '
  cp "$cache/work/target-runtime/$target/release/tsc-box-runtime" "$out/tsc-box-runtime.tmp"
  mv "$out/tsc-box-runtime.tmp" "$out/tsc-box-runtime"
  cp "$cache/work/target-napi/$target/release/libtsc_box_napi.so" "$out/tsc-box.linux-arm64-gnu.node.tmp"
  mv "$out/tsc-box.linux-arm64-gnu.node.tmp" "$out/tsc-box.linux-arm64-gnu.node"
  echo "arm64.sh: built in $(($(date +%s) - start)) s: $out" >&2
}

# Under qemu-user (called directly: binfmt_misc need not be registered): the runtime's
# --version and features, and the binding loaded by Debian's arm64 node calling a pure function.
smoke() {
  ensure_chroot
  rt=/out/tsc-box-runtime
  node=/out/tsc-box.linux-arm64-gnu.node
  in_chroot sh -eu -c '
    file=$(od -An -tx1 -j18 -N2 "$1" | tr -d " ")
    [ "$file" = b700 ] || { echo "not an aarch64 ELF: $1 (e_machine $file)" >&2; exit 1; }
    # The newest glibc the binding asks for: at most 2.36, the one it links (ensure_old_glibc).
    need=$(aarch64-linux-gnu-readelf -V "$2" | sed -n "s/.*Name: GLIBC_\([0-9.]*\).*/\1/p" | sort -t. -k1,1n -k2,2n | tail -n 1)
    case $need in
      2.[0-9]|2.[12][0-9]|2.3[0-6]) echo "binding: needs glibc $need" ;;
      *) echo "binding: needs glibc $need, newer than 2.36" >&2; exit 1 ;;
    esac
    qemu-aarch64 "$1" --version
    qemu-aarch64 "$1" features >/tmp/features.json
    grep -q "\"ociVersionMax\"" /tmp/features.json || { echo "features: not the OCI features document" >&2; exit 1; }
    echo "features: $(grep -c . /tmp/features.json) lines, $(grep -o "\"ociVersionMax\": *\"[^\"]*\"" /tmp/features.json)"
    qemu-aarch64 /usr/bin/node -e "
      const b = require(process.argv[1])
      const t = b.formatTable([\"NAME\", \"SIZE\"], [[\"a\", b.formatHumanSize(1536)]])
      process.stdout.write(process.arch + \" node \" + process.version + \"\\n\" + t)
      if (process.arch !== \"arm64\" || !t.includes(\"1.54kB\")) process.exit(1)
    " "$2"
  ' sh "$rt" "$node"
}

# The packed tarballs (scripts/pack-all.js): the main package and the arm64 one, installed as npm
# installs them on an arm64 machine (--cpu=arm64; --force, as npm checks a package named on the
# command line against the real cpu), then loaded by the arm64 node: the CLI's own
# selection (src/runtime/platform.ts) must pick @tsc-box/linux-arm64-gnu by process.arch.
packages() {
  dir=$(cd "$1" && pwd)
  ensure_chroot
  inst=$cache/work/install-arm64
  rm -rf "$inst"
  mkdir -p "$inst"
  echo '{"private": true}' >"$inst/package.json"
  (cd "$inst" && npm install --offline --no-audit --no-fund --force --cpu=arm64 --os=linux --libc=glibc \
    "$dir"/tsc-box-[0-9]*.tgz "$dir"/tsc-box-linux-arm64-gnu-*.tgz >&2)
  in_chroot sh -eu -c '
    cd /cache/install-arm64
    rt=$(qemu-aarch64 /usr/bin/node -e "
      const {native} = require(\"/cache/install-arm64/node_modules/tsc-box/dist/src/native.js\")
      const {runtimePath} = require(\"/cache/install-arm64/node_modules/tsc-box/dist/src/runtime/locate.js\")
      const rt = runtimePath({})
      if (!rt.endsWith(\"/node_modules/@tsc-box/linux-arm64-gnu/tsc-box-runtime\")) throw new Error(\"runtime: \" + rt)
      if (native().formatHumanSize(1536) !== \"1.54kB\") throw new Error(\"binding\")
      process.stdout.write(rt)
    ")
    echo "installed package: binding loaded by arm64 node, runtime $rt: $(qemu-aarch64 "$rt" --version)"
  '
}

case ${1:-all} in
  chroot) ensure_chroot && ensure_old_glibc ;;
  build) build ;;
  smoke) smoke ;;
  packages) packages "${2:?usage: $0 packages DIR-OF-TARBALLS}" ;;
  all) build && smoke ;;
  *) echo "usage: $0 [build|smoke|chroot|packages DIR]" >&2; exit 2 ;;
esac
