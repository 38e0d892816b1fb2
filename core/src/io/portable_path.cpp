// Machine-independent paths for provenance and run configurations (see portable_path.h).
#include "shortrun/io/portable_path.h"

#include <filesystem>

#include "shortrun/io/model_paths.h"

namespace shortrun {
namespace fs = std::filesystem;

namespace {
const char* kAssets = "assets/";
const char* kPathSources[] = {"idx:", "cifar10:", "folder:", "toy:image:"};

bool same_existing_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

// Splits "prefix:PATH" for the sources that name a file; false for named sources.
bool split_source(const std::string& spec, std::string& prefix, std::string& path) {
  for (const char* p : kPathSources) {
    const std::string s(p);
    if (spec.rfind(s, 0) == 0) {
      prefix = s;
      path = spec.substr(s.size());
      return true;
    }
  }
  return false;
}
}  // namespace

std::string portable_path(const std::string& path, const std::string& base_dir) {
  if (path.empty()) return path;
  const fs::path p(path);
  const std::string name = p.filename().string();
  if (!name.empty()) {
    const std::string asset = find_asset(name);
    if (!asset.empty() && same_existing_file(asset, p)) return kAssets + name;
  }
  std::error_code ec;
  const fs::path abs = fs::absolute(p, ec).lexically_normal();
  const fs::path base = fs::absolute(base_dir.empty() ? fs::path(".") : fs::path(base_dir), ec).lexically_normal();
  if (ec) return name;
  const fs::path rel = abs.lexically_relative(base);
  return rel.empty() ? name : rel.generic_string();
}

std::string resolve_portable_path(const std::string& stored, const std::string& base_dir) {
  if (stored.empty()) return stored;
  const fs::path p(stored);
  if (p.is_absolute()) return stored;
  const fs::path in_base = fs::path(base_dir.empty() ? "." : base_dir) / p;
  std::error_code ec;
  if (!fs::exists(in_base, ec) && stored.rfind(kAssets, 0) == 0) {
    const std::string asset = find_asset(stored.substr(std::string(kAssets).size()));
    if (!asset.empty()) return asset;
  }
  return in_base.lexically_normal().string();
}

std::string portable_data_spec(const std::string& spec, const std::string& base_dir) {
  std::string prefix, path;
  return split_source(spec, prefix, path) ? prefix + portable_path(path, base_dir) : spec;
}

std::string resolve_data_spec(const std::string& spec, const std::string& base_dir) {
  std::string prefix, path;
  return split_source(spec, prefix, path) ? prefix + resolve_portable_path(path, base_dir) : spec;
}

}  // namespace shortrun
