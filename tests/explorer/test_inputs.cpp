// The explorer's input and export helpers, headless: mask presets are core's masks (the CLI's),
// the canvas takes them with undo, PNG compositions magnify exactly, export names never collide,
// and the file chooser lists a folder in the background, filtered and capped, errors inline.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <GLFW/glfw3.h>
#include <torch/torch.h>

#include "widgets/canvas.h"
#include "views/file_browser.h"
#include "display/image_export.h"
#include "shell/input_queue.h"
#include "views/reconstruct/mask_presets.h"
#include "shortrun/analysis/reconstruction.h"
#include "shortrun/base/error.h"

namespace shortrun::explorer {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("shortrun_inputs_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// Issue 23 (8): xdotool's Ctrl+S is Ctrl↓ S↓ Ctrl↑ S↑ within a millisecond. When S↓ and Ctrl↑
// reached one frame, the frame saw S pressed with Ctrl already up: no export. Every split of
// those four events must give a frame with Ctrl held and S newly down.
TEST(InputQueue, AShortcutsModifierIsHeldInTheFrameItsKeyGoesDown) {
  using E = InputQueue::Event;
  const auto key = [](int k, int action) { return E{E::kKey, k, 0, action, 0}; };
  const E seq[] = {key(GLFW_KEY_LEFT_CONTROL, GLFW_PRESS), key(GLFW_KEY_S, GLFW_PRESS),
                   key(GLFW_KEY_LEFT_CONTROL, GLFW_RELEASE), key(GLFW_KEY_S, GLFW_RELEASE)};
  for (int first = 0; first <= 4; ++first) {  // the first `first` events arrive one poll earlier
    InputQueue q;
    bool ctrl = false, s = false, shortcut = false;
    const auto frame = [&] {
      bool s_went_down = false;
      q.feed([&](const E& e) {
        if (e.a == GLFW_KEY_LEFT_CONTROL) ctrl = e.c == GLFW_PRESS;
        if (e.a == GLFW_KEY_S) s_went_down |= (e.c == GLFW_PRESS && !s), s = e.c == GLFW_PRESS;
      });
      shortcut |= s_went_down && ctrl;  // what the frame's IsKeyPressed(S) && KeyCtrl sees
    };
    for (int i = 0; i < first; ++i) q.push(seq[i]);
    frame();
    for (int i = first; i < 4; ++i) q.push(seq[i]);
    for (int f = 0; f < 4 && (q.pending() || f == 0); ++f) frame();
    EXPECT_TRUE(shortcut) << "events split after " << first;
    EXPECT_FALSE(q.pending());
    EXPECT_FALSE(ctrl);
    EXPECT_FALSE(s);
  }
}

TEST(MaskPresets, AreTheCliMasks) {
  for (const std::string spec : {"center", "left", "random:0.3"}) {
    const std::vector<float> m = preset_mask(spec, 32, 32, 7);
    const torch::Tensor ref = make_mask(spec, 32, 32, 7).reshape({-1});
    ASSERT_EQ(m.size(), 1024u) << spec;
    for (size_t i = 0; i < m.size(); ++i) ASSERT_EQ(m[i], ref[int64_t(i)].item<float>()) << spec << " at " << i;
  }
  const std::vector<float> c = preset_mask("center", 32, 32, 1);
  EXPECT_EQ(c[0], 1.0f);
  EXPECT_EQ(c[8 * 32 + 8], 0.0f);
  EXPECT_EQ(c[23 * 32 + 23], 0.0f);
  EXPECT_EQ(c[24 * 32 + 24], 1.0f);
  // Another seed, another random mask; the same seed, the same mask.
  EXPECT_NE(preset_mask("random:0.5", 32, 32, 1), preset_mask("random:0.5", 32, 32, 2));
  EXPECT_EQ(preset_mask("random:0.5", 32, 32, 2), preset_mask("random:0.5", 32, 32, 2));
  EXPECT_EQ(random_mask_spec(0.3f), "random:0.3");
  EXPECT_THROW(preset_mask("random:1.5", 32, 32, 1), Error);
  EXPECT_THROW(preset_mask("diagonal", 32, 32, 1), Error);
}

TEST(MaskPresets, CanvasTakesAMaskWithUndo) {
  Canvas c;
  c.reset(32, 32, 1);
  c.set_mask(preset_mask("left", 32, 32, 1));
  EXPECT_FLOAT_EQ(c.observed_fraction(), 0.5f);
  EXPECT_EQ(c.pixels()[0], -1.0f);  // the image is untouched
  c.set_mask(std::vector<float>(5, 0.0f));  // wrong size: ignored
  EXPECT_FLOAT_EQ(c.observed_fraction(), 0.5f);
  EXPECT_TRUE(c.undo());
  EXPECT_FLOAT_EQ(c.observed_fraction(), 1.0f);
}

TEST(ImageExport, TileRowMagnifiesByRepeatingPixels) {
  const std::vector<float> a{-1.0f, 1.0f, 0.0f, -1.0f};  // 2x2 gray
  const RgbImage img = tile_row({FloatTile{a.data(), nullptr}, FloatTile{a.data(), nullptr}}, 2, 2, 1, 3, 2);
  EXPECT_EQ(img.width, 2 * (2 * 3 + 2) + 2);
  EXPECT_EQ(img.height, 2 * 3 + 4);
  const auto px = [&](int x, int y) { return img.rgb[(size_t(y) * img.width + x) * 3]; };
  EXPECT_EQ(px(0, 0), 255);              // padding
  for (int y = 2; y < 5; ++y)
    for (int x = 2; x < 5; ++x) EXPECT_EQ(px(x, y), 0);  // pixel (0,0) = -1, three by three
  EXPECT_EQ(px(5, 2), 255);              // pixel (1,0) = 1
  EXPECT_EQ(px(2, 5), 128);              // pixel (0,1) = 0
  EXPECT_EQ(px(10, 2), 0);               // the second tile starts after a 2-pixel gap
  uint8_t lo[3], hi[3];
  sequential_color(0.0f, lo);
  sequential_color(1.0f, hi);
  EXPECT_LT(lo[0] + lo[1] + lo[2], 10);
  EXPECT_GT(hi[0] + hi[1], 480);
}

TEST(ImageExport, NamesCarryTheLocalTimeAndNeverCollide) {
  const fs::path d = fresh_dir("names");
  const std::string a = export_path(d.string(), "grid", ".png");
  const std::string b = export_path(d.string(), "grid", ".png");
  EXPECT_NE(a, b);
  char stamp[16];
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::strftime(stamp, sizeof(stamp), "%Y%m%d", &local);
  EXPECT_NE(fs::path(a).filename().string().find(std::string("grid_") + stamp), std::string::npos) << a;
  std::ofstream(export_path(d.string(), "x", ".png")) << "x";
  EXPECT_NE(export_path(d.string(), "x", ".png"), export_path(d.string(), "y", ".png"));
}

template <typename Pred>
bool wait_for(Pred pred) {
  const auto end = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

std::vector<std::string> names(const FileBrowser& b) {
  std::vector<std::string> out;
  for (const BrowserEntry& e : b.entries()) out.push_back(e.dir ? e.name + "/" : e.name);
  return out;
}

TEST(FileBrowser, ListsInTheBackgroundFilteredByPurpose) {
  const fs::path d = fresh_dir("browse");
  fs::create_directories(d / "runs");
  for (const char* f : {"b.safetensors", "a.pth", "x.png", "y.NPY", "notes.txt", ".hidden.pt"}) std::ofstream(d / f) << "1234";
  FileBrowser b;
  b.open(BrowseFor::kModel, d.string());
  ASSERT_TRUE(wait_for([&] { return b.listing_done(); }));
  EXPECT_EQ(names(b), (std::vector<std::string>{"runs/", "a.pth", "b.safetensors"}));
  EXPECT_EQ(b.entries()[1].size, 4u);
  b.open(BrowseFor::kImage, d.string());
  ASSERT_TRUE(wait_for([&] { return b.listing_done(); }));
  EXPECT_EQ(names(b), (std::vector<std::string>{"runs/", "x.png", "y.NPY"}));
  b.show_all = true;
  EXPECT_EQ(names(b).size(), 7u);
  EXPECT_TRUE(b.error().empty());
}

TEST(FileBrowser, CapsHugeFoldersAndShowsErrorsInline) {
  const fs::path d = fresh_dir("huge");
  for (size_t i = 0; i < FileBrowser::kMaxEntries + 50; ++i) std::ofstream(d / ("img" + std::to_string(i) + ".png"));
  FileBrowser b;
  b.open(BrowseFor::kImage, d.string());
  ASSERT_TRUE(wait_for([&] { return b.listing_done(); }));
  EXPECT_TRUE(b.truncated());
  EXPECT_EQ(b.entries().size(), FileBrowser::kMaxEntries);
  b.navigate((d / "no_such_folder").string());
  ASSERT_TRUE(wait_for([&] { return b.listing_done(); }));
  EXPECT_NE(b.error().find("no_such_folder"), std::string::npos) << b.error();
  EXPECT_NE(b.error().find("cannot list"), std::string::npos) << b.error();
  EXPECT_TRUE(b.entries().empty());
  // Navigating away from a folder still being listed abandons that listing safely.
  b.navigate(d.string());
  b.navigate(d.string());
  b.close();
}

}  // namespace
}  // namespace shortrun::explorer
