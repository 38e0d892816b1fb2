// DisplayImage and the colormap pass: float source -> RGBA8 display texture through an FBO.
#include "display/display_image.h"

#include "display/shader_source.h"

namespace shortrun::explorer {

ColormapPass::ColormapPass() {
  const ShaderText vs = shader_source("fullscreen.vert");
  const ShaderText fs = shader_source("colormap.frag");
  program_ = compile_program(vs.text, fs.text, "colormap");
  origin_ = fs.origin;
  loc_lo_ = glGetUniformLocation(program_, "lo");
  loc_hi_ = glGetUniformLocation(program_, "hi");
  loc_channels_ = glGetUniformLocation(program_, "channels");
  loc_colormap_ = glGetUniformLocation(program_, "colormap");
  loc_source_ = glGetUniformLocation(program_, "source");
  glGenVertexArrays(1, &vao_);  // core profile draws need a bound VAO, even an empty one
}

ColormapPass::~ColormapPass() {
  if (program_) glDeleteProgram(program_);
  if (vao_) glDeleteVertexArrays(1, &vao_);
}

void ColormapPass::draw(const GlTexture& source, int channels, GLuint target_fbo, int width, int height,
                        const DisplayParams& p) {
  GLint old_fbo = 0, old_program = 0, old_vao = 0, old_viewport[4];
  glGetIntegerv(GL_FRAMEBUFFER_BINDING, &old_fbo);
  glGetIntegerv(GL_CURRENT_PROGRAM, &old_program);
  glGetIntegerv(GL_VERTEX_ARRAY_BINDING, &old_vao);
  glGetIntegerv(GL_VIEWPORT, old_viewport);
  const GLboolean blend = glIsEnabled(GL_BLEND), scissor = glIsEnabled(GL_SCISSOR_TEST);
  glDisable(GL_BLEND);
  glDisable(GL_SCISSOR_TEST);
  glBindFramebuffer(GL_FRAMEBUFFER, target_fbo);
  glViewport(0, 0, width, height);
  glUseProgram(program_);
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, source.id());
  glUniform1i(loc_source_, 0);
  glUniform1f(loc_lo_, p.lo);
  glUniform1f(loc_hi_, p.hi);
  glUniform1i(loc_channels_, channels);
  glUniform1i(loc_colormap_, static_cast<int>(p.colormap));
  glBindVertexArray(vao_);
  glDrawArrays(GL_TRIANGLES, 0, 3);
  glBindVertexArray(old_vao);
  glUseProgram(old_program);
  glBindFramebuffer(GL_FRAMEBUFFER, old_fbo);
  glViewport(old_viewport[0], old_viewport[1], old_viewport[2], old_viewport[3]);
  if (blend) glEnable(GL_BLEND);
  if (scissor) glEnable(GL_SCISSOR_TEST);
}

DisplayImage::~DisplayImage() {
  if (fbo_) glDeleteFramebuffers(1, &fbo_);
}

void DisplayImage::ensure(int width, int height, int channels) {
  channels_ = channels;
  source_.allocate(width, height, channels == 1 ? GL_R32F : GL_RGBA32F);
  if (display_.allocate(width, height, GL_RGBA8)) {
    display_.set_filter(nearest_);
    if (!fbo_) glGenFramebuffers(1, &fbo_);
    GLint old = 0;
    glGetIntegerv(GL_FRAMEBUFFER_BINDING, &old);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, display_.id(), 0);
    glBindFramebuffer(GL_FRAMEBUFFER, old);
  }
}

void DisplayImage::upload(TextureUpload& uploader, const std::vector<Tile>& tiles) {
  uploader.upload(source_, tiles);
}

void DisplayImage::render(ColormapPass& pass, const DisplayParams& params) {
  if (params.nearest != nearest_) {
    nearest_ = params.nearest;
    display_.set_filter(nearest_);
  }
  pass.draw(source_, channels_, fbo_, source_.width(), source_.height(), params);
}

}  // namespace shortrun::explorer
