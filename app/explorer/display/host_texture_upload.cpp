// Host upload: glTexSubImage2D of each tile into the persistent texture (RGB padded to RGBA).
#include <vector>

#include "display/texture_upload.h"

namespace shortrun::explorer {

namespace {
class HostTextureUpload : public TextureUpload {
 public:
  std::string name() const override { return "host (glTexSubImage2D)"; }
  void upload(const GlTexture& texture, const std::vector<Tile>& tiles) override {
    glBindTexture(GL_TEXTURE_2D, texture.id());
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    const bool gray = texture.format() == GL_R32F;
    for (const Tile& t : tiles) {
      if (!t.host) continue;
      const float* src = t.host;
      if (!gray && t.c != 4) {
        // RGBA32F texture: expand 1 or 3 channels to RGBA with alpha 1.
        rgba_.resize(size_t(t.w) * t.h * 4);
        for (int i = 0; i < t.w * t.h; ++i)
          for (int ch = 0; ch < 4; ++ch)
            rgba_[size_t(i) * 4 + ch] = ch == 3 ? 1.0f : t.host[size_t(i) * t.c + (t.c == 1 ? 0 : ch)];
        src = rgba_.data();
      } else if (gray && t.c != 1) {
        gray_.resize(size_t(t.w) * t.h);
        for (int i = 0; i < t.w * t.h; ++i) gray_[i] = t.host[size_t(i) * t.c];
        src = gray_.data();
      }
      glTexSubImage2D(GL_TEXTURE_2D, 0, t.x, t.y, t.w, t.h, gray ? GL_RED : GL_RGBA, GL_FLOAT, src);
    }
  }

 private:
  std::vector<float> rgba_, gray_;
};
}  // namespace

std::unique_ptr<TextureUpload> make_host_upload() { return std::make_unique<HostTextureUpload>(); }

#ifndef SHORTRUN_WITH_CUDA
std::unique_ptr<TextureUpload> make_texture_upload(bool) { return make_host_upload(); }
#endif

}  // namespace shortrun::explorer
