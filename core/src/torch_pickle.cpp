// A restricted pickle virtual machine for state_dict archives (protocols 2-5).
#include "shortrun/torch_pickle.h"

#include <caffe2/serialize/inline_container.h>

#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <variant>

#include "shortrun/error.h"
#include "shortrun/file_util.h"

namespace shortrun {
namespace {

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct Global { std::string module, name; std::string full() const { return module + "." + name; } };
struct Mark {};
struct None {};
struct Storage { torch::Tensor flat; };  // 1-D tensor holding the whole storage
using Tuple = std::vector<ValuePtr>;
struct List { std::vector<ValuePtr> items; };
struct Dict { std::vector<std::pair<ValuePtr, ValuePtr>> items; };

struct Value {
  std::variant<None, Mark, bool, int64_t, double, std::string, Tuple, std::shared_ptr<List>,
               std::shared_ptr<Dict>, Global, Storage, torch::Tensor>
      v;
};

ValuePtr make(decltype(Value::v) v) { return std::make_shared<Value>(Value{std::move(v)}); }

const std::map<std::string, torch::ScalarType> kStorageTypes = {
    {"FloatStorage", torch::kFloat32}, {"DoubleStorage", torch::kFloat64}, {"HalfStorage", torch::kFloat16},
    {"BFloat16Storage", torch::kBFloat16}, {"LongStorage", torch::kInt64}, {"IntStorage", torch::kInt32},
    {"ShortStorage", torch::kInt16}, {"CharStorage", torch::kInt8}, {"ByteStorage", torch::kUInt8},
    {"BoolStorage", torch::kBool},
};

bool allowed_global(const Global& g) {
  if (g.module == "collections" && g.name == "OrderedDict") return true;
  if (g.module == "torch._utils" && (g.name == "_rebuild_tensor_v2" || g.name == "_rebuild_parameter")) return true;
  if (g.module == "torch" && kStorageTypes.count(g.name)) return true;
  return false;
}

class Unpickler {
 public:
  Unpickler(const std::string& path, caffe2::serialize::PyTorchStreamReader& zip, const uint8_t* data, size_t size)
      : path_(path), zip_(zip), p_(data), end_(data + size) {}

  ValuePtr run() {
    while (true) {
      const uint8_t op = byte();
      switch (op) {
        case 0x80: byte(); break;                        // PROTO
        case 0x95: skip(8); break;                       // FRAME
        case '.': return pop();                          // STOP
        case '(': stack_.push_back(make(Mark{})); break; // MARK
        case '0': pop(); break;                          // POP
        case '1': pop_mark(); break;                     // POP_MARK
        case '2': stack_.push_back(top()); break;        // DUP
        case 'N': stack_.push_back(make(None{})); break;
        case 0x88: stack_.push_back(make(true)); break;  // NEWTRUE
        case 0x89: stack_.push_back(make(false)); break; // NEWFALSE
        case 'J': stack_.push_back(make(static_cast<int64_t>(static_cast<int32_t>(u32())))); break;  // BININT
        case 'K': stack_.push_back(make(static_cast<int64_t>(byte()))); break;                        // BININT1
        case 'M': stack_.push_back(make(static_cast<int64_t>(u16()))); break;                         // BININT2
        case 0x8a: {                                                                                  // LONG1
          const size_t n = byte();
          if (n > 8) fail("integer wider than 64 bits");
          int64_t v = 0;
          for (size_t i = 0; i < n; ++i) v |= static_cast<int64_t>(byte()) << (8 * i);
          if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v -= int64_t(1) << (8 * n);
          stack_.push_back(make(v));
          break;
        }
        case 'G': {  // BINFLOAT (big-endian double)
          uint64_t bits = 0;
          for (int i = 0; i < 8; ++i) bits = (bits << 8) | byte();
          double d;
          std::memcpy(&d, &bits, 8);
          stack_.push_back(make(d));
          break;
        }
        case 'X': stack_.push_back(make(str(u32()))); break;       // BINUNICODE
        case 0x8c: stack_.push_back(make(str(byte()))); break;     // SHORT_BINUNICODE
        case 'U': stack_.push_back(make(str(byte()))); break;      // SHORT_BINSTRING
        case 'T': stack_.push_back(make(str(u32()))); break;       // BINSTRING
        case 0x8d: {                                               // BINUNICODE8
          const uint64_t lo = u32(), hi = u32();
          stack_.push_back(make(str((hi << 32) | lo)));
          break;
        }
        case ')': stack_.push_back(make(Tuple{})); break;          // EMPTY_TUPLE
        case 't': stack_.push_back(make(pop_mark())); break;       // TUPLE
        case 0x85: tuple_n(1); break;
        case 0x86: tuple_n(2); break;
        case 0x87: tuple_n(3); break;
        case ']': stack_.push_back(make(std::make_shared<List>())); break;  // EMPTY_LIST
        case 'l': {                                                          // LIST
          auto l = std::make_shared<List>();
          l->items = pop_mark();
          stack_.push_back(make(l));
          break;
        }
        case 'a': { auto v = pop(); as_list(top())->items.push_back(v); break; }  // APPEND
        case 'e': {                                                                // APPENDS
          auto items = pop_mark();
          auto l = as_list(top());
          l->items.insert(l->items.end(), items.begin(), items.end());
          break;
        }
        case '}': stack_.push_back(make(std::make_shared<Dict>())); break;  // EMPTY_DICT
        case 'd': {                                                          // DICT
          auto items = pop_mark();
          auto d = std::make_shared<Dict>();
          add_pairs(*d, items);
          stack_.push_back(make(d));
          break;
        }
        case 's': {  // SETITEM
          auto v = pop();
          auto k = pop();
          as_dict(top())->items.emplace_back(k, v);
          break;
        }
        case 'u': {  // SETITEMS
          auto items = pop_mark();
          add_pairs(*as_dict(top()), items);
          break;
        }
        case 'c': {  // GLOBAL "module\nname\n"
          Global g{line(), line()};
          push_global(g);
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          auto name = pop(), module = pop();
          push_global(Global{as_str(module), as_str(name)});
          break;
        }
        case 0x94: memo_[memo_.size()] = top(); break;   // MEMOIZE
        case 'q': memo_[byte()] = top(); break;          // BINPUT
        case 'r': memo_[u32()] = top(); break;           // LONG_BINPUT
        case 'h': stack_.push_back(memo_get(byte())); break;  // BINGET
        case 'j': stack_.push_back(memo_get(u32())); break;   // LONG_BINGET
        case 'R': {  // REDUCE
          auto args = pop();
          auto fn = pop();
          stack_.push_back(reduce(fn, args));
          break;
        }
        case 'b': pop(); break;  // BUILD: state (e.g. OrderedDict._metadata) is not needed
        case 'Q': stack_.push_back(persistent_load(pop())); break;  // BINPERSID
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02x", op);
          fail(std::string("pickle opcode ") + hex + " is not allowed in a state_dict");
        }
      }
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw file_error(path_, "cannot read as a PyTorch state_dict: " + what);
  }
  uint8_t byte() {
    if (p_ >= end_) fail("pickle data ends early (truncated file?)");
    return *p_++;
  }
  void skip(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) fail("pickle data ends early (truncated file?)");
    p_ += n;
  }
  uint32_t u16() { uint32_t a = byte(); return a | (uint32_t(byte()) << 8); }
  uint32_t u32() { uint32_t v = 0; for (int i = 0; i < 4; ++i) v |= uint32_t(byte()) << (8 * i); return v; }
  std::string str(uint64_t n) {
    if (static_cast<uint64_t>(end_ - p_) < n) fail("string runs past the end of the pickle");
    std::string s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }
  std::string line() {
    std::string s;
    for (uint8_t c = byte(); c != '\n'; c = byte()) s.push_back(static_cast<char>(c));
    return s;
  }
  ValuePtr pop() {
    if (stack_.empty()) fail("pickle stack underflow");
    auto v = stack_.back();
    stack_.pop_back();
    return v;
  }
  ValuePtr top() {
    if (stack_.empty()) fail("pickle stack underflow");
    return stack_.back();
  }
  std::vector<ValuePtr> pop_mark() {
    std::vector<ValuePtr> items;
    while (true) {
      auto v = pop();
      if (std::holds_alternative<Mark>(v->v)) break;
      items.push_back(v);
    }
    std::reverse(items.begin(), items.end());
    return items;
  }
  void tuple_n(size_t n) {
    Tuple t(n);
    for (size_t i = n; i-- > 0;) t[i] = pop();
    stack_.push_back(make(t));
  }
  ValuePtr memo_get(uint32_t i) {
    auto it = memo_.find(i);
    if (it == memo_.end()) fail("pickle refers to a memo entry that was never stored");
    return it->second;
  }
  std::shared_ptr<List> as_list(const ValuePtr& v) {
    if (auto* l = std::get_if<std::shared_ptr<List>>(&v->v)) return *l;
    fail("APPEND onto something that is not a list");
  }
  std::shared_ptr<Dict> as_dict(const ValuePtr& v) {
    if (auto* d = std::get_if<std::shared_ptr<Dict>>(&v->v)) return *d;
    fail("SETITEM onto something that is not a dict");
  }
  std::string as_str(const ValuePtr& v) {
    if (auto* s = std::get_if<std::string>(&v->v)) return *s;
    fail("expected a string");
  }
  int64_t as_int(const ValuePtr& v) {
    if (auto* i = std::get_if<int64_t>(&v->v)) return *i;
    if (auto* b = std::get_if<bool>(&v->v)) return *b;
    fail("expected an integer");
  }
  const Tuple& as_tuple(const ValuePtr& v) {
    if (auto* t = std::get_if<Tuple>(&v->v)) return *t;
    fail("expected a tuple");
  }
  std::vector<int64_t> as_ints(const ValuePtr& v) {
    std::vector<int64_t> out;
    for (const auto& e : as_tuple(v)) out.push_back(as_int(e));
    return out;
  }
  void add_pairs(Dict& d, const std::vector<ValuePtr>& items) {
    if (items.size() % 2) fail("odd number of dict items");
    for (size_t i = 0; i < items.size(); i += 2) d.items.emplace_back(items[i], items[i + 1]);
  }
  void push_global(const Global& g) {
    if (!allowed_global(g))
      fail("it refers to '" + g.full() + "', which a plain state_dict never needs; refusing to load it "
           "(save only model.state_dict(), or export with torch.jit.save)");
    stack_.push_back(make(g));
  }

  ValuePtr reduce(const ValuePtr& fn, const ValuePtr& args_v) {
    const auto* g = std::get_if<Global>(&fn->v);
    if (!g) fail("REDUCE of something that is not an allowed callable");
    const Tuple& args = as_tuple(args_v);
    if (g->name == "OrderedDict") return make(std::make_shared<Dict>());
    if (g->name == "_rebuild_parameter") {
      if (args.empty() || !std::holds_alternative<torch::Tensor>(args[0]->v)) fail("bad _rebuild_parameter arguments");
      return args[0];
    }
    if (g->name == "_rebuild_tensor_v2") {
      if (args.size() < 4) fail("bad _rebuild_tensor_v2 arguments");
      const auto* storage = std::get_if<Storage>(&args[0]->v);
      if (!storage) fail("_rebuild_tensor_v2 without a storage");
      const int64_t offset = as_int(args[1]);
      const auto size = as_ints(args[2]), stride = as_ints(args[3]);
      if (size.size() != stride.size()) fail("tensor size and stride differ in rank");
      int64_t last = offset;
      for (size_t i = 0; i < size.size(); ++i) {
        if (size[i] < 0 || stride[i] < 0) fail("negative tensor size or stride");
        if (size[i] > 0) last += (size[i] - 1) * stride[i];
      }
      int64_t numel = 1;
      for (auto s : size) numel *= s;
      if (offset < 0 || (numel > 0 && last >= storage->flat.numel())) fail("tensor view lies outside its storage");
      return make(storage->flat.as_strided(size, stride, offset).clone());
    }
    fail("'" + g->full() + "' cannot be called");
  }

  ValuePtr persistent_load(const ValuePtr& pid) {
    const Tuple& t = as_tuple(pid);
    if (t.size() < 5 || as_str(t[0]) != "storage") fail("unknown persistent id (expected a storage)");
    const auto* type = std::get_if<Global>(&t[1]->v);
    if (!type || !kStorageTypes.count(type->name)) fail("unknown storage type");
    const std::string key = as_str(t[2]);
    const int64_t numel = as_int(t[4]);
    auto it = storages_.find(key);
    if (it != storages_.end()) return make(it->second);
    const std::string record = "data/" + key;
    if (!zip_.hasRecord(record)) fail("storage '" + record + "' is missing from the archive");
    auto [ptr, nbytes] = zip_.getRecord(record);
    const auto dtype = kStorageTypes.at(type->name);
    const int64_t elem = c10::elementSize(dtype);
    if (numel < 0 || static_cast<int64_t>(nbytes) != numel * elem)
      fail("storage '" + record + "' holds " + std::to_string(nbytes) + " bytes, expected " + std::to_string(numel * elem));
    torch::Tensor flat = torch::empty({numel}, torch::TensorOptions().dtype(dtype));
    if (nbytes) std::memcpy(flat.data_ptr(), ptr.get(), nbytes);
    Storage s{flat};
    storages_[key] = s;
    return make(s);
  }

  std::string path_;
  caffe2::serialize::PyTorchStreamReader& zip_;
  const uint8_t* p_;
  const uint8_t* end_;
  std::vector<ValuePtr> stack_;
  std::map<uint32_t, ValuePtr> memo_;
  std::map<std::string, Storage> storages_;
};

void flatten(const std::string& prefix, const Dict& d, NamedTensors& out) {
  for (const auto& [k, v] : d.items) {
    const auto* key = std::get_if<std::string>(&k->v);
    if (!key) continue;
    const std::string name = prefix.empty() ? *key : prefix + "." + *key;
    if (const auto* t = std::get_if<torch::Tensor>(&v->v)) out.emplace_back(name, t->contiguous());
    else if (const auto* sub = std::get_if<std::shared_ptr<Dict>>(&v->v)) flatten(name, **sub, out);
  }
}

std::unique_ptr<caffe2::serialize::PyTorchStreamReader> open_zip(const std::string& path) {
  try {
    return std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
  } catch (const std::exception&) {
    throw file_error(path, "not a readable PyTorch zip archive (truncated or corrupt?)");
  }
}

}  // namespace

bool is_zip_archive(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::memcmp(magic, "PK\x03\x04", 4) == 0;
}

bool is_torchscript_archive(const std::string& path) {
  if (!is_zip_archive(path)) return false;
  try {
    caffe2::serialize::PyTorchStreamReader zip(path);
    return zip.hasRecord("constants.pkl") || zip.hasRecord("code/__torch__.py");
  } catch (const std::exception&) {
    return false;
  }
}

NamedTensors read_torch_state_dict(const std::string& path) {
  if (!file_exists(path)) throw file_error(path, "no such file");
  if (!is_zip_archive(path)) {
    const auto bytes = read_file_bytes(path);
    if (bytes.size() >= 2 && bytes[0] == 0x80)
      throw file_error(path, "legacy (pre-1.6, non-zip) torch.save format; re-save it with a recent PyTorch: "
                             "torch.save(torch.load(f), f2) (it writes the zip format by default)");
    throw file_error(path, "not a PyTorch checkpoint (expected a torch.save zip archive)");
  }
  auto zip = open_zip(path);
  if (!zip->hasRecord("data.pkl")) throw file_error(path, "zip archive has no data.pkl; expected a torch.save file");
  try {
    auto [ptr, size] = zip->getRecord("data.pkl");
    Unpickler up(path, *zip, static_cast<const uint8_t*>(ptr.get()), size);
    ValuePtr root = up.run();
    NamedTensors out;
    if (auto* d = std::get_if<std::shared_ptr<Dict>>(&root->v)) flatten("", **d, out);
    else throw file_error(path, "top-level object is not a dict; expected a state_dict");
    if (out.empty()) throw file_error(path, "the state_dict holds no tensors");
    return out;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw file_error(path, std::string("corrupt archive (") + std::string(e.what()).substr(0, 120) + ")");
  }
}

}  // namespace shortrun
