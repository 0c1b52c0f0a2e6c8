#!/usr/bin/env bash
# Builds gantry-test/busybox:latest, a small image for trying gantry and for
# its tests, from Debian's busybox-static: no registry is needed. Quick when
# the image exists.
set -euo pipefail
image=${1:-gantry-test/busybox:latest}

docker image inspect "$image" >/dev/null 2>&1 && exit 0
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root"
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
echo 'nogroup:x:65534:' >>"$root/etc/group"
chmod 1777 "$root/tmp"
tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' - "$image" >/dev/null
echo "built $image"
