// Finds the explorer's GLSL sources: $SHORTRUN_SHADER_DIR, shaders/ next to the executable,
// ../share/shortrun/shaders (an install), else the copies embedded at build time.
#pragma once
#include <string>

namespace shortrun::explorer {

struct ShaderText {
  std::string text;
  std::string origin;  // the file read, or "embedded"
};
// Throws shortrun::Error if the shader is nowhere.
ShaderText shader_source(const std::string& name);
// Defined in the generated embedded_shaders.cpp; nullptr for an unknown name.
const char* embedded_shader(const std::string& name);
std::string executable_dir();

}  // namespace shortrun::explorer
