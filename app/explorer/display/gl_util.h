// Small OpenGL helpers for the explorer: program compilation with readable errors and a
// texture that owns its GL name. Needs a current GL context and GLEW initialised.
#pragma once
#include <string>

#include <GL/glew.h>

namespace shortrun::explorer {

// Compiles and links a vertex + fragment program; throws shortrun::Error with the GL log.
GLuint compile_program(const std::string& vertex_src, const std::string& fragment_src, const std::string& name);

// A 2D texture (moves, no copies). Float sources use R32F (1 channel) or RGBA32F.
class GlTexture {
 public:
  GlTexture() = default;
  ~GlTexture();
  GlTexture(GlTexture&& o) noexcept;
  GlTexture& operator=(GlTexture&& o) noexcept;
  GlTexture(const GlTexture&) = delete;
  GlTexture& operator=(const GlTexture&) = delete;

  // (Re)allocates when the size or format differs; returns true if it did.
  bool allocate(int width, int height, GLenum internal_format);
  void set_filter(bool nearest);
  GLuint id() const { return id_; }
  int width() const { return width_; }
  int height() const { return height_; }
  GLenum format() const { return format_; }

 private:
  void release();
  GLuint id_ = 0;
  int width_ = 0, height_ = 0;
  GLenum format_ = 0;
};

}  // namespace shortrun::explorer
