// FileBrowser: a background lister per folder, a filtered sorted view, and its ImGui window.
#include "views/file_browser.h"
#include "widgets/disabled_why.h"

#include <imgui.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "views/file_kinds.h"
#include "views/user_config.h"
#include "widgets/layout_record.h"

namespace shortrun::explorer {

namespace fs = std::filesystem;

// What the lister thread has found so far; shared with it, so abandoning a listing is safe.
struct FileBrowser::Listing {
  std::mutex mutex;
  std::vector<BrowserEntry> entries;
  uint64_t version = 0;
  bool done = false, truncated = false;
  std::string error;
  std::atomic<bool> cancel{false};
};

namespace {

void list_folder(const std::shared_ptr<FileBrowser::Listing>& l, const std::string& dir) {
  std::vector<BrowserEntry> batch;
  const auto flush = [&](bool done, const std::string& error, bool truncated) {
    std::lock_guard<std::mutex> lock(l->mutex);
    l->entries.insert(l->entries.end(), batch.begin(), batch.end());
    batch.clear();
    if (!error.empty()) l->error = error;
    l->truncated = l->truncated || truncated;
    l->done = done;
    ++l->version;
  };
  std::error_code ec;
  fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) return flush(true, dir + ": cannot list this folder (" + ec.message() + ")", false);
  size_t count = 0;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (l->cancel.load()) return;
    if (count >= FileBrowser::kMaxEntries) return flush(true, "", true);
    BrowserEntry e;
    e.name = it->path().filename().string();
    std::error_code stat_ec;
    e.dir = it->is_directory(stat_ec);
    if (!e.dir) {
      const uintmax_t size = it->file_size(stat_ec);
      e.size = stat_ec ? 0 : size;
      e.note = model_file_note(it->path().string());  // reads the header only, on this listing thread
    }
    batch.push_back(std::move(e));
    ++count;
    if (batch.size() >= 256) flush(false, "", false);  // partial results show while a big folder lists
  }
  flush(true, ec ? dir + ": listing stopped (" + ec.message() + ")" : "", false);
}

std::string home_dir() {
  const char* home = std::getenv("HOME");
  return home && *home ? home : "/";
}

std::string human_size(uintmax_t bytes) {
  char buf[32];
  if (bytes < 1024) std::snprintf(buf, sizeof(buf), "%ju B", bytes);
  else if (bytes < 1024 * 1024) std::snprintf(buf, sizeof(buf), "%.1f KB", double(bytes) / 1024);
  else std::snprintf(buf, sizeof(buf), "%.1f MB", double(bytes) / (1024 * 1024));
  return buf;
}

std::string parent_of(const std::string& path) {
  if (path.empty()) return "";
  std::error_code ec;
  const fs::path abs = fs::absolute(path, ec);
  if (ec) return "";
  if (fs::is_directory(abs, ec)) return abs.lexically_normal().string();
  return abs.parent_path().lexically_normal().string();
}

}  // namespace

FileBrowser::~FileBrowser() {
  if (listing_) listing_->cancel.store(true);
}

void FileBrowser::open(BrowseFor what, const std::string& dir, Pick on_pick, std::string title, bool folders) {
  open_ = true;
  for_ = what;
  on_pick_ = std::move(on_pick);
  folders_ = folders;
  title_ = std::move(title);
  navigate(dir);
}

void FileBrowser::close() {
  open_ = false;
  on_pick_ = nullptr;
  title_.clear();
  if (listing_) listing_->cancel.store(true);
}

void FileBrowser::navigate(const std::string& dir) {
  std::error_code ec;
  const fs::path abs = fs::absolute(dir.empty() ? "." : dir, ec);
  dir_ = ec ? dir : abs.lexically_normal().string();
  if (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
  std::snprintf(path_field, sizeof(path_field), "%s", dir_.c_str());
  if (listing_) listing_->cancel.store(true);
  listing_ = std::make_shared<Listing>();
  view_.clear();
  view_version_ = ~0ull;
  selected = -1;
  std::thread(list_folder, listing_, dir_).detach();  // owns a share of the listing; never joined
}

bool FileBrowser::matches(const BrowserEntry& e) const {
  if (!e.name.empty() && e.name[0] == '.' && !show_all) return false;
  if (e.dir || show_all) return true;
  return for_ == BrowseFor::kModel ? is_model_path(e.name) : is_image_path(e.name);
}

const std::vector<BrowserEntry>& FileBrowser::entries() const {
  if (!listing_) return view_;
  std::lock_guard<std::mutex> lock(listing_->mutex);
  if (listing_->version == view_version_ && view_all_ == show_all) return view_;
  view_version_ = listing_->version;
  view_all_ = show_all;
  view_.clear();
  for (const BrowserEntry& e : listing_->entries)
    if (matches(e)) view_.push_back(e);
  std::sort(view_.begin(), view_.end(), [](const BrowserEntry& a, const BrowserEntry& b) {
    return a.dir != b.dir ? a.dir : a.name < b.name;
  });
  return view_;
}

bool FileBrowser::listing_done() const {
  if (!listing_) return true;
  std::lock_guard<std::mutex> lock(listing_->mutex);
  return listing_->done;
}

bool FileBrowser::truncated() const {
  if (!listing_) return false;
  std::lock_guard<std::mutex> lock(listing_->mutex);
  return listing_->truncated;
}

std::string FileBrowser::error() const {
  if (!listing_) return "";
  std::lock_guard<std::mutex> lock(listing_->mutex);
  return listing_->error;
}

void open_file_browser(FileBrowser& b, const UserConfig& config, BrowseFor what, const std::string& near,
                       FileBrowser::Pick on_pick, std::string title, bool folders) {
  std::string dir = parent_of(near);
  if (dir.empty() && !config.recent_folders().empty()) dir = config.recent_folders().front();
  if (dir.empty() || !fs::is_directory(dir)) dir = fs::current_path().string();
  b.open(what, dir, std::move(on_pick), std::move(title), folders);
}

void browser_pick(FileBrowser& b, UserConfig& config, const std::string& name) {
  if (name == "..") return b.navigate(fs::path(b.dir()).parent_path().string());
  const fs::path p = fs::path(name).is_absolute() ? fs::path(name) : fs::path(b.dir()) / name;
  std::error_code ec;
  const bool dir = fs::is_directory(p, ec);
  // A folder opens, except a run directory for a model when it has no subfolders to browse:
  // "Use this folder" loads a folder itself.
  if (dir) return b.navigate(p.string());
  config.add_recent_folder(b.dir());
  const FileBrowser::Pick pick = b.on_pick();
  b.close();
  if (pick) pick(p.string());
}

void browser_use_folder(FileBrowser& b, UserConfig& config) {
  config.add_recent_folder(b.dir());
  const FileBrowser::Pick pick = b.on_pick();
  const std::string dir = b.dir();
  b.close();
  if (pick) pick(dir);
}

void draw_file_browser(FileBrowser& b, UserConfig& config) {
  if (!b.is_open()) return;
  const bool model = b.purpose() == BrowseFor::kModel;
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + vp->WorkSize.x * 0.5f, vp->WorkPos.y + vp->WorkSize.y * 0.5f),
                          ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(std::min(680.0f, vp->WorkSize.x - 40), std::min(460.0f, vp->WorkSize.y - 40)),
                           ImGuiCond_Appearing);
  bool open = true;
  ImGui::SetNextWindowBgAlpha(1.0f);  // opaque: the chains behind it would make the list hard to read
  const std::string title = (!b.title().empty() ? b.title() : model ? "Open a model" : "Open an image") + "###filebrowser";
  if (!ImGui::Begin(title.c_str(), &open, ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings)) {
    ImGui::End();
    if (!open) b.close();
    return;
  }
  if (ImGui::Button("Up")) browser_pick(b, config, "..");
  tip("the parent folder");
  ImGui::SameLine();
  if (ImGui::Button("Home")) b.navigate(home_dir());
  tip(home_dir().c_str());
  ImGui::SameLine();
  const std::vector<std::string>& recent = config.recent_folders();
  ImGui::SetNextItemWidth(150);
  if (ImGui::BeginCombo("##recentdirs", "recent folders")) {
    for (const std::string& d : recent)
      if (ImGui::Selectable(d.c_str())) b.navigate(d);
    if (recent.empty()) ImGui::TextDisabled("none yet");
    ImGui::EndCombo();
  }
  tip("folders files were opened from (kept in the config folder)");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-1);
  if (ImGui::InputText("##browsepath", b.path_field, sizeof(b.path_field), ImGuiInputTextFlags_EnterReturnsTrue))
    browser_pick(b, config, b.path_field);
  tip("a folder (Enter lists it) or a file (Enter opens it)");
  ImGui::Checkbox("all files", &b.show_all);
  tip("also list other files and hidden ones");
  ImGui::SameLine();
  ImGui::TextDisabled(model ? "otherwise checkpoints (.safetensors .pt .pth .pts .ckpt) and folders"
                            : "otherwise images (.png .jpg .jpeg .npy) and folders");

  const std::vector<BrowserEntry>& entries = b.entries();
  const std::string error = b.error();
  const float footer = ImGui::GetFrameHeightWithSpacing() + ImGui::GetTextLineHeightWithSpacing() + 8;
  ImGui::BeginChild("entries", ImVec2(0, -footer), true);
  if (!error.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.4f, 1.0f));
    ImGui::TextWrapped("%s", error.c_str());
    ImGui::PopStyleColor();
  }
  if (ImGui::Selectable("../", false, ImGuiSelectableFlags_AllowDoubleClick) && ImGui::IsMouseDoubleClicked(0))
    browser_pick(b, config, "..");
  ImGuiListClipper clipper;
  clipper.Begin(int(entries.size()));
  std::string picked;
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const BrowserEntry& e = entries[size_t(i)];
      const std::string label = e.dir ? e.name + "/" : e.name;
      ImGui::PushID(i);
      // A .safetensors that is no model at all is greyed and says what it is; a 2-D model says where it opens.
      const bool other = model && e.note.find("not a model") != std::string::npos;
      if (other) ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
      if (ImGui::Selectable(label.c_str(), b.selected == i, ImGuiSelectableFlags_AllowDoubleClick)) {
        b.selected = i;
        if (ImGui::IsMouseDoubleClicked(0)) picked = e.name;
      }
      if (other) ImGui::PopStyleColor();
      if (model && !e.note.empty()) {
        ImGui::SameLine();
        ImGui::TextDisabled("(%s)", e.note.c_str());
      }
      if (!e.dir) {
        ImGui::SameLine(ImGui::GetWindowContentRegionMax().x - 90);
        ImGui::TextDisabled("%s", human_size(e.size).c_str());
      }
      ImGui::PopID();
    }
  }
  if (!b.listing_done()) ImGui::TextDisabled("listing...");
  else if (entries.empty() && error.empty()) ImGui::TextDisabled("nothing here matches");
  ImGui::EndChild();
  if (b.truncated())
    ImGui::TextDisabled("showing the first %zu entries of a larger folder", FileBrowser::kMaxEntries);
  else
    ImGui::TextDisabled("%zu shown%s", entries.size(), b.listing_done() ? "" : " so far");
  const bool has_sel = b.selected >= 0 && b.selected < int(entries.size());
  {
    DisabledWhy off(!has_sel, "nothing selected: click a file or folder in the list first (a double click opens it)");
    if (ImGui::Button("Open")) picked = entries[size_t(b.selected)].name;
    tip("open the selected folder, or load the selected file");
  }
  if (b.takes_folders()) {
    ImGui::SameLine();
    if (ImGui::Button("Use this folder")) browser_use_folder(b, config);
    tip(model ? "load the listed folder itself as a run directory" : "take the listed folder itself (all its images)");
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel")) open = false;
  tip("close the chooser (Escape)");
  if (ImGui::IsWindowFocused(ImGuiFocusedFlags_RootAndChildWindows) && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false))
    open = false;
  ImGui::End();
  if (!picked.empty()) browser_pick(b, config, picked);
  if (!open) b.close();
}

nlohmann::json browser_state(const FileBrowser& b, const UserConfig& config) {
  nlohmann::json names = nlohmann::json::array();
  const std::vector<BrowserEntry>& entries = b.entries();
  nlohmann::json notes = nlohmann::json::object();
  for (size_t i = 0; i < entries.size() && i < 200; ++i) {
    names.push_back(entries[i].dir ? entries[i].name + "/" : entries[i].name);
    if (!entries[i].note.empty()) notes[entries[i].name] = entries[i].note;
  }
  return {{"open", b.is_open()},
          {"for", b.purpose() == BrowseFor::kModel ? "model" : "image"},
          {"title", b.title()},
          {"dir", b.dir()},
          {"count", entries.size()},
          {"done", b.listing_done()},
          {"truncated", b.truncated()},
          {"error", b.error()},
          {"entries", names},
          {"notes", notes},
          {"recent_folders", config.recent_folders()}};
}

}  // namespace shortrun::explorer
