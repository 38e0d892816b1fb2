// Which files the explorer opens where: checkpoints in the Model panel, images on the
// Reconstruct canvas (by extension, as drag-and-drop and the file chooser decide).
#pragma once
#include <string>
#include <vector>

#include "shortrun/io/file_util.h"

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

// What a .safetensors file is, from its header's metadata alone (reads at most 1 MiB): a model
// checkpoint, the FD feature network, a 2-D playground model, or "" (not a .safetensors file,
// unreadable, or a header that says nothing; the loader then gives its own error).
enum class SafetensorsRole { kUnknown, kCheckpoint, kFeatureNet, kToy2d };
SafetensorsRole safetensors_role(const std::string& path);
// Why `path` is not an energy model for the Model panel ("" if nothing says it is not), e.g. the
// feature network: one line naming the file and what it is.
std::string not_a_model_reason(const std::string& path);
// A short note for the file chooser ("FD feature net, not a model"; "" for a checkpoint or unknown).
// Only a note with "not a model" in it greys its file out.
std::string model_file_note(const std::string& path);

}  // namespace shortrun::explorer
