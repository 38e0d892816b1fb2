#!/usr/bin/env bash
# Release check of the Debian package (too slow for CI: the chroot alone downloads about 1 GB):
# packs shortrun_<version>_amd64.deb with cpack from ${BUILD_DIR:-build} (built first if it is
# missing), installs it with apt into a clean Debian 12 chroot (debootstrap; apt resolves its
# Depends from the archive), then runs `shortrun --version`, `info`, `sample` and a headless
# explorer screenshot in there. Needs root. The last result is noted in the README's Set-up.
set -euo pipefail
cd "$(dirname "$0")/.."
root=${CHROOT:-/var/tmp/shortrun-deb-chroot}
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap
dir=${BUILD_DIR:-build}
[ -x "$dir/shortrun" ] || BUILD_DIR=$dir bash scripts/build.sh
(cd "$dir" && cpack -G DEB > cpack.log)
deb=$(ls "$dir"/shortrun_*_amd64.deb)
echo "test-deb: built $deb ($(du -h "$deb" | cut -f1)); Depends: $(dpkg-deb -f "$deb" Depends)"
if [ ! -x "$root/usr/bin/apt-get" ]; then
  rm -rf "$root"
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian > "$root.log" 2>&1
fi
cp "$deb" "$root/tmp/shortrun.deb"
mount --bind /proc "$root/proc"; trap 'umount "$root/proc" 2>/dev/null || true' EXIT
chroot "$root" /bin/sh -ec '
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q > /dev/null
  apt-get install -y -q --no-install-recommends /tmp/shortrun.deb xvfb xauth libgl1-mesa-dri > /tmp/apt.log
  cd /tmp
  shortrun --version
  shortrun info | head -4
  shortrun sample --n 16 --steps 10 --out /tmp/samples.png
  xvfb-run -a -s "-screen 0 1600x1000x24" shortrun-explorer --config-dir none --frames 30 --screenshot /tmp/explorer.png
  ls -la /tmp/samples.png /tmp/explorer.png'
cp "$root/tmp/explorer.png" "$dir/deb-explorer.png"
echo "test-deb: ok; the chroot's explorer screenshot is $dir/deb-explorer.png"
