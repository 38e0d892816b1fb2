// The evaluation feature net: definition, training (plain torch::optim::Adam: it is trained
// once, not resumed), saving as .safetensors, and loading it or a TorchScript stand-in.
#include "shortrun/training/features.h"

#include <chrono>
#include <cstring>

#include "shortrun/base/error.h"
#include "shortrun/base/json_fields.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/safetensors.h"
#include "shortrun/io/torch_pickle.h"
#include "shortrun/model/torchscript_guard.h"

namespace shortrun {

namespace {
constexpr const char* kMetadataKey = "shortrun_features";
}

FeatureNetImpl::FeatureNetImpl(int64_t channels_, int64_t image_size_, int64_t feature_dim_, int64_t classes_)
    : channels(channels_), image_size(image_size_), feature_dim(feature_dim_), classes(classes_) {
  if (image_size % 8 != 0 || image_size < 8) throw Error("feature net needs an image size divisible by 8");
  c1 = register_module("c1", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, 32, 3).padding(1)));
  c2 = register_module("c2", torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 3).padding(1)));
  c3 = register_module("c3", torch::nn::Conv2d(torch::nn::Conv2dOptions(64, 128, 3).padding(1)));
  const int64_t s = image_size / 8;
  fc = register_module("fc", torch::nn::Linear(128 * s * s, feature_dim));
  head = register_module("head", torch::nn::Linear(feature_dim, classes));
}

torch::Tensor FeatureNetImpl::features(const torch::Tensor& x) {
  torch::Tensor h = torch::max_pool2d(torch::relu(c1(x)), 2);
  h = torch::max_pool2d(torch::relu(c2(h)), 2);
  h = torch::max_pool2d(torch::relu(c3(h)), 2);
  return torch::relu(fc(h.flatten(1)));
}

torch::Tensor FeatureNetImpl::forward(const torch::Tensor& x) { return head(features(x)); }

namespace {

double accuracy(FeatureNet& net, const torch::Tensor& x, const torch::Tensor& y, torch::Device device) {
  torch::NoGradGuard no_grad;
  net->eval();
  int64_t correct = 0;
  for (int64_t i = 0; i < x.size(0); i += 500) {
    const int64_t n = std::min<int64_t>(500, x.size(0) - i);
    const torch::Tensor pred = net->forward(x.narrow(0, i, n).to(device)).argmax(1).to(torch::kCPU);
    correct += pred.eq(y.narrow(0, i, n)).sum().item<int64_t>();
  }
  net->train();
  return double(correct) / double(x.size(0));
}

class NativeFeatures : public FeatureExtractor {
 public:
  NativeFeatures(FeatureNet net, torch::Device device, std::string desc)
      : net_(std::move(net)), device_(device), desc_(std::move(desc)) {
    net_->to(device_);
    net_->eval();
  }
  torch::Tensor features(const torch::Tensor& x) override {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> out;
    for (int64_t i = 0; i < x.size(0); i += 500)
      out.push_back(net_->features(x.narrow(0, i, std::min<int64_t>(500, x.size(0) - i)).to(device_)).to(torch::kCPU, torch::kFloat64));
    return torch::cat(out);
  }
  std::string description() const override { return desc_; }

 private:
  FeatureNet net_;
  torch::Device device_;
  std::string desc_;
};

class ScriptedFeatures : public FeatureExtractor {
 public:
  ScriptedFeatures(torch::jit::Module m, torch::Device device, std::string path)
      : module_(std::move(m)), device_(device), path_(std::move(path)) {
    module_.to(device_);
    module_.eval();
  }
  torch::Tensor features(const torch::Tensor& x) override {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> out;
    for (int64_t i = 0; i < x.size(0); i += 200) {
      const torch::Tensor xb = x.narrow(0, i, std::min<int64_t>(200, x.size(0) - i)).to(device_);
      const torch::jit::IValue r = module_.forward({xb});
      if (!r.isTensor()) throw file_error(path_, "the feature module must return one tensor [N,D]");
      const torch::Tensor f = r.toTensor();
      if (f.dim() < 2 || f.size(0) != xb.size(0))
        throw file_error(path_, "the feature module returned shape " + std::string(c10::str(f.sizes())) + "; expected [N,D]");
      out.push_back(f.flatten(1).to(torch::kCPU, torch::kFloat64));
    }
    return torch::cat(out);
  }
  std::string description() const override { return "TorchScript " + path_; }

 private:
  torch::jit::Module module_;
  torch::Device device_;
  std::string path_;
};

}  // namespace

FeatureTrainResult train_feature_net(const torch::Tensor& train_x, const torch::Tensor& train_y,
                                     const torch::Tensor& test_x, const torch::Tensor& test_y,
                                     const FeatureTrainConfig& cfg, const std::string& out_path,
                                     const std::string& data_description,
                                     const std::function<void(int64_t, double, double)>& on_epoch) {
  if (train_x.dim() != 4 || train_x.size(2) != train_x.size(3)) throw Error("feature training needs [N,C,S,S] images");
  const auto t0 = std::chrono::steady_clock::now();
  torch::manual_seed(cfg.seed);
  const torch::Device device = torch::kCPU;
  FeatureNet net(train_x.size(1), train_x.size(2), cfg.feature_dim, train_y.max().item<int64_t>() + 1);
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(cfg.lr));
  const int64_t n = train_x.size(0);
  FeatureTrainResult result;
  for (int64_t epoch = 1; epoch <= cfg.epochs; ++epoch) {
    const torch::Tensor perm = torch::randperm(n, torch::kInt64);
    double loss_sum = 0;
    int64_t batches = 0;
    for (int64_t i = 0; i + cfg.batch <= n; i += cfg.batch) {
      const torch::Tensor idx = perm.narrow(0, i, cfg.batch);
      torch::Tensor x = train_x.index_select(0, idx);
      // Light augmentation: random horizontal flips (clothes are roughly mirror-symmetric).
      const torch::Tensor flip = torch::rand({cfg.batch}) < 0.5;
      x = torch::where(flip.view({-1, 1, 1, 1}), x.flip({3}), x);
      const torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(x), train_y.index_select(0, idx));
      opt.zero_grad();
      loss.backward();
      opt.step();
      loss_sum += loss.item<double>();
      ++batches;
    }
    result.test_accuracy = accuracy(net, test_x, test_y, device);
    if (on_epoch) on_epoch(epoch, loss_sum / double(std::max<int64_t>(1, batches)), result.test_accuracy);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& p : net->named_parameters()) tensors.emplace_back(p.key(), p.value().detach().contiguous());
  const nlohmann::json meta = {{"format", 1},
                               {"channels", net->channels},
                               {"image_size", net->image_size},
                               {"feature_dim", net->feature_dim},
                               {"classes", net->classes},
                               {"test_accuracy", result.test_accuracy},
                               {"data", data_description},
                               {"epochs", cfg.epochs},
                               {"seed", cfg.seed},
                               {"train_seconds", result.seconds}};
  write_safetensors(out_path, tensors, {{kMetadataKey, json_text(meta)}});
  return result;
}

std::unique_ptr<FeatureExtractor> load_feature_extractor(const std::string& path, torch::Device device, bool trust_code) {
  if (!file_exists(path)) throw file_error(path, "feature extractor not found (train one with `shortrun train-features`)");
  if (lowercase_extension(path) != ".safetensors") {
    if (!is_zip_archive(path)) throw file_error(path, "not a TorchScript module or a .safetensors feature net");
    // Checked against the operator allowlist before any of its code runs, like an energy model.
    TorchScriptFile file = load_torchscript(path, trust_code, device);
    return std::make_unique<ScriptedFeatures>(std::move(file.module), device, path);
  }
  const SafetensorsFile file = read_safetensors(path);
  const auto it = file.metadata.find(kMetadataKey);
  if (it == file.metadata.end()) throw file_error(path, "is not a feature net (no shortrun_features metadata; an energy model?)");
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(it->second);
  } catch (const std::exception&) {
    throw file_error(path, "damaged shortrun_features metadata");
  }
  int64_t dims[4];
  try {
    if (!meta.is_object()) throw Error("not a JSON object");
    int i = 0;
    for (const auto& [key, hi] : {std::pair<const char*, int64_t>{"channels", 4}, {"image_size", 1024},
                                  {"feature_dim", 65536}, {"classes", 65536}}) {
      if (!meta.contains(key)) throw Error(std::string("no '") + key + "'");
      dims[i++] = json_int(meta, key, 0, 1, hi);
    }
  } catch (const Error& e) {
    throw file_error(path, std::string("shortrun_features metadata: ") + e.what());
  }
  // The net the metadata describes is built before its weights are copied in: it may not be
  // larger than the weights the file holds (a few bytes of metadata could ask for gigabytes).
  const double side = double(dims[1] / 8), described = double(dims[0]) * 32 * 9 + 32 + 32 * 64 * 9 + 64 +
                                                       64 * 128 * 9 + 128 + 128 * side * side * dims[2] + dims[2] +
                                                       double(dims[2]) * dims[3] + dims[3];
  double held = 0;
  for (const auto& [name, t] : file.tensors) held += double(t.numel());
  if (described > held)
    throw file_error(path, "its shortrun_features metadata describes a net of " + std::to_string(int64_t(described)) +
                               " weights, but the file holds " + std::to_string(int64_t(held)));
  FeatureNet net(dims[0], dims[1], dims[2], dims[3]);
  torch::NoGradGuard no_grad;
  for (auto& p : net->named_parameters()) {
    const torch::Tensor* t = file.find(p.key());
    if (!t || t->sizes() != p.value().sizes())
      throw file_error(path, "tensor " + p.key() + " is missing or has the wrong shape");
    p.value().copy_(*t);
  }
  char acc[32];
  std::snprintf(acc, sizeof(acc), "%.4f", json_get(meta, "test_accuracy", 0.0));
  return std::make_unique<NativeFeatures>(net, device, path + " (test accuracy " + acc + ")");
}

torch::Tensor fashion_mnist_labels(const std::string& split) {
  const std::string path = fashion_mnist_dir() + (split == "train" ? "/train-labels-idx1-ubyte.gz" : "/t10k-labels-idx1-ubyte.gz");
  const std::vector<uint8_t> raw = maybe_gunzip(read_file_bytes(path), path);
  if (raw.size() < 8 || raw[0] != 0 || raw[1] != 0 || raw[2] != 0x08 || raw[3] != 1)
    throw file_error(path, "not an IDX label file (expected magic 0x00000801)");
  const int64_t n = (int64_t(raw[4]) << 24) | (int64_t(raw[5]) << 16) | (int64_t(raw[6]) << 8) | int64_t(raw[7]);
  if (int64_t(raw.size()) != 8 + n) throw file_error(path, "label count does not match the file size");
  return torch::from_blob(const_cast<uint8_t*>(raw.data() + 8), {n}, torch::kUInt8).to(torch::kInt64);
}

}  // namespace shortrun
