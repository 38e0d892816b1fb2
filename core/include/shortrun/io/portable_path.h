// Paths written into provenance and run configurations: relative to a base directory (the run
// directory, the checkpoint's folder) or "assets/NAME", never the machine's absolute path.
#pragma once
#include <string>

namespace shortrun {

// "assets/NAME" for a file that is the bundled asset NAME (find_asset), else `path` relative to
// `base_dir` (lexically, after making both absolute; may start with ../). "" stays "".
std::string portable_path(const std::string& path, const std::string& base_dir);
// The inverse: an absolute path is kept (older runs), "assets/NAME" is looked up with find_asset
// unless base_dir holds such a file, anything else is taken relative to base_dir.
std::string resolve_portable_path(const std::string& stored, const std::string& base_dir);

// The same for a data source ("idx:PATH", "cifar10:DIR", "folder:DIR", "toy:image:PATH");
// named sources (fashion-mnist, toy:ring8, ...) are returned unchanged.
std::string portable_data_spec(const std::string& spec, const std::string& base_dir);
std::string resolve_data_spec(const std::string& spec, const std::string& base_dir);

}  // namespace shortrun
