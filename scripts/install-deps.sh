#!/usr/bin/env bash
# Installs the Debian packages Shortrun needs that are missing (nothing is downloaded from
# anywhere else). Runs apt-get as root, or through sudo. SHORTRUN_EXPLORER=0 leaves out the GUI's
# packages; SHORTRUN_FFMPEG=1 adds the optional ffmpeg (the explorer's GIF/MP4 export).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libtorch-dev nlohmann-json3-dev libstb-dev libcli11-dev libgtest-dev librandom123-dev zlib1g-dev
  libjpeg62-turbo-dev                  # JPEG decoding (optional at build time: without it, PNG only)
  libgloo-dev                          # c10d's Gloo headers: data-parallel training (optional at build time)
  python3-torch python3-numpy          # the independent reference the tests compare against
  python3-pil                          # JPEG fixtures and PIL's decode as their reference
  dataset-fashion-mnist                # training data for `shortrun train --data fashion-mnist`
)
if [ "${SHORTRUN_EXPLORER:-1}" = 1 ]; then
  # The GUI, its software-GL test display (Xvfb + Mesa), the font and PIL for screenshot checks.
  packages+=(libimgui-dev libglfw3-dev libglew-dev libgl-dev xvfb xauth libgl1-mesa-dri fonts-dejavu-core
             xdotool)  # xdotool: the GUI tests send real key and mouse events
fi
# Optional: GIF/MP4 export of chains in the explorer uses Debian's ffmpeg when it is on the PATH
# (without it, exports are PNG frames only, and the GUI tests skip the video checks).
# SHORTRUN_FFMPEG=1 installs it.
if [ "${SHORTRUN_FFMPEG:-0}" = 1 ]; then
  packages+=(ffmpeg)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} Debian packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
