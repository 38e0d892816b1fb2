// OpenGL helpers: shader compilation and texture ownership.
#include "display/gl_util.h"

#include <utility>
#include <vector>

#include "shortrun/base/error.h"

namespace shortrun::explorer {

namespace {
GLuint compile_stage(GLenum stage, const std::string& src, const std::string& name) {
  const GLuint s = glCreateShader(stage);
  const char* text = src.c_str();
  glShaderSource(s, 1, &text, nullptr);
  glCompileShader(s);
  GLint ok = 0;
  glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    GLint len = 0;
    glGetShaderiv(s, GL_INFO_LOG_LENGTH, &len);
    std::vector<char> log(std::max(len, 1));
    glGetShaderInfoLog(s, len, nullptr, log.data());
    glDeleteShader(s);
    throw Error("shader " + name + " does not compile: " + std::string(log.data()));
  }
  return s;
}
}  // namespace

GLuint compile_program(const std::string& vertex_src, const std::string& fragment_src, const std::string& name) {
  const GLuint vs = compile_stage(GL_VERTEX_SHADER, vertex_src, name + " (vertex)");
  GLuint fs = 0;
  try {
    fs = compile_stage(GL_FRAGMENT_SHADER, fragment_src, name + " (fragment)");
  } catch (...) {
    glDeleteShader(vs);
    throw;
  }
  const GLuint p = glCreateProgram();
  glAttachShader(p, vs);
  glAttachShader(p, fs);
  glLinkProgram(p);
  glDeleteShader(vs);
  glDeleteShader(fs);
  GLint ok = 0;
  glGetProgramiv(p, GL_LINK_STATUS, &ok);
  if (!ok) {
    GLint len = 0;
    glGetProgramiv(p, GL_INFO_LOG_LENGTH, &len);
    std::vector<char> log(std::max(len, 1));
    glGetProgramInfoLog(p, len, nullptr, log.data());
    glDeleteProgram(p);
    throw Error("shader program " + name + " does not link: " + std::string(log.data()));
  }
  return p;
}

GlTexture::~GlTexture() { release(); }

GlTexture::GlTexture(GlTexture&& o) noexcept
    : id_(std::exchange(o.id_, 0)), width_(o.width_), height_(o.height_), format_(o.format_) {}

GlTexture& GlTexture::operator=(GlTexture&& o) noexcept {
  if (this != &o) {
    release();
    id_ = std::exchange(o.id_, 0);
    width_ = o.width_;
    height_ = o.height_;
    format_ = o.format_;
  }
  return *this;
}

void GlTexture::release() {
  if (id_) glDeleteTextures(1, &id_);
  id_ = 0;
}

bool GlTexture::allocate(int width, int height, GLenum internal_format) {
  if (id_ && width == width_ && height == height_ && internal_format == format_) return false;
  release();
  glGenTextures(1, &id_);
  glBindTexture(GL_TEXTURE_2D, id_);
  const bool is_float = internal_format == GL_R32F || internal_format == GL_RGBA32F;
  const GLenum fmt = internal_format == GL_R32F ? GL_RED : GL_RGBA;
  glTexImage2D(GL_TEXTURE_2D, 0, internal_format, width, height, 0, fmt, is_float ? GL_FLOAT : GL_UNSIGNED_BYTE, nullptr);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  width_ = width;
  height_ = height;
  format_ = internal_format;
  set_filter(true);
  return true;
}

void GlTexture::set_filter(bool nearest) {
  glBindTexture(GL_TEXTURE_2D, id_);
  const GLint f = nearest ? GL_NEAREST : GL_LINEAR;
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, f);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, f);
}

}  // namespace shortrun::explorer
