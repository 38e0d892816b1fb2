// The TorchScript allowlist: which operators a module may use so that loading and running it
// can only compute tensors, and the loader that checks the archive and the graphs first.
#include "shortrun/model/torchscript_guard.h"

#include <caffe2/serialize/read_adapter_interface.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/inliner.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "shortrun/base/error.h"
#include "shortrun/io/file_checks.h"
#include "shortrun/io/torchscript_screen.h"

namespace shortrun {
namespace {

using torch::jit::Block;
using torch::jit::Node;
using torch::jit::Value;

// Operators that read tensors and numbers and return new ones: what scripted nn.Conv*, Linear,
// the activations, BatchNorm/GroupNorm/LayerNorm/InstanceNorm, the pools, Sequential and
// hand-written forward code use after inlining (dumped from torch 1.13). Matched by kind, i.e.
// every overload; the few overloads that need more are checked in check_node.
//
// Left out on purpose: anything with an effect outside the returned tensors (aten::from_file,
// aten::save, prints and warnings, sleeping, threads/futures, RPC, attribute writes), random
// numbers (rand*, normal, bernoulli, multinomial, dropout in training mode: the sampler's noise
// must be the only randomness), calls the inliner cannot see into (prim::CallMethod on an
// interface, prim::CallFunction), and every namespace but aten and prim (custom ops).
//
// Also left out: operators whose output size is an argument the file chooses rather than the
// size of an input: factories (zeros, ones, empty, full, arange, linspace, eye, new_*, *_like),
// expand, repeat, tile, repeat_interleave, padding and upsampling. An energy net needs none of
// them, and torch.zeros(1 << 40) in a file would otherwise take the machine's memory before
// any check could run. The sizes that remain arguments (convolution padding, adaptive pooling
// output sizes) must be small constants. Not bounded: broadcasting and concatenation between
// tensors the graph already has can still grow them ([K,1] * [1,K], or cat([x, x]) repeated).
// Bounding that needs shape analysis, which LibTorch 1.13 does by running operators; such growth
// costs memory and ends in an allocation error, but it cannot run code or touch a file.
const std::unordered_set<std::string>& allowed_operators() {
  static const std::unordered_set<std::string> ops = {
      // Graph structure: constants, attribute reads (weights, submodules, `training`),
      // containers, control flow, exceptions (they only throw), type refinements.
      "prim::Constant", "prim::GetAttr", "prim::ListConstruct", "prim::ListUnpack", "prim::TupleConstruct",
      "prim::TupleUnpack", "prim::TupleIndex", "prim::If", "prim::Loop", "prim::RaiseException",
      "prim::unchecked_cast", "prim::Uninitialized", "prim::NumToTensor", "prim::device", "prim::dtype",
      "prim::is_cuda", "prim::min", "prim::max", "prim::abs", "prim::requires_grad",
      // Scalar and list helpers of the shape checks scripted nn modules do.
      "aten::__is__", "aten::__isnot__", "aten::__not__", "aten::__and__", "aten::__or__", "aten::__contains__",
      "aten::__getitem__", "aten::__derive_index", "aten::__range_length", "aten::len", "aten::dim",
      "aten::size", "aten::numel", "aten::format", "aten::list", "aten::Int", "aten::Float", "aten::Bool",
      "aten::ScalarImplicit", "aten::IntImplicit", "aten::FloatImplicit", "aten::eq", "aten::ne", "aten::lt",
      "aten::le", "aten::gt", "aten::ge", "aten::floordiv", "aten::remainder",
      // Arithmetic and reductions.
      "aten::add", "aten::add_", "aten::sub", "aten::sub_", "aten::rsub", "aten::mul", "aten::mul_", "aten::div",
      "aten::div_", "aten::neg", "aten::pow", "aten::sqrt", "aten::rsqrt", "aten::exp", "aten::log",
      "aten::log1p", "aten::abs", "aten::square", "aten::reciprocal", "aten::clamp", "aten::clamp_",
      "aten::clamp_min", "aten::clamp_max", "aten::clip", "aten::where", "aten::maximum", "aten::minimum",
      "aten::sum", "aten::mean", "aten::amax", "aten::amin", "aten::max", "aten::min", "aten::norm",
      "aten::logsumexp", "aten::matmul", "aten::mm", "aten::bmm", "aten::addmm", "aten::linear",
      // Activations (and their in-place forms, which nn modules with inplace=True use).
      "aten::relu", "aten::relu_", "aten::relu6", "aten::leaky_relu", "aten::leaky_relu_", "aten::silu",
      "aten::silu_", "aten::elu", "aten::elu_", "aten::celu", "aten::selu", "aten::gelu", "aten::softplus",
      "aten::sigmoid", "aten::sigmoid_", "aten::tanh", "aten::tanh_", "aten::hardtanh", "aten::hardtanh_",
      "aten::hardswish", "aten::hardsigmoid", "aten::mish", "aten::prelu", "aten::log_sigmoid",
      "aten::softmax", "aten::log_softmax",
      // Convolution, normalisation, pooling.
      "aten::conv1d", "aten::conv2d", "aten::conv3d", "aten::batch_norm", "aten::group_norm",
      "aten::layer_norm", "aten::instance_norm", "aten::avg_pool1d", "aten::avg_pool2d", "aten::avg_pool3d",
      "aten::max_pool1d", "aten::max_pool2d", "aten::max_pool3d", "aten::max_pool2d_with_indices",
      "aten::adaptive_avg_pool1d", "aten::adaptive_avg_pool2d", "aten::adaptive_avg_pool3d", "aten::dropout",
      "aten::dropout_", "aten::feature_dropout", "aten::alpha_dropout",
      // Reshapes and copies that cannot grow a tensor.
      "aten::view", "aten::reshape", "aten::view_as", "aten::reshape_as", "aten::flatten", "aten::unflatten",
      "aten::squeeze", "aten::unsqueeze", "aten::permute", "aten::transpose", "aten::t", "aten::contiguous",
      "aten::cat", "aten::stack", "aten::chunk", "aten::split", "aten::unbind", "aten::narrow", "aten::select",
      "aten::slice", "aten::to", "aten::type_as", "aten::detach", "aten::clone", "aten::float",
  };
  return ops;
}

constexpr int64_t kMaxPadding = 16;             // a 33x33 kernel's "same" padding
constexpr int64_t kMaxPooledSize = 64;          // adaptive pooling output per dimension
constexpr int64_t kMaxLoopIterations = 1 << 16;  // per nest of loops, all levels multiplied
// Work per forward, counted statically (each node times the trip counts of its loops): a loop
// inside the trip bound could still run a convolution 65,536 times.
constexpr int64_t kMaxNodeRuns = 1 << 16;        // every operator run
constexpr int64_t kMaxHeavyRuns = 256;           // convolutions and matrix products (5x ResNet-50's)

bool is_kind(const Node* n, const char* qualified) { return std::strcmp(n->kind().toQualString(), qualified) == 0; }

bool is_int(const Value* v) { return v->type()->kind() == c10::TypeKind::IntType; }

// The ints a value holds if the graph fixes them: an int or int[] constant, or a list built from
// int constants.
std::optional<std::vector<int64_t>> constant_ints(const Value* v) {
  const Node* n = v->node();
  if (n->kind() == c10::prim::Constant) {
    const auto iv = torch::jit::toIValue(v);
    if (iv && iv->isInt()) return std::vector<int64_t>{iv->toInt()};
    if (iv && iv->isIntList()) return iv->toIntVector();
    return std::nullopt;
  }
  if (n->kind() == c10::prim::ListConstruct) {
    std::vector<int64_t> out;
    for (const Value* in : n->inputs()) {
      const auto one = constant_ints(in);
      if (!one || one->size() != 1) return std::nullopt;
      out.push_back(one->front());
    }
    return out;
  }
  return std::nullopt;
}

int64_t saturating_add(int64_t a, int64_t b) {
  return a > std::numeric_limits<int64_t>::max() - b ? std::numeric_limits<int64_t>::max() : a + b;
}

bool is_heavy(const std::string& kind) {
  static const std::unordered_set<std::string> heavy = {"aten::conv1d", "aten::conv2d", "aten::conv3d",
                                                        "aten::linear", "aten::matmul", "aten::mm",
                                                        "aten::bmm", "aten::addmm"};
  return heavy.count(kind) > 0;
}

// True when v holds a tensor the graph made itself in this call (the output of an operator
// that allocates), so that writing into it cannot change a weight, a buffer, a constant or the
// caller's input: the writes a module could make to itself, whose results would then depend on
// how often and in what batches it is called. Views are followed to what they view.
bool freshly_made(const Value* v) {
  for (int hops = 0; hops < 64; ++hops) {
    const Node* p = v->node();
    const c10::FunctionSchema* schema = p->maybeSchema();
    if (!schema) return false;  // parameters, attributes, constants, block inputs, If/Loop outputs
    size_t out = 0;
    while (out < p->outputs().size() && p->output(out) != v) ++out;
    if (out >= schema->returns().size()) return false;
    const c10::AliasInfo* ret = schema->returns()[out].alias_info();
    if (!ret) return true;  // a new tensor
    const Value* viewed = nullptr;
    for (size_t i = 0; i < schema->arguments().size() && i < p->inputs().size(); ++i) {
      const c10::AliasInfo* arg = schema->arguments()[i].alias_info();
      if (!arg) continue;
      for (const auto& set : ret->beforeSets())
        if (arg->beforeSets().count(set)) viewed = p->input(i);
    }
    if (!viewed) return false;
    v = viewed;
  }
  return false;
}

// The value of a bool or object the graph computes from the module's own attributes (the
// module is in eval mode), constants and None checks; nullopt when it depends on anything else.
std::optional<c10::IValue> evaluate(const Value* v, const c10::IValue& self, int depth = 0) {
  if (depth > 32) return std::nullopt;
  const Node* n = v->node();
  const auto arg = [&](size_t i) { return evaluate(n->input(i), self, depth + 1); };
  if (n->kind() == c10::prim::Constant) {
    auto iv = torch::jit::toIValue(v);
    return iv ? std::optional<c10::IValue>(*iv) : std::nullopt;
  }
  if (n->kind() == c10::prim::Param) {
    if (v == n->owningGraph()->inputs().at(0) && self.isObject()) return self;
    return std::nullopt;
  }
  if (n->kind() == c10::prim::GetAttr) {
    const auto base = arg(0);
    if (!base || !base->isObject()) return std::nullopt;
    const auto& obj = base->toObjectRef();
    const std::string& name = n->s(c10::attr::name);
    if (!obj.type()->hasAttribute(name)) return std::nullopt;
    return obj.getAttr(name);
  }
  if (n->kind() == c10::prim::unchecked_cast) return arg(0);
  if (is_kind(n, "aten::__not__")) {
    const auto a = arg(0);
    if (!a || !a->isBool()) return std::nullopt;
    return c10::IValue(!a->toBool());
  }
  if ((is_kind(n, "aten::__and__") || is_kind(n, "aten::__or__")) && n->inputs().size() == 2) {
    const auto a = arg(0), b = arg(1);
    if (!a || !b || !a->isBool() || !b->isBool()) return std::nullopt;
    return c10::IValue(is_kind(n, "aten::__and__") ? a->toBool() && b->toBool() : a->toBool() || b->toBool());
  }
  if ((is_kind(n, "aten::__is__") || is_kind(n, "aten::__isnot__")) && n->inputs().size() == 2) {
    const auto a = arg(0), b = arg(1);
    if (!a || !b || !(a->isNone() || b->isNone())) return std::nullopt;
    const bool same = a->isNone() && b->isNone();
    return c10::IValue(is_kind(n, "aten::__is__") ? same : !same);
  }
  if (n->kind() == c10::prim::If) {
    const auto cond = arg(0);
    if (!cond || !cond->isBool()) return std::nullopt;
    size_t out = 0;
    while (out < n->outputs().size() && n->output(out) != v) ++out;
    const Block* taken = n->blocks().at(cond->toBool() ? 0 : 1);
    if (out >= taken->outputs().size()) return std::nullopt;
    return evaluate(taken->outputs()[out], self, depth + 1);
  }
  return std::nullopt;
}

class GraphChecker {
 public:
  // length_bound: no list or tensor rank in the graph can exceed it (see check_graph).
  // self: the module whose method this is (in eval mode), for attributes the checks read.
  GraphChecker(int64_t length_bound, c10::IValue self) : length_bound_(length_bound), self_(std::move(self)) {}

  std::optional<std::string> check_block(const Block* block, int64_t iterations) {
    for (const Node* n : block->nodes()) {
      if (auto problem = check_node(n, iterations)) return problem;
    }
    return std::nullopt;
  }

 private:
  // An upper bound on |an int the graph computes| that the file cannot raise at will, or nullopt.
  // Enough for the `for i in range(len(size) - 2)` loops of BatchNorm/GroupNorm/InstanceNorm.
  std::optional<int64_t> int_bound(const Value* v, int depth) const {
    if (depth > 16 || !is_int(v)) return std::nullopt;
    const Node* n = v->node();
    if (n->kind() == c10::prim::Constant) {
      const auto ints = constant_ints(v);
      if (!ints || ints->front() == std::numeric_limits<int64_t>::min()) return std::nullopt;
      return std::abs(ints->front());
    }
    if (is_kind(n, "aten::len") || is_kind(n, "aten::dim")) return length_bound_;
    if ((is_kind(n, "aten::add") || is_kind(n, "aten::sub") || is_kind(n, "aten::__range_length")) &&
        n->inputs().size() >= 2) {
      const auto a = int_bound(n->input(0), depth + 1), b = int_bound(n->input(1), depth + 1);
      if (a && b) return saturating_add(*a, *b);
    }
    return std::nullopt;
  }

  // An upper bound on the length of a list value, or nullopt when the file could make it anything
  // (loop-carried, attribute or branch-merged lists).
  std::optional<int64_t> list_bound(const Value* v, int depth) const {
    if (depth > 32) return std::nullopt;
    const Node* n = v->node();
    if (n->kind() == c10::prim::ListConstruct) return static_cast<int64_t>(n->inputs().size());
    if (n->kind() == c10::prim::Constant) {
      const auto iv = torch::jit::toIValue(v);
      if (iv && iv->isList()) return static_cast<int64_t>(iv->toListRef().size());
      return std::nullopt;
    }
    if (is_kind(n, "aten::size")) return length_bound_;
    if ((is_kind(n, "aten::list") || is_kind(n, "aten::slice") || n->kind() == c10::prim::unchecked_cast) &&
        n->inputs().size() >= 1)
      return list_bound(n->input(0), depth + 1);
    if (is_kind(n, "aten::add") && n->inputs().size() == 2) {
      const auto a = list_bound(n->input(0), depth + 1), b = list_bound(n->input(1), depth + 1);
      if (a && b) return saturating_add(*a, *b);
    }
    return std::nullopt;
  }

  std::optional<std::string> check_node(const Node* n, int64_t iterations) {
    const std::string kind = n->kind().toQualString();
    if (!allowed_operators().count(kind)) return kind + ", which is not an allowed pure tensor operator";

    if (n->kind() != c10::prim::Loop && n->kind() != c10::prim::If) {
      node_runs_ = saturating_add(node_runs_, iterations);
      if (node_runs_ > kMaxNodeRuns)
        return "more than " + std::to_string(kMaxNodeRuns) + " operator runs per call (counting loops)";
      if (is_heavy(kind)) {
        heavy_runs_ = saturating_add(heavy_runs_, iterations);
        if (heavy_runs_ > kMaxHeavyRuns)
          return "more than " + std::to_string(kMaxHeavyRuns) + " convolutions or matrix products per call (counting loops)";
      }
    }
    // In-place writes (relu_, add_, out= variants: arguments the schema marks as written) only
    // into tensors made in this call: never a weight, a buffer, a constant or the input.
    if (const c10::FunctionSchema* schema = n->maybeSchema()) {
      for (size_t i = 0; i < schema->arguments().size() && i < n->inputs().size(); ++i) {
        const c10::AliasInfo* alias = schema->arguments()[i].alias_info();
        if (alias && alias->isWrite() && !freshly_made(n->input(i)))
          return kind + " writing into a weight, buffer, constant or input (the module would change itself "
                        "or its caller's tensor)";
      }
    }
    // Batch and instance norm write their running statistics when training: the flag must be
    // false with the module in eval mode, or the statistics absent.
    if ((kind == "aten::batch_norm" || kind == "aten::instance_norm") && n->inputs().size() >= 6) {
      const auto stats = evaluate(n->input(3), self_);
      const bool no_stats = stats && stats->isNone();
      const auto training = evaluate(n->input(5), self_);
      if (!no_stats && !(training && training->isBool() && !training->toBool()))
        return kind + " that may update its running statistics while the model is used (it must be "
                      "computed from the module's own training flag)";
    }

    // Growing a list or a string (l * n, or s = s + s in a chain) allocates what the file says.
    // Concatenating short lists stays: GroupNorm builds its shape check with one.
    if (kind == "aten::add" || kind == "aten::mul" || kind == "aten::add_" || kind == "aten::mul_") {
      for (const Value* out : n->outputs()) {
        const auto k = out->type()->kind();
        if (k == c10::TypeKind::StringType || (k == c10::TypeKind::ListType && kind != "aten::add"))
          return kind + " on a list or string, whose size the file would choose";
        if (k == c10::TypeKind::ListType) {
          const auto len = list_bound(out, 0);
          if (!len || *len > 4 * length_bound_ + 4096)
            return kind + " on a list that can grow without a small bound (its size the file would choose)";
        }
      }
    }
    if (kind == "aten::format") {
      bool ok = n->inputs().size() >= 1 && n->input(0)->node()->kind() == c10::prim::Constant;
      for (size_t i = 1; ok && i < n->inputs().size(); ++i)
        ok = n->input(i)->type()->kind() != c10::TypeKind::StringType;
      if (!ok) return kind + " of computed strings, whose size the file would choose";
    }
    if ((kind == "aten::conv1d" || kind == "aten::conv2d" || kind == "aten::conv3d") && n->inputs().size() >= 5 &&
        n->input(4)->type()->kind() == c10::TypeKind::ListType) {
      const auto pad = constant_ints(n->input(4));
      if (!pad || std::any_of(pad->begin(), pad->end(), [](int64_t p) { return p < 0 || p > kMaxPadding; }))
        return kind + " with a padding that is not a constant in 0.." + std::to_string(kMaxPadding);
    }
    if (kind.rfind("aten::adaptive_avg_pool", 0) == 0 && n->inputs().size() >= 2) {
      const auto size = constant_ints(n->input(1));
      if (!size || std::any_of(size->begin(), size->end(), [](int64_t s) { return s < 1 || s > kMaxPooledSize; }))
        return kind + " with an output size that is not a constant in 1.." + std::to_string(kMaxPooledSize);
    }
    if (kind == "aten::dropout" || kind == "aten::dropout_" || kind == "aten::feature_dropout" ||
        kind == "aten::alpha_dropout") {
      const auto train = n->inputs().size() >= 3 ? torch::jit::toIValue(n->input(2)) : c10::nullopt;
      if (!train || !train->isBool() || train->toBool())
        return kind + " that may run in training mode (random numbers; script the net in eval mode without dropout)";
    }

    int64_t inner = iterations;
    if (n->kind() == c10::prim::Loop) {
      // Without loops a graph runs each node once; a loop must have a trip count the file
      // cannot make endless (`while True` scripts as a trip count of 2^63 - 1).
      const auto trips = int_bound(n->input(0), 0);
      if (!trips || *trips > kMaxLoopIterations / std::max<int64_t>(iterations, 1))
        return std::string("prim::Loop without a small bounded trip count (a while loop or a loop over a computed range)");
      inner = iterations * std::max<int64_t>(*trips, 1);
    }
    // A branch the module in eval mode never takes is not checked: scripted BatchNorm counts
    // its batches in place under `if self.training`.
    if (n->kind() == c10::prim::If) {
      const auto cond = evaluate(n->input(0), self_);
      if (cond && cond->isBool()) return check_block(n->blocks().at(cond->toBool() ? 0 : 1), inner);
    }
    for (const Block* b : n->blocks()) {
      if (auto problem = check_block(b, inner)) return problem;
    }
    return std::nullopt;
  }

  int64_t length_bound_;
  c10::IValue self_;
  int64_t node_runs_ = 0, heavy_runs_ = 0;
};

// Inputs of all nodes, and the largest rank of a tensor constant: a list or a tensor rank can grow
// only through nodes (a ListConstruct's inputs, one unsqueeze at a time), so these bound them.
void measure(const Block* block, int64_t& inputs, int64_t& max_rank) {
  for (const Node* n : block->nodes()) {
    inputs += static_cast<int64_t>(n->inputs().size());
    if (n->kind() == c10::prim::Constant && n->outputs().size() == 1) {
      const auto iv = torch::jit::toIValue(n->output());
      if (iv && iv->isTensor()) max_rank = std::max<int64_t>(max_rank, iv->toTensor().dim());
    }
    for (const Block* b : n->blocks()) measure(b, inputs, max_rank);
  }
}

std::optional<std::string> check_graph(torch::jit::Graph& graph, int64_t module_max_rank, const c10::IValue& self) {
  std::shared_ptr<torch::jit::Graph> g = graph.copy();
  torch::jit::Inline(*g);  // substitutes the callees' graphs; runs nothing
  int64_t inputs = 0, max_rank = module_max_rank;
  measure(g->block(), inputs, max_rank);
  GraphChecker checker(saturating_add(64 + max_rank, inputs), self);
  return checker.check_block(g->block(), 1);
}

// Serves the screened archive from memory, so that what was checked is exactly what is loaded.
class BytesReader : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit BytesReader(std::shared_ptr<const ZipReader> zip) : zip_(std::move(zip)) {}
  size_t size() const override { return zip_->bytes().size(); }
  size_t read(uint64_t pos, void* buf, size_t n, const char* /*what*/) const override {
    const auto& bytes = zip_->bytes();
    if (pos >= bytes.size()) return 0;
    n = std::min<size_t>(n, bytes.size() - pos);
    std::memcpy(buf, bytes.data() + pos, n);
    return n;
  }

 private:
  std::shared_ptr<const ZipReader> zip_;
};

constexpr const char* kTrustHint = "; load it with --trust-code only if you trust its author";

}  // namespace

std::optional<std::string> first_disallowed_operator(const torch::jit::Module& module) {
  int64_t max_rank = 0;
  for (const auto& attr : module.named_attributes(/*recurse=*/true))
    if (attr.value.isTensor()) max_rank = std::max<int64_t>(max_rank, attr.value.toTensor().dim());
  for (const torch::jit::Module& sub : module.modules()) {
    for (const torch::jit::Method& method : sub.get_methods()) {
      if (auto problem = check_graph(*method.graph(), max_rank, sub._ivalue())) return problem;
    }
    std::vector<torch::jit::Function*> hooks = sub.type()->getForwardPreHooks();
    for (torch::jit::Function* hook : sub.type()->getForwardHooks()) hooks.push_back(hook);
    for (torch::jit::Function* hook : hooks) {
      if (!hook->isGraphFunction()) return std::string("a forward hook that is not TorchScript code");
      if (auto problem = check_graph(*torch::jit::toGraphFunction(*hook).graph(), max_rank, sub._ivalue()))
        return problem;
    }
  }
  return std::nullopt;
}

TorchScriptFile load_torchscript(const std::string& path, bool trust_code, torch::Device device) {
  // Our own bounded readers go first: LibTorch's loader trusts the archive (issue 22).
  auto zip = std::make_shared<const ZipReader>(path, read_regular_file(path));
  screen_torchscript_archive(*zip, trust_code);
  TorchScriptFile out;
  if (zip->has("extra/model_card.json")) {
    const std::vector<uint8_t> card = zip->read("extra/model_card.json");
    out.model_card = std::string(card.begin(), card.end());
  }
  try {
    out.module = torch::jit::load(std::make_shared<BytesReader>(zip), device);
  } catch (const std::exception& e) {
    const std::string what = e.what();
    throw file_error(path, "cannot load TorchScript module (" + clip(what.substr(0, what.find('\n')), 160) + ")");
  }
  // The checks read the module as the sampler runs it: in eval mode (modules built in C++ may
  // lack the flag; Module::eval() would assert on them).
  for (torch::jit::Module sub : out.module.modules())
    if (sub.hasattr("training")) sub.setattr("training", false);
  if (!trust_code) {
    std::optional<std::string> problem;
    try {
      problem = first_disallowed_operator(out.module);
    } catch (const std::exception& e) {
      const std::string what = e.what();
      problem = "code that cannot be analysed (" + what.substr(0, what.find('\n')) + ")";
    }
    if (problem) throw file_error(path, "TorchScript module uses " + *problem + kTrustHint);
  }
  return out;
}

}  // namespace shortrun
