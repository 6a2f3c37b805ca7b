#!/bin/sh
# Makes a tiny root filesystem from Debian's busybox-static in DIR: enough to run a real
# container with no image and no registry (`tsc-box run --rootfs DIR sh`).
set -eu
dir=${1:?usage: busybox-rootfs.sh DIR}
bb=$(command -v busybox) || { echo "busybox not found: apt-get install busybox-static" >&2; exit 1; }
mkdir -p "$dir/bin" "$dir/etc" "$dir/tmp" "$dir/root" "$dir/proc" "$dir/sys" "$dir/dev"
cp "$bb" "$dir/bin/busybox"
# Relative links: `busybox --install -s` would write absolute host paths, dangling inside.
for app in $("$dir/bin/busybox" --list); do
  [ "$app" = busybox ] || ln -sf busybox "$dir/bin/$app"
done
[ -e "$dir/etc/passwd" ] || printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$dir/etc/passwd"
[ -e "$dir/etc/group" ] || printf 'root:x:0:\nnogroup:x:65534:\n' > "$dir/etc/group"
echo "$dir"
