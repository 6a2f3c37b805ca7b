#!/bin/sh
# Builds tsc-box-runtime as a static executable (glibc crt-static): it starts without the dynamic
# loader, and the same file can be bind-mounted into any container as its `--init`, whatever libc
# the image has. The explicit --target keeps the static flag off build scripts and proc macros,
# and off the napi cdylib, which must stay dynamic. Output: target/runtime/tsc-box-runtime.
set -eu
cd "$(dirname "$0")/.."
host=$(rustc -vV | sed -n 's/^host: //p')
flags_var="CARGO_TARGET_$(echo "$host" | tr 'a-z-' 'A-Z_')_RUSTFLAGS"
env "$flags_var=-C target-feature=+crt-static" \
  cargo build --release --locked -p tsc-box-runtime --target "$host" "$@"
mkdir -p target/runtime
cp "target/$host/release/tsc-box-runtime" target/runtime/tsc-box-runtime.tmp
mv target/runtime/tsc-box-runtime.tmp target/runtime/tsc-box-runtime
