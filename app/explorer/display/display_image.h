// A float image on the GPU and its display version: the float source texture (written through
// a TextureUpload) is mapped to RGBA8 by the colormap shader in an offscreen pass, and the
// result is what ImGui draws — nearest or linear magnified, with a value range and colormap.
#pragma once
#include <imgui.h>

#include "display/gl_util.h"
#include "display/texture_upload.h"

namespace shortrun::explorer {

enum class Colormap { kGray = 0, kDiverging = 1, kSequential = 2 };

struct DisplayParams {
  float lo = -1.0f, hi = 1.0f;
  Colormap colormap = Colormap::kGray;
  bool nearest = true;
};

// The shader program shared by every DisplayImage (created once the GL context exists).
class ColormapPass {
 public:
  ColormapPass();  // compiles shaders (throws shortrun::Error)
  ~ColormapPass();
  void draw(const GlTexture& source, int channels, GLuint target_fbo, int width, int height, const DisplayParams& p);
  const std::string& origin() const { return origin_; }

 private:
  GLuint program_ = 0, vao_ = 0;
  GLint loc_lo_ = -1, loc_hi_ = -1, loc_channels_ = -1, loc_colormap_ = -1, loc_source_ = -1;
  std::string origin_;
};

class DisplayImage {
 public:
  DisplayImage() = default;
  ~DisplayImage();
  DisplayImage(const DisplayImage&) = delete;
  DisplayImage& operator=(const DisplayImage&) = delete;

  // Sizes the textures for a width×height image of `channels` (1, 3 or 4).
  void ensure(int width, int height, int channels);
  // Uploads tiles into the float source; call render() afterwards.
  void upload(TextureUpload& uploader, const std::vector<Tile>& tiles);
  // Redraws the display texture from the source.
  void render(ColormapPass& pass, const DisplayParams& params);
  ImTextureID id() const { return reinterpret_cast<ImTextureID>(static_cast<intptr_t>(display_.id())); }
  int width() const { return source_.width(); }
  int height() const { return source_.height(); }
  bool valid() const { return display_.id() != 0; }

 private:
  GlTexture source_, display_;
  GLuint fbo_ = 0;
  int channels_ = 1;
  bool nearest_ = true;
};

}  // namespace shortrun::explorer
