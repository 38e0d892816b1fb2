// Moving image tiles into GL textures. Two implementations behind one interface: host upload
// (glTexSubImage2D into a persistent texture) and, in CUDA builds, CUDA–OpenGL interop
// (register the texture once, map, copy from device memory, unmap), which falls back to the
// host path for tiles without device memory or textures CUDA cannot register.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "display/gl_util.h"

namespace shortrun::explorer {

// One w×h block of NHWC floats (c channels) placed at (x, y) of the texture. `host` is always
// set; `device` (CUDA memory, `device_channels` per pixel: 1 or 4) when the frame lives there.
struct Tile {
  int x = 0, y = 0, w = 0, h = 0, c = 1;
  const float* host = nullptr;
  const float* device = nullptr;
  int device_channels = 0;
};

class TextureUpload {
 public:
  virtual ~TextureUpload() = default;
  virtual std::string name() const = 0;
  // Texture formats: R32F (c = 1) or RGBA32F (c = 3 or 4; alpha set to 1 for c = 3).
  virtual void upload(const GlTexture& texture, const std::vector<Tile>& tiles) = 0;
  // Tiles that went through the device path since the start (0 for the host implementation).
  virtual size_t device_tiles() const { return 0; }
};

std::unique_ptr<TextureUpload> make_host_upload();
// CUDA interop when this build has it (SHORTRUN_WITH_CUDA) and `prefer_cuda`; else host upload.
std::unique_ptr<TextureUpload> make_texture_upload(bool prefer_cuda);

}  // namespace shortrun::explorer
