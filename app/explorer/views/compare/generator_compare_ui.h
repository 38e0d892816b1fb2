// The A/B compare tab's generator comparison, drawn as a panel of the tab (compare_view.cpp
// owns it): up to three models of any kind (the loaded one, B, C), the same test image →
// reconstructions side by side with their MSE, or the same latents → interpolation strips, one
// per model. Its controls are named gc_* for scripts; its state goes under views.compare.generators.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "display/display_image.h"
#include "views/compare/generator_compare_job.h"
#include "views/view.h"
#include "worker/view_result.h"

namespace shortrun::explorer {

class GeneratorComparePanel {
 public:
  // `model_b`: the tab's model B field (shared with the chains comparison), `cap` bytes.
  GeneratorComparePanel(char* model_b, size_t cap) : model_b_(model_b), model_b_cap_(cap) {}

  void draw(ViewContext& ctx, const std::string& mode);  // mode: reconstruct | interpolate
  void update(ViewContext& ctx);
  void model_changed(ViewContext& ctx);
  void release_gl();
  bool busy() const { return probe_.slot->running.load(); }

  static std::vector<std::string> controls();
  static std::vector<std::string> buttons();
  // Throws shortrun::Error for a bad value.
  void set_control(ViewContext& ctx, const std::string& name, const nlohmann::json& v);
  void press(ViewContext& ctx, const std::string& button, const std::string& mode);
  nlohmann::json state() const;

 private:
  void run(ViewContext& ctx, const std::string& mode);
  void stop(ViewContext& ctx);
  // B and C := the bundled VAE and GAN (assets/fmnist_vae.safetensors, fmnist_gan.safetensors).
  void use_bundled(ViewContext& ctx);
  void upload(ViewContext& ctx);
  void draw_settings(ViewContext& ctx, const std::string& mode);
  void draw_reconstructions(ViewContext& ctx);
  void draw_strips(ViewContext& ctx);

  char* model_b_;
  size_t model_b_cap_;
  char model_c_[1024] = "";
  char data_[512] = "fashion-mnist";
  int image_ = 0, iters_ = 100, points_ = 8;
  float lr_ = 0.05f;
  int mask_ = 1;  // none | center | left | random:0.5
  int seed_a_ = 1, index_a_ = 0, seed_b_ = 2, index_b_ = 0;
  int path_ = 1;  // linear | spherical
  SlotWatch<GenCompareResult> probe_;
  std::shared_ptr<const GenCompareResult> shown_;
  std::string error_;
  uint64_t job_ = 0;
  bool dirty_ = false;
  struct Textures {
    DisplayImage observed, masked;
    std::vector<std::unique_ptr<DisplayImage>> rows;
  };
  std::unique_ptr<Textures> tex_ = std::make_unique<Textures>();
};

}  // namespace shortrun::explorer
