// Which files the explorer opens where: checkpoints in the Model panel, images on the
// Reconstruct canvas (by extension, as drag-and-drop and the file chooser decide).
#pragma once
#include <string>
#include <vector>

#include "shortrun/file_util.h"

namespace shortrun::explorer {

inline const std::vector<std::string>& model_extensions() {
  static const std::vector<std::string> e{".safetensors", ".pt", ".pth", ".pts", ".ckpt"};
  return e;
}
inline const std::vector<std::string>& image_extensions() {
  static const std::vector<std::string> e{".png", ".jpg", ".jpeg", ".npy"};
  return e;
}
inline bool has_extension(const std::string& path, const std::vector<std::string>& exts) {
  const std::string ext = lowercase_extension(path);
  for (const std::string& e : exts)
    if (ext == e) return true;
  return false;
}
inline bool is_model_path(const std::string& path) { return has_extension(path, model_extensions()); }
inline bool is_image_path(const std::string& path) { return has_extension(path, image_extensions()); }

}  // namespace shortrun::explorer
