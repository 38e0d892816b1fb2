// The TorchScript archive screen: a pickle machine that builds no values (only their kind, depth
// and the few numbers a tensor needs), a lexer-level scan of the module's code, and the checks
// of storage records against the tensors that use them.
#include "shortrun/io/torchscript_screen.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <vector>

#include "shortrun/base/error.h"
#include "shortrun/io/file_checks.h"

namespace shortrun {
namespace {

// Element sizes of the storage types TorchScript's pickler writes.
const std::map<std::string, int64_t>& storage_element_sizes() {
  static const std::map<std::string, int64_t> sizes = {
      {"FloatStorage", 4}, {"DoubleStorage", 8}, {"HalfStorage", 2}, {"BFloat16Storage", 2},
      {"LongStorage", 8},  {"IntStorage", 4},    {"ShortStorage", 2}, {"CharStorage", 1},
      {"ByteStorage", 1},  {"BoolStorage", 1},
  };
  return sizes;
}

enum class Kind { kScalar, kString, kTuple, kList, kDict, kGlobal, kObject, kStorage, kTensor };

struct Val;
using ValPtr = std::shared_ptr<Val>;

// A pickled value as far as the screen needs it.
struct Val {
  Kind kind = Kind::kScalar;
  int depth = 0;         // containers inside (0 for a scalar)
  bool placed = false;   // inside another value: it may no longer change
  bool is_int = false;   // kScalar: an int (or bool), value in `number`
  int64_t number = 0;    // kScalar int; kStorage: element count
  int64_t element_size = 0;         // kStorage
  std::string text;                 // kString; kGlobal "module.name"; kStorage: its key
  std::vector<ValPtr> items;        // kTuple only (persistent ids and call arguments need them)
};

ValPtr make(Kind kind) {
  auto v = std::make_shared<Val>();
  v->kind = kind;
  return v;
}

class PickleScreen {
 public:
  PickleScreen(const ZipReader& zip, const std::string& record, const std::string& tensor_dir, bool trust_code,
               int64_t& view_bytes, std::map<std::string, ValPtr>& storages)
      : zip_(zip), record_(record), tensor_dir_(tensor_dir), trust_code_(trust_code), view_bytes_(view_bytes),
        storages_(storages), max_ops_(kMaxPickleOps.value()), max_memo_(kMaxPickleMemo.value()) {}

  // Runs the pickle to its STOP; returns the kind of the one value left.
  Kind run(const std::vector<uint8_t>& bytes) {
    p_ = bytes.data();
    end_ = p_ + bytes.size();
    while (true) {
      if (++ops_ > max_ops_) fail(kMaxPickleOps.exceeded("pickle of more than " + std::to_string(max_ops_) + " opcodes"));
      const uint8_t op = byte();
      switch (op) {
        case 0x80: byte(); break;  // PROTO
        case '.': {                // STOP
          if (stack_.size() != 1 || !marks_.empty())
            fail("STOP with " + std::to_string(stack_.size()) + " values and " + std::to_string(marks_.size()) +
                 " marks on the stack (expected one value)");
          return stack_.back()->kind;
        }
        case '(': marks_.push_back(stack_.size()); break;  // MARK
        case '2': push(top()); break;                      // DUP
        case 'N': case 0x88: case 0x89: push(make(Kind::kScalar)); break;  // NONE, NEWTRUE, NEWFALSE
        case 'J': push_int(static_cast<int32_t>(u32())); break;            // BININT
        case 'K': push_int(byte()); break;                                 // BININT1
        case 'M': push_int(u16()); break;                                  // BININT2
        case 0x8a: {                                                       // LONG1
          const uint64_t n = byte();
          if (n > 8) fail("integer of " + std::to_string(n) + " bytes (wider than 64 bits)");
          uint64_t u = 0;
          for (size_t i = 0; i < n; ++i) u |= uint64_t(byte()) << (8 * i);
          if (n > 0 && n < 8 && ((u >> (8 * n - 1)) & 1)) u |= ~uint64_t(0) << (8 * n);
          push_int(static_cast<int64_t>(u));
          break;
        }
        case 'G': skip(8); push(make(Kind::kScalar)); break;  // BINFLOAT
        case 'X': push_string(u32()); break;                  // BINUNICODE
        case 'U': push_string(byte()); break;                 // SHORT_BINSTRING
        case 'T': push_string(u32()); break;                  // BINSTRING
        case ')': push(make(Kind::kTuple)); break;            // EMPTY_TUPLE
        case 't': push(tuple(pop_to_mark())); break;          // TUPLE
        case 0x85: push(tuple(pop_n(1))); break;              // TUPLE1
        case 0x86: push(tuple(pop_n(2))); break;              // TUPLE2
        case 0x87: push(tuple(pop_n(3))); break;              // TUPLE3
        case ']': push(make(Kind::kList)); break;             // EMPTY_LIST
        case 'l': { auto items = pop_to_mark(); push(fill(make(Kind::kList), items)); break; }  // LIST
        case 'a': { auto items = pop_n(1); fill(target(Kind::kList, "APPEND"), items); break; }  // APPEND
        case 'e': { auto items = pop_to_mark(); fill(target(Kind::kList, "APPENDS"), items); break; }
        case '}': push(make(Kind::kDict)); break;             // EMPTY_DICT
        case 'd': { auto items = pop_to_mark(); push(fill_dict(make(Kind::kDict), items)); break; }  // DICT
        case 's': { auto items = pop_n(2); fill_dict(target(Kind::kDict, "SETITEM"), items); break; }
        case 'u': { auto items = pop_to_mark(); fill_dict(target(Kind::kDict, "SETITEMS"), items); break; }
        case 'c': {  // GLOBAL "module\nname\n"
          std::string module = line();
          std::string name = line();
          push_global(module + "." + name);
          break;
        }
        case 'q': memo_put(byte()); break;                        // BINPUT
        case 'r': memo_put(u32()); break;                         // LONG_BINPUT
        case 'h': push(memo_get(byte())); break;                  // BINGET
        case 'j': push(memo_get(u32())); break;                   // LONG_BINGET
        case 'R': { auto args = pop_n(2); push(call(args[0], args[1], "REDUCE")); break; }
        case 0x81: { auto args = pop_n(2); push(call(args[0], args[1], "NEWOBJ")); break; }
        case 'b': build(); break;                                 // BUILD
        case 'Q': push(persistent_load(pop_n(1)[0])); break;      // BINPERSID
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02x", op);
          fail(std::string("pickle opcode ") + hex + ", which TorchScript's pickler never writes");
        }
      }
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw file_error(zip_.path(), "unsafe TorchScript archive: " + clip(record_) + ": " + what);
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
  std::string line() {
    std::string s;
    for (uint8_t c = byte(); c != '\n'; c = byte()) {
      if (s.size() >= 256) fail("a global name longer than 256 characters");
      s.push_back(static_cast<char>(c));
    }
    return s;
  }
  void push(ValPtr v) { stack_.push_back(std::move(v)); }
  void push_int(int64_t i) {
    auto v = make(Kind::kScalar);
    v->is_int = true;
    v->number = i;
    push(v);
  }
  void push_string(uint64_t n) {
    if (static_cast<uint64_t>(end_ - p_) < n) fail("string runs past the end of the pickle");
    auto v = make(Kind::kString);
    v->text.assign(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    push(v);
  }
  // Values above the newest mark stay where they are: LibTorch keeps marks beside the stack, and
  // a pop below the newest mark is what made its TUPLE read before the stack's start.
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  ValPtr top() {
    if (stack_.size() <= floor()) fail("pickle stack underflow");
    return stack_.back();
  }
  std::vector<ValPtr> pop_n(size_t n) {
    if (stack_.size() < floor() + n) fail("pickle stack underflow");
    std::vector<ValPtr> out(stack_.end() - static_cast<std::ptrdiff_t>(n), stack_.end());
    stack_.resize(stack_.size() - n);
    return out;
  }
  std::vector<ValPtr> pop_to_mark() {
    if (marks_.empty()) fail("pickle opcode needs a MARK and there is none");
    const size_t mark = marks_.back();
    marks_.pop_back();
    if (mark > stack_.size()) fail("pickle stack underflow");
    std::vector<ValPtr> out(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return out;
  }
  // The container an APPEND/SETITEM/BUILD writes into: the value below the popped items.
  ValPtr target(Kind kind, const char* op) {
    ValPtr t = top();
    if (t->kind != kind) fail(std::string(op) + " onto something that is not a " + (kind == Kind::kList ? "list" : "dict"));
    return t;
  }
  // Puts `items` inside `into` (a new or still unplaced container), updating its depth.
  ValPtr fill(ValPtr into, const std::vector<ValPtr>& items) {
    for (const ValPtr& v : items) v->placed = true;
    if (into->placed)
      fail("a container is changed after it was placed inside another value (or inside itself), which "
           "TorchScript's pickler never does");
    int depth = into->depth;
    for (const ValPtr& v : items) depth = std::max(depth, v->depth + 1);
    if (depth > kMaxPickleNesting)
      fail("values nest deeper than " + std::to_string(kMaxPickleNesting) + " levels");
    into->depth = std::max(depth, 1);
    return into;
  }
  ValPtr fill_dict(ValPtr into, const std::vector<ValPtr>& items) {
    if (items.size() % 2) fail("odd number of dict items");
    for (size_t i = 0; i < items.size(); i += 2) {
      const Kind k = items[i]->kind;
      if (k != Kind::kScalar && k != Kind::kString && k != Kind::kTensor)
        fail("a dict key that is a container (unhashable)");
    }
    return fill(into, items);
  }
  ValPtr tuple(const std::vector<ValPtr>& items) {
    ValPtr t = fill(make(Kind::kTuple), items);
    t->items = items;
    return t;
  }
  ValPtr memo_get(uint32_t i) {
    auto it = memo_.find(i);
    if (it == memo_.end()) fail("pickle refers to a memo entry that was never stored");
    return it->second;
  }
  void memo_put(uint32_t i) {
    ValPtr v = top();
    auto it = memo_.find(i);
    if (it != memo_.end()) { it->second = v; return; }
    // LibTorch's memo is a vector that grows by one: an index past its end is its error, not ours.
    if (static_cast<int64_t>(memo_.size()) >= max_memo_)
      fail(kMaxPickleMemo.exceeded("pickle memo of more than " + std::to_string(max_memo_) + " entries"));
    memo_.emplace(i, std::move(v));
  }

  void push_global(const std::string& full) {
    static const std::set<std::string> kCallables = {
        "torch._utils._rebuild_tensor_v2", "collections.OrderedDict", "torch.device", "builtins.complex",
        "torch.jit._pickle.build_intlist", "torch.jit._pickle.build_tensorlist",
        "torch.jit._pickle.build_doublelist", "torch.jit._pickle.build_boollist",
        "torch.jit._pickle.restore_type_tag"};
    const bool storage_type = full.rfind("torch.", 0) == 0 && storage_element_sizes().count(full.substr(6));
    const bool script_class = full.rfind("__torch__.", 0) == 0;
    if (full.rfind("__torch__.torch.classes.", 0) == 0 && !trust_code_)
      fail("a custom C++ class (" + clip(full) + "), whose native code runs while loading; load it with "
           "--trust-code only if you trust its author");
    if (!storage_type && !script_class && !kCallables.count(full) && !trust_code_)
      fail("it refers to '" + clip(full) + "', which TorchScript's own pickler never writes");
    auto g = make(Kind::kGlobal);
    g->text = full;
    push(g);
  }

  // REDUCE (fn, args) and NEWOBJ (class, args).
  ValPtr call(const ValPtr& fn, const ValPtr& args, const char* op) {
    if (fn->kind != Kind::kGlobal) fail(std::string(op) + " of something that is not a global");
    if (args->kind != Kind::kTuple) fail(std::string(op) + " with arguments that are not a tuple");
    args->placed = true;
    const std::string& g = fn->text;
    const auto& a = args->items;
    if (std::strcmp(op, "NEWOBJ") == 0) {
      if (g.rfind("__torch__.", 0) != 0) fail("NEWOBJ of '" + clip(g) + "', which is not a TorchScript class");
      auto obj = make(Kind::kObject);
      obj->depth = 1;
      return obj;
    }
    if (g == "torch._utils._rebuild_tensor_v2") return rebuild_tensor(a);
    if (g == "collections.OrderedDict") {
      if (!a.empty()) fail("OrderedDict called with arguments");
      return make(Kind::kDict);
    }
    if (g == "torch.device") {
      if (a.size() != 1 || a[0]->kind != Kind::kString || a[0]->text.size() > 64)
        fail("torch.device called with something other than a short string");
      return make(Kind::kScalar);
    }
    if (g == "builtins.complex") {
      if (a.size() != 2 || a[0]->kind != Kind::kScalar || a[1]->kind != Kind::kScalar) fail("bad complex number");
      return make(Kind::kScalar);
    }
    if (g == "torch.jit._pickle.restore_type_tag") {
      if (a.size() != 2 || (a[0]->kind != Kind::kList && a[0]->kind != Kind::kDict) || a[1]->kind != Kind::kString)
        fail("restore_type_tag called with something other than (list or dict, type string)");
      check_type_string(a[1]->text);
      return a[0];
    }
    if (g.rfind("torch.jit._pickle.build_", 0) == 0) {
      if (a.size() != 1 || a[0]->kind != Kind::kList) fail(clip(g) + " called with something other than one list");
      return a[0];
    }
    if (trust_code_) return make(Kind::kScalar);  // anything else: LibTorch's own checks decide
    fail("'" + clip(g) + "' cannot be called here");
  }

  // LibTorch parses the type tag recursively: keep it short and shallow.
  void check_type_string(const std::string& t) {
    if (t.size() > kMaxTypeTagChars) fail("a type tag longer than " + std::to_string(kMaxTypeTagChars) + " characters");
    int depth = 0;
    for (char c : t) {
      if (c == '[' || c == '(') ++depth;
      if (c == ']' || c == ')') --depth;
      if (depth > kMaxCodeNesting) fail("a type tag nesting deeper than " + std::to_string(kMaxCodeNesting) + " levels");
    }
  }

  std::vector<int64_t> ints(const ValPtr& v, const char* what) {
    if (v->kind != Kind::kTuple) fail(std::string("tensor ") + what + " that is not a tuple of ints");
    std::vector<int64_t> out;
    for (const ValPtr& e : v->items) {
      if (e->kind != Kind::kScalar || !e->is_int) fail(std::string("tensor ") + what + " that is not a tuple of ints");
      out.push_back(e->number);
    }
    return out;
  }

  ValPtr rebuild_tensor(const std::vector<ValPtr>& a) {
    if (a.size() < 4 || a[0]->kind != Kind::kStorage || a[1]->kind != Kind::kScalar || !a[1]->is_int)
      fail("_rebuild_tensor_v2 without (storage, offset, size, stride)");
    const int64_t offset = a[1]->number;
    const auto size = ints(a[2], "size"), stride = ints(a[3], "stride");
    if (size.size() != stride.size()) fail("tensor size and stride of different lengths");
    if (size.size() > 64) fail("tensor of more than 64 dimensions");
    const std::string why = check_strided_view(offset, size, stride, a[0]->number);
    if (!why.empty()) fail("storage '" + clip(a[0]->text) + "': " + why);
    // A view may repeat its storage (stride 0): count what it looks like, which is what a copy
    // of it (named_parameters, isfinite) allocates.
    const auto numel = checked_numel(size);
    const auto bytes = numel ? checked_mul(*numel, a[0]->element_size) : std::nullopt;
    const auto total = bytes ? checked_add(view_bytes_, *bytes) : std::nullopt;
    if (!total || *total > kMaxDecodedBytes.value())
      fail(kMaxDecodedBytes.exceeded("tensors viewing " + (total ? std::to_string(*total) : std::string("2^63+")) +
                                     " bytes"));
    view_bytes_ = *total;
    return make(Kind::kTensor);
  }

  ValPtr persistent_load(const ValPtr& pid) {
    pid->placed = true;
    const auto& t = pid->items;
    if (pid->kind != Kind::kTuple || t.size() != 5 || t[0]->kind != Kind::kString || t[0]->text != "storage" ||
        t[1]->kind != Kind::kGlobal || t[2]->kind != Kind::kString || t[3]->kind != Kind::kString ||
        t[4]->kind != Kind::kScalar || !t[4]->is_int)
      fail("persistent id that is not ('storage', type, key, location, numel)");
    const std::string& type = t[1]->text;
    const auto elem = storage_element_sizes().find(type.rfind("torch.", 0) == 0 ? type.substr(6) : type);
    if (elem == storage_element_sizes().end()) fail("storage of unknown type '" + clip(type) + "'");
    const std::string& key = t[2]->text;
    if (key.empty() || key.size() > 64) fail("storage key of " + std::to_string(key.size()) + " characters");
    if (t[3]->text.size() > 64) fail("storage location longer than 64 characters");
    const int64_t numel = t[4]->number;
    const std::string record = tensor_dir_ + key;
    auto known = storages_.find(record);
    if (known != storages_.end()) {
      if (known->second->number != numel || known->second->element_size != elem->second)
        fail("storage '" + clip(record) + "' is declared twice with different types or sizes");
      return known->second;
    }
    const ZipEntry* entry = zip_.find(record);
    if (!entry) fail("storage '" + clip(record) + "' is missing from the archive");
    const auto expected = checked_mul(numel, elem->second);
    if (!expected) fail("storage '" + clip(record) + "' has an invalid element count " + std::to_string(numel));
    if (entry->size != static_cast<uint64_t>(*expected))
      fail("storage '" + clip(record) + "' holds " + std::to_string(entry->size) + " bytes, but its tensor declares " +
           std::to_string(numel) + " elements (" + std::to_string(*expected) + " bytes; a record cut short?)");
    auto s = make(Kind::kStorage);
    s->number = numel;
    s->element_size = elem->second;
    s->text = record;
    storages_.emplace(record, s);
    return s;
  }

  void build() {
    auto state = pop_n(1)[0];
    ValPtr obj = top();
    if (obj->kind != Kind::kObject) fail("BUILD onto something that is not an object");
    if (state->kind != Kind::kDict && !trust_code_) fail("BUILD of an object from something that is not a dict");
    fill(obj, {state});
  }

  const ZipReader& zip_;
  const std::string record_, tensor_dir_;
  const bool trust_code_;
  int64_t& view_bytes_;
  std::map<std::string, ValPtr>& storages_;
  const int64_t max_ops_, max_memo_;
  int64_t ops_ = 0;
  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  std::vector<ValPtr> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint32_t, ValPtr> memo_;
};

bool ends_with(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// TorchScript's parser and compiler recurse once per bracket, per indented block and per operator
// of an expression chain: bound each, per statement, before LibTorch compiles the code.
void screen_code(const ZipReader& zip, const std::string& record, const std::vector<uint8_t>& text) {
  auto fail = [&](const std::string& what, size_t line) {
    throw file_error(zip.path(), "unsafe TorchScript archive: " + clip(record) + " line " + std::to_string(line) + ": " +
                                     what);
  };
  std::vector<size_t> indents{0};
  size_t line = 1, col = 0, indent = 0;
  int brackets = 0, chain = 0, prefix_run = 0;
  bool at_line_start = true;
  const size_t n = text.size();
  for (size_t i = 0; i < n; ++i) {
    const char c = static_cast<char>(text[i]);
    if (c == '\n') {
      ++line;
      col = 0;
      indent = 0;
      at_line_start = brackets == 0;
      if (brackets == 0) chain = 0;
      continue;
    }
    ++col;
    if (at_line_start) {
      if (c == ' ') { ++indent; continue; }
      if (c == '\t') { indent += 8; continue; }
      at_line_start = false;
      if (c != '#') {
        if (indent > indents.back()) indents.push_back(indent);
        while (indent < indents.back()) indents.pop_back();
        if (static_cast<int>(indents.size()) > kMaxCodeNesting + 1)
          fail("blocks nest deeper than " + std::to_string(kMaxCodeNesting) + " levels", line);
      }
    }
    if (c == '#') {
      while (i + 1 < n && text[i + 1] != '\n') ++i;
      continue;
    }
    if (c == '"' || c == '\'') {  // a string literal (no triple quotes in printed code)
      for (++i; i < n && text[i] != static_cast<uint8_t>(c); ++i) {
        if (text[i] == '\\') ++i;
        if (i < n && text[i] == '\n') fail("a string literal runs past the end of its line", line);
      }
      prefix_run = 0;
      continue;
    }
    if (c == '(' || c == '[' || c == '{') {
      if (++brackets > kMaxCodeNesting) fail("brackets nest deeper than " + std::to_string(kMaxCodeNesting) + " levels", line);
      ++chain;
    } else if (c == ')' || c == ']' || c == '}') {
      if (--brackets < 0) fail("a closing bracket without its opening one", line);
    }
    // (A '.' after a digit is a decimal point, not an attribute access.)
    const bool op = std::strchr("+-*/%@&|^~<>=!.", c) != nullptr && !(c == '.' && i > 0 && std::isdigit(text[i - 1]));
    if (op) {
      ++chain;
      if (++prefix_run > kMaxCodeNesting) fail("a run of more than " + std::to_string(kMaxCodeNesting) + " operators", line);
    } else if (c != ' ') {
      prefix_run = 0;
    }
    // Word operators: `not`, `and`, `or`, `is`, `in`, `if` chain like symbols.
    if (std::isalpha(static_cast<unsigned char>(c)) && (i == 0 || (!std::isalnum(text[i - 1]) && text[i - 1] != '_'))) {
      size_t j = i;
      while (j < n && (std::isalnum(text[j]) || text[j] == '_')) ++j;
      const std::string word(reinterpret_cast<const char*>(&text[i]), j - i);
      if (word == "not" || word == "and" || word == "or" || word == "is" || word == "in" || word == "if" ||
          word == "else" || word == "lambda")
        ++chain;
      i = j - 1;
    }
    if (chain > kMaxCodeChain)
      fail("a statement of more than " + std::to_string(kMaxCodeChain) + " operators, calls and subscripts", line);
  }
  if (brackets != 0) fail("brackets left open at the end of the file", line);
}

// What loading would run of the file's own code: __setstate__ methods (torch::jit::load calls
// them while unpickling) and custom C++ classes (their native setstate).
void screen_trust(const ZipReader& zip, const std::string& record, const std::vector<uint8_t>& bytes) {
  const std::string text(bytes.begin(), bytes.end());
  const char* hint = "; load it with --trust-code only if you trust its author";
  if (ends_with(record, ".py") && text.find("__setstate__") != std::string::npos)
    throw file_error(zip.path(), std::string("TorchScript module uses __setstate__ (code that runs while the file is loaded)") + hint);
  if (text.find("torch.classes.") != std::string::npos)
    throw file_error(zip.path(), std::string("TorchScript module uses a custom C++ class (torch.classes.*), which is not "
                                             "an allowed pure tensor operator") + hint);
}

}  // namespace

void screen_torchscript_archive(const ZipReader& zip, bool trust_code) {
  int64_t code_bytes = 0, view_bytes = 0;
  std::map<std::string, ValPtr> storages;
  bool has_data = false;
  for (const std::string& record : zip.records()) {
    const bool code = record.rfind("code/", 0) == 0 && ends_with(record, ".py");
    const bool pickle = ends_with(record, ".pkl") || ends_with(record, ".debug_pkl");
    if (!code && !pickle) continue;
    const ZipEntry* entry = zip.find(record);
    if (code) {
      code_bytes += static_cast<int64_t>(std::min<uint64_t>(entry->size, uint64_t(1) << 40));
      if (code_bytes > kMaxCodeBytes)
        throw file_error(zip.path(), "unsafe TorchScript archive: more than " + std::to_string(kMaxCodeBytes >> 20) +
                                         " MiB of code");
    }
    const std::vector<uint8_t> bytes = zip.read(record);
    if (!trust_code) screen_trust(zip, record, bytes);
    if (code) {
      screen_code(zip, record, bytes);
      continue;
    }
    // Tensors of data.pkl live under data/, those of every other pickle under constants/.
    const bool data = record == "data.pkl";
    has_data = has_data || data;
    PickleScreen screen(zip, record, data ? "data/" : "constants/", trust_code, view_bytes, storages);
    const Kind root = screen.run(bytes);
    if (data && root != Kind::kObject) throw file_error(zip.path(), "unsafe TorchScript archive: data.pkl holds no module object");
  }
  if (!has_data) throw file_error(zip.path(), "not a TorchScript archive: it has no data.pkl");
}

}  // namespace shortrun
