// A restricted pickle virtual machine for state_dict archives (protocols 2-5), over a small
// zip reader of our own: every size, offset and count from the file is checked before use.
#include "shortrun/io/torch_pickle.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <unordered_set>
#include <variant>

#include "shortrun/base/error.h"
#include "shortrun/io/file_checks.h"
#include "shortrun/io/file_util.h"
#include "shortrun/io/zip_reader.h"

namespace shortrun {
namespace {

// ---- pickle values ----

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
  Value() = default;
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;
  // A tuple nested a million deep would overflow the stack if destroyed recursively: take the
  // children out and release them from a flat work list. (Lists and dicts are owned by the
  // Unpickler, which empties them flatly; see ~Unpickler.)
  ~Value() {
    auto* t = std::get_if<Tuple>(&v);
    if (!t || t->empty()) return;
    std::vector<ValuePtr> pending = std::move(*t);
    t->clear();
    while (!pending.empty()) {
      ValuePtr x = std::move(pending.back());
      pending.pop_back();
      if (x.use_count() == 1)
        if (auto* xt = std::get_if<Tuple>(&x->v)) {
          for (auto& c : *xt) pending.push_back(std::move(c));
          xt->clear();
        }
    }  // x dies here, childless
  }
};

ValuePtr make(decltype(Value::v) v) {
  auto p = std::make_shared<Value>();
  p->v = std::move(v);
  return p;
}

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
  Unpickler(const std::string& path, const ZipReader& zip, const uint8_t* data, size_t size)
      : path_(path), zip_(zip), p_(data), end_(data + size), max_ops_(kMaxPickleOps.value()),
        max_memo_(kMaxPickleMemo.value()), max_decoded_(kMaxDecodedBytes.value()) {}

  // Lists and dicts may refer to each other in cycles (and nest deeply): empty them one by
  // one, so nothing is freed recursively and no cycle leaks.
  ~Unpickler() {
    std::vector<ValuePtr> released;
    for (auto& l : lists_) {
      for (auto& v : l->items) released.push_back(std::move(v));
      l->items.clear();
    }
    for (auto& d : dicts_) {
      for (auto& [k, v] : d->items) {
        released.push_back(std::move(k));
        released.push_back(std::move(v));
      }
      d->items.clear();
    }
  }

  // Runs the pickle and flattens its top-level dict into named tensors.
  NamedTensors load() {
    ValuePtr root = run();
    const auto* d = std::get_if<std::shared_ptr<Dict>>(&root->v);
    if (!d) throw file_error(path_, "top-level object is not a dict; expected a state_dict");
    return flatten(**d);
  }

 private:
  ValuePtr run() {
    while (true) {
      if (++ops_ > max_ops_) fail(kMaxPickleOps.exceeded("pickle of more than " + std::to_string(max_ops_) + " opcodes"));
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
        case 0x8a:    // LONG1
        case 0x8b: {  // LONG4: its length is checked before a byte of it is read
          const uint64_t n = op == 0x8a ? byte() : u32();
          if (n > 8) fail("integer of " + std::to_string(n) + " bytes (wider than 64 bits); a state_dict holds none");
          uint64_t u = 0;
          for (size_t i = 0; i < n; ++i) u |= uint64_t(byte()) << (8 * i);
          if (n > 0 && n < 8 && ((u >> (8 * n - 1)) & 1)) u |= ~uint64_t(0) << (8 * n);  // sign-extend
          stack_.push_back(make(static_cast<int64_t>(u)));
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
        case ']': stack_.push_back(make(new_list())); break;  // EMPTY_LIST
        case 'l': {                                            // LIST
          auto l = new_list();
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
        case '}': stack_.push_back(make(new_dict())); break;  // EMPTY_DICT
        case 'd': {                                            // DICT
          auto items = pop_mark();
          auto d = new_dict();
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
        case 0x94: memo_put(static_cast<uint32_t>(memo_.size())); break;  // MEMOIZE
        case 'q': memo_put(byte()); break;                                // BINPUT
        case 'r': memo_put(u32()); break;                                 // LONG_BINPUT
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
  void memo_put(uint32_t i) {
    auto v = top();
    auto it = memo_.find(i);
    if (it != memo_.end()) { it->second = v; return; }
    if (static_cast<int64_t>(memo_.size()) >= max_memo_)
      fail(kMaxPickleMemo.exceeded("pickle memo of more than " + std::to_string(max_memo_) + " entries"));
    memo_.emplace(i, std::move(v));
  }
  std::shared_ptr<List> new_list() { return lists_.emplace_back(std::make_shared<List>()); }
  std::shared_ptr<Dict> new_dict() { return dicts_.emplace_back(std::make_shared<Dict>()); }
  // Everything decoded from the file (tensor copies, names) counts against one budget.
  void charge(int64_t bytes, const std::string& what) {
    const auto total = checked_add(decoded_, bytes);
    if (!total || *total > max_decoded_)
      fail(kMaxDecodedBytes.exceeded(what + " (" + std::to_string(bytes) + " bytes, after " + std::to_string(decoded_) +
                                     " decoded)"));
    decoded_ = *total;
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
      fail("it refers to '" + clip(g.full()) + "', which a plain state_dict never needs; refusing to load it "
           "(save only model.state_dict(), or export with torch.jit.save)");
    stack_.push_back(make(g));
  }

  ValuePtr reduce(const ValuePtr& fn, const ValuePtr& args_v) {
    const auto* g = std::get_if<Global>(&fn->v);
    if (!g) fail("REDUCE of something that is not an allowed callable");
    const Tuple& args = as_tuple(args_v);
    if (g->name == "OrderedDict") return make(new_dict());
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
      // Every element the view can reach must lie inside its storage: checked in 64-bit
      // arithmetic that refuses to overflow (a wrapped sum once let a view read the heap).
      const std::string why = check_strided_view(offset, size, stride, storage->flat.numel());
      if (!why.empty()) fail(why);
      const int64_t numel = *checked_numel(size);
      const auto nbytes = checked_mul(numel, storage->flat.element_size());
      if (!nbytes) fail("tensor's byte size overflows 64 bits");
      // A view with zero strides can be far larger than its storage: count the copy.
      charge(*nbytes, "tensor of " + std::to_string(numel) + " elements");
      if (numel == 0) return make(torch::empty(size, storage->flat.options()));
      return make(storage->flat.as_strided(size, stride, offset).clone());
    }
    fail("'" + clip(g->full()) + "' cannot be called");
  }

  ValuePtr persistent_load(const ValuePtr& pid) {
    const Tuple& t = as_tuple(pid);
    if (t.size() < 5 || as_str(t[0]) != "storage") fail("unknown persistent id (expected a storage)");
    const auto* type = std::get_if<Global>(&t[1]->v);
    if (!type || !kStorageTypes.count(type->name)) fail("unknown storage type");
    const std::string key = as_str(t[2]);
    const int64_t numel = as_int(t[4]);
    auto it = storages_.find(key);
    if (it != storages_.end()) {
      if (it->second.flat.numel() != numel) fail("storage '" + clip(key) + "' is declared with two sizes");
      return make(it->second);
    }
    const std::string record = "data/" + key;
    const ZipEntry* entry = zip_.find(record);
    if (!entry) fail("storage '" + clip(record) + "' is missing from the archive");
    const auto dtype = kStorageTypes.at(type->name);
    const int64_t elem = c10::elementSize(dtype);
    const auto expected = checked_mul(numel, elem);
    if (!expected) fail("storage '" + clip(record) + "' has an invalid element count " + std::to_string(numel));
    // Compare the sizes before reading (or inflating) a byte of the record.
    if (entry->size != static_cast<uint64_t>(*expected))
      fail("storage '" + clip(record) + "' holds " + std::to_string(entry->size) + " bytes, expected " +
           std::to_string(*expected));
    const std::vector<uint8_t> bytes = zip_.read(record);
    torch::Tensor flat = torch::empty({numel}, torch::TensorOptions().dtype(dtype));
    if (!bytes.empty()) std::memcpy(flat.data_ptr(), bytes.data(), bytes.size());
    Storage s{flat};
    storages_[key] = s;
    return make(s);
  }

  // Tensors of the top-level dict in file order; nested dicts give '.'-joined names. Walked
  // with an explicit stack (dicts nest as deep as the file likes), refusing cycles, and
  // counting visits (dicts shared along many paths could otherwise multiply without end).
  NamedTensors flatten(const Dict& root) {
    struct Frame { const Dict* d; size_t next; const std::string* key; };
    std::vector<Frame> path{{&root, 0, nullptr}};
    std::unordered_set<const Dict*> on_path{&root};
    NamedTensors out;
    int64_t visits = 0;
    while (!path.empty()) {
      Frame& f = path.back();
      if (f.next == f.d->items.size()) {
        on_path.erase(f.d);
        path.pop_back();
        continue;
      }
      const auto& [k, v] = f.d->items[f.next++];
      if (++visits > max_ops_)
        fail(kMaxPickleOps.exceeded("nested dicts with more than " + std::to_string(max_ops_) + " entries"));
      const auto* key = std::get_if<std::string>(&k->v);
      if (!key) continue;
      if (const auto* t = std::get_if<torch::Tensor>(&v->v)) {
        std::string name;
        for (size_t i = 1; i < path.size(); ++i) {
          charge(static_cast<int64_t>(path[i].key->size() + 1), "tensor names");
          name += *path[i].key + ".";
        }
        charge(static_cast<int64_t>(key->size()), "tensor names");
        out.emplace_back(name + *key, t->contiguous());
      } else if (const auto* sub = std::get_if<std::shared_ptr<Dict>>(&v->v)) {
        if (!on_path.insert(sub->get()).second) fail("a dict contains itself");
        path.push_back({sub->get(), 0, key});
      }
    }
    return out;
  }

  std::string path_;
  const ZipReader& zip_;
  const uint8_t* p_;
  const uint8_t* end_;
  const int64_t max_ops_, max_memo_, max_decoded_;
  int64_t ops_ = 0, decoded_ = 0;
  std::vector<ValuePtr> stack_;
  std::map<uint32_t, ValuePtr> memo_;
  std::map<std::string, Storage> storages_;
  std::vector<std::shared_ptr<List>> lists_;
  std::vector<std::shared_ptr<Dict>> dicts_;
};

// The file's first bytes (false if shorter); never blocks on a FIFO: require_regular_file first.
bool starts_with(const std::string& path, const char* magic, size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string got(n, '\0');
  return in.read(&got[0], static_cast<std::streamsize>(n)) && std::memcmp(got.data(), magic, n) == 0;
}

}  // namespace

bool is_zip_archive(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  require_regular_file(path, "expected a model file");
  return starts_with(path, "PK\x03\x04", 4);
}

bool is_torchscript_archive(const std::string& path) {
  if (!is_zip_archive(path)) return false;
  try {
    ZipReader zip(path, read_regular_file(path));
    return zip.has("constants.pkl") || zip.has("code/__torch__.py");
  } catch (const Error&) {
    return false;  // read_torch_state_dict says what is wrong with it
  }
}

NamedTensors read_torch_state_dict(const std::string& path) {
  require_regular_file(path, "expected a PyTorch state_dict (.pth)");
  if (!is_zip_archive(path)) {
    if (starts_with(path, "\x80", 1))
      throw file_error(path, "legacy (pre-1.6, non-zip) torch.save format; re-save it with a recent PyTorch: "
                             "torch.save(torch.load(f), f2) (it writes the zip format by default)");
    throw file_error(path, "not a PyTorch checkpoint (expected a torch.save zip archive)");
  }
  const ZipReader zip(path, read_regular_file(path));
  if (!zip.has("data.pkl")) throw file_error(path, "zip archive has no data.pkl; expected a torch.save file");
  const std::vector<uint8_t> pickle = zip.read("data.pkl");
  try {
    NamedTensors out = Unpickler(path, zip, pickle.data(), pickle.size()).load();
    if (out.empty()) throw file_error(path, "the state_dict holds no tensors");
    return out;
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw file_error(path, "out of memory while reading the state_dict");
  } catch (const std::exception& e) {
    // LibTorch messages span lines and name its internals: keep ours, one line.
    throw file_error(path, "cannot read as a PyTorch state_dict: " + clip(std::string(e.what()).substr(0, std::string(e.what()).find('\n')), 120));
  }
}

}  // namespace shortrun
