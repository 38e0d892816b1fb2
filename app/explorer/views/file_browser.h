// A small file chooser drawn with ImGui (Ctrl+O for a model, Browse... for an image): a folder's
// listing filtered by extension, up / home buttons and recent folders. A folder is listed on a
// thread of its own, capped at kMaxEntries, errors shown inline: a slow folder never blocks a frame.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace shortrun::explorer {

class UserConfig;

enum class BrowseFor { kModel, kImage };

struct BrowserEntry {
  std::string name;
  bool dir = false;
  uintmax_t size = 0;  // bytes (files)
  std::string note;    // what a .safetensors that is not a checkpoint is (file_kinds.h), shown greyed
};

class FileBrowser {
 public:
  static constexpr size_t kMaxEntries = 4000;
  FileBrowser() = default;
  ~FileBrowser();
  FileBrowser(const FileBrowser&) = delete;
  FileBrowser& operator=(const FileBrowser&) = delete;

  // on_pick: where a picked file (or, with `folders`, "Use this folder") goes: the Model panel,
  // the Reconstruct canvas or a view's own path field; title: the window's ("" for the
  // purpose's own: "Open a model", "Open an image").
  using Pick = std::function<void(const std::string& path)>;
  void open(BrowseFor what, const std::string& dir, Pick on_pick = nullptr, std::string title = "", bool folders = true);
  void close();
  // Lists `dir` in the background (the previous listing is abandoned).
  void navigate(const std::string& dir);
  bool is_open() const { return open_; }
  BrowseFor purpose() const { return for_; }
  const Pick& on_pick() const { return on_pick_; }
  bool takes_folders() const { return folders_; }
  const std::string& title() const { return title_; }
  const std::string& dir() const { return dir_; }
  bool show_all = false;  // every file, not only the purpose's extensions

  // The current listing: folders first, then the files that match, each sorted by name.
  // Refreshed (under a brief lock) when the lister has added entries.
  const std::vector<BrowserEntry>& entries() const;
  bool listing_done() const;
  bool truncated() const;
  std::string error() const;
  int selected = -1;          // index into entries()
  char path_field[1024] = "";
  struct Listing;             // what a lister thread has found (file_browser.cpp)

 private:
  bool matches(const BrowserEntry& e) const;
  bool open_ = false;
  BrowseFor for_ = BrowseFor::kModel;
  Pick on_pick_;
  bool folders_ = true;
  std::string title_;
  std::string dir_;
  std::shared_ptr<Listing> listing_;
  mutable std::vector<BrowserEntry> view_;  // a cache of the filtered, sorted listing
  mutable uint64_t view_version_ = ~0ull;
  mutable bool view_all_ = false;
};

// Opens the chooser in the folder of `near` (else the newest recent folder, else the working
// directory); the pick goes to `on_pick`.
void open_file_browser(FileBrowser& b, const UserConfig& config, BrowseFor what, const std::string& near,
                       FileBrowser::Pick on_pick, std::string title = "", bool folders = true);
// The chooser's window, while it is open.
void draw_file_browser(FileBrowser& b, UserConfig& config);
// Picks `name` in the listed folder (".." goes up): a folder opens it, a file goes to the pick
// and closes the chooser. The script's browse_pick does this.
void browser_pick(FileBrowser& b, UserConfig& config, const std::string& name);
// Hands the listed folder itself to the pick (a run directory, a folder of images).
void browser_use_folder(FileBrowser& b, UserConfig& config);
nlohmann::json browser_state(const FileBrowser& b, const UserConfig& config);

}  // namespace shortrun::explorer
