// The TorchScript allowlist: which graphs pass, which are refused and with what, and that an
// archive whose loading would run code is refused before it is loaded. Modules are compiled here
// from TorchScript source (Module::define), so each case is self-contained.
#include <fstream>

#include "shortrun/model/energy_model.h"
#include "shortrun/model/model_loader.h"
#include "shortrun/model/torchscript_guard.h"
#include "test_util.h"

namespace shortrun {
namespace {

torch::jit::Module module_with(const std::string& source) {
  torch::jit::Module m("__torch__.Net");
  m.register_parameter("w", torch::ones({2, 1, 3, 3}), false);
  m.define(source);
  return m;
}

// The first offending operator of a module with this source, "" when it passes.
std::string verdict(const std::string& source) {
  return first_disallowed_operator(module_with(source)).value_or("");
}

TEST(TorchScriptGuard, AcceptsAPureConvNet) {
  EXPECT_EQ(verdict(R"(
def forward(self, x):
    h = torch.leaky_relu(torch.conv2d(x, self.w, None, [1, 1], [1, 1]), 0.2)
    h = torch.avg_pool2d(torch.silu(h), [2, 2])
    assert h.dim() == 4, "expected 4-D"
    return h.flatten(1).sum(1) * 0.5
)"), "");
}

TEST(TorchScriptGuard, AcceptsTheBoundedShapeLoopsOfNormLayers) {
  // GroupNorm/BatchNorm script `for i in range(len(size) - 2)`; bounded by the rank.
  EXPECT_EQ(verdict(R"(
def forward(self, x):
    size = [x.size(0), 1] + list(x.size()[2:])
    n = size[0]
    for i in range(len(size) - 2):
        n = n * size[i + 2]
    return torch.group_norm(x, 1).sum([1, 2, 3]) + n
)"), "");
}

TEST(TorchScriptGuard, RefusesSideEffectsRandomnessAndUnboundedWork) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"def forward(self, x):\n    t = torch.from_file('/tmp/never', True, 8, dtype=0)\n    return x.sum() + t.sum()\n",
       "aten::from_file"},
      {"def forward(self, x):\n    print(x)\n    return x.sum()\n", "prim::Print"},
      {"def forward(self, x):\n    return (x + torch.randn_like(x)).sum()\n", "aten::randn_like"},
      {"def forward(self, x):\n    return x.sum() + torch.zeros([1099511627776]).sum()\n", "aten::zeros"},
      {"def forward(self, x):\n    return x.expand([1048576, 1048576]).sum()\n", "aten::expand"},
      {"def forward(self, x):\n    while True:\n        x = x * 1.0\n    return x.sum()\n", "prim::Loop"},
      {"def forward(self, x):\n    for i in range(1000000000):\n        x = x * 1.0\n    return x.sum()\n", "prim::Loop"},
      // Nested loops: each bounded, the product is not small.
      {"def forward(self, x):\n    for i in range(1000):\n        for j in range(1000):\n            x = x * 1.0\n"
       "    return x.sum()\n",
       "prim::Loop"},
      {"def forward(self, x):\n    l = [0] * 1099511627776\n    return x.sum() + len(l)\n", "aten::mul on a list"},
      {"def forward(self, x):\n    l = [1, 2]\n    for i in range(40):\n        l = l + l\n    return x.sum() + len(l)\n",
       "aten::add on a list"},
      {"def forward(self, x):\n    a = x.size() + x.size()\n    b = a + a\n    c = b + b\n    d = c + c\n    e = d + d\n"
       "    f = e + e\n    g = f + f\n    h = g + g\n    i = h + h\n    j = i + i\n    k = j + j\n    l = k + k\n"
       "    return x.sum() + len(l)\n",
       "aten::add on a list"},
      {"def forward(self, x):\n    return torch.conv2d(x, self.w, None, [1, 1], [100000, 100000]).sum()\n",
       "aten::conv2d with a padding"},
      {"def forward(self, x):\n    return torch.dropout(x, 0.5, True).sum()\n", "aten::dropout"},
      {"def forward(self, x):\n    self.w = self.w * 2.0\n    return x.sum()\n", "prim::SetAttr"},
  };
  for (const auto& [source, op] : cases) {
    const std::string v = verdict(source);
    EXPECT_NE(v.find(op), std::string::npos) << source << "\ngot: '" << v << "'";
  }
}

TEST(TorchScriptGuard, RefusesWritesIntoWeightsInputsAndConstantsButNotIntoItsOwnTensors) {
  const std::vector<std::pair<std::string, std::string>> writes = {
      {"def forward(self, x):\n    self.w.add_(1.0)\n    return x.sum()\n", "aten::add_ writing into"},
      {"def forward(self, x):\n    x.mul_(2.0)\n    return x.sum()\n", "aten::mul_ writing into"},
      // Through a view of the weight, and through an out= argument.
      {"def forward(self, x):\n    self.w.view([-1]).clamp_(0.0, 1.0)\n    return x.sum()\n", "writing into"},
      {"def forward(self, x):\n    w = self.w\n    torch.add(w, w, out=w)\n    return x.sum()\n", "writing into"},
  };
  for (const auto& [source, expected] : writes) {
    const std::string v = verdict(source);
    EXPECT_NE(v.find(expected), std::string::npos) << source << "\ngot: '" << v << "'";
  }
  // In place on what the module made itself (nn.ReLU(inplace=True) after a conv) stays allowed.
  EXPECT_EQ(verdict(R"(
def forward(self, x):
    h = torch.conv2d(x, self.w, None, [1, 1], [1, 1])
    h.relu_()
    h.view([-1]).mul_(0.5)
    return h.sum([1, 2, 3])
)"), "");
}

TEST(TorchScriptGuard, CountsWorkInsideBoundedLoops) {
  // 300 convolutions (each loop is within the trip bound): more than the 256 allowed per call.
  EXPECT_NE(verdict("def forward(self, x):\n    for i in range(300):\n"
                    "        x = torch.conv2d(x, self.w, None, [1, 1], [1, 1])\n    return x.sum()\n")
                .find("convolutions or matrix products"),
            std::string::npos);
  EXPECT_NE(verdict("def forward(self, x):\n    for i in range(40000):\n        x = x * 1.0 + 0.0\n"
                    "    return x.sum()\n")
                .find("operator runs"),
            std::string::npos);
  EXPECT_EQ(verdict("def forward(self, x):\n    for i in range(8):\n"
                    "        x = torch.conv2d(x, self.w, None, [1, 1], [1, 1])\n    return x.sum()\n"),
            "");
}

TEST(TorchScriptGuard, WalksEveryMethodOfEverySubmoduleAndEveryBranch) {
  torch::jit::Module sub("__torch__.Sub");
  sub.define(R"(
def forward(self, x):
    return x
def unused(self, x):
    if bool(x.sum() > 0):
        return torch.from_file('/tmp/never', True, 8, dtype=0)
    return x
)");
  torch::jit::Module m = module_with("def forward(self, x):\n    return x.sum()\n");
  EXPECT_FALSE(first_disallowed_operator(m).has_value());
  m.register_module("sub", sub);
  const auto v = first_disallowed_operator(m);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->find("aten::from_file"), std::string::npos) << *v;
}

TEST(TorchScriptGuard, RefusesAnArchiveWhoseLoadingRunsSetstate) {
  const std::string dir = test::temp_dir("setstate");
  const std::string marker = dir + "/marker", path = dir + "/setstate.pt";
  torch::jit::Module m("__torch__.Evil");
  m.register_parameter("w", torch::ones({1}), false);
  m.define("def forward(self, x):\n    return x.sum() * self.w\n"
           "def __getstate__(self):\n    return (self.w, 1)\n"
           "def __setstate__(self, state: Tuple[Tensor, int]):\n"
           "    t = torch.from_file('" + marker + "', True, 8, dtype=0).fill_(65)\n"
           "    self.w = state[0] + t[0:1].float() * 0.0\n");
  m.save(path);
  ASSERT_FALSE(std::filesystem::exists(marker));
  test::expect_error([&] { load_torchscript(path, false); }, {path, "__setstate__", "--trust-code"});
  test::expect_error([&] { load_energy_model(path, torch::kCPU); }, {path, "__setstate__"});
  EXPECT_FALSE(std::filesystem::exists(marker));
  // Trusted, it loads, and loading is what wrote the file.
  load_torchscript(path, true);
  EXPECT_TRUE(std::filesystem::exists(marker));
}

TEST(TorchScriptGuard, InfoStyleLoadingNeedsAShapeAndRunsNothing) {
  const std::string dir = test::temp_dir("shape");
  const std::string path = dir + "/net.pt";
  // forward fails when run: the loader must not run it when told not to.
  module_with("def forward(self, x):\n    assert False\n    return x.sum()\n").save(path);
  ModelLoadOptions o;
  o.run_forward = false;
  test::expect_error([&] { load_energy_model(path, torch::kCPU, o); }, {path, "--input-shape"});
  o.input_shape = DataShape{1, 28, 28};
  EXPECT_EQ(load_energy_model(path, torch::kCPU, o)->shape().str(), "1x28x28");
  EXPECT_EQ(parse_data_shape("3,64,48", "--input-shape").str(), "3x64x48");
  for (const char* bad : {"", "1,32", "1,32,32,", "1,x,32", "0,32,32", "1,32,32,4"})
    test::expect_error([&] { parse_data_shape(bad, "--input-shape"); }, {"C,H,W"});
}

}  // namespace
}  // namespace shortrun
