// .safetensors read/write with full validation of the header against the file's size.
#include "shortrun/io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <tuple>
#include <nlohmann/json.hpp>

#include "shortrun/base/error.h"
#include "shortrun/io/file_checks.h"
#include "shortrun/io/file_util.h"

namespace shortrun {
namespace {

struct DtypeInfo {
  const char* name;
  torch::ScalarType type;
  int64_t size;
};
const DtypeInfo kDtypes[] = {
    {"F32", torch::kFloat32, 4}, {"F64", torch::kFloat64, 8}, {"F16", torch::kFloat16, 2},
    {"BF16", torch::kBFloat16, 2}, {"I64", torch::kInt64, 8},  {"I32", torch::kInt32, 4},
    {"U8", torch::kUInt8, 1},
};

const DtypeInfo* dtype_by_name(const std::string& name) {
  for (const auto& d : kDtypes)
    if (name == d.name) return &d;
  return nullptr;
}
const DtypeInfo* dtype_by_type(torch::ScalarType t) {
  for (const auto& d : kDtypes)
    if (t == d.type) return &d;
  return nullptr;
}

}  // namespace

const torch::Tensor* SafetensorsFile::find(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return &t;
  return nullptr;
}

SafetensorsFile read_safetensors(const std::string& path) {
  const std::vector<uint8_t> bytes = read_regular_file(path);
  const std::string bad = "not a valid .safetensors file: ";
  if (bytes.size() < 8) throw file_error(path, bad + "shorter than its 8-byte header length");
  uint64_t header_len = 0;
  std::memcpy(&header_len, bytes.data(), 8);
  if (header_len == 0 || header_len > bytes.size() - 8)
    throw file_error(path, bad + "header length " + std::to_string(header_len) + " exceeds the file size " +
                               std::to_string(bytes.size()));
  if (header_len > static_cast<uint64_t>(kMaxSafetensorsHeaderBytes.value()))
    throw file_error(path, bad + kMaxSafetensorsHeaderBytes.exceeded("header of " + std::to_string(header_len) + " bytes"));
  nlohmann::json header;
  // The format nests 3 levels ({name: {shape: [...]}}); deeper JSON is refused while parsing,
  // before a DOM of millions of nested arrays is built.
  constexpr int kMaxDepth = 8;
  struct TooDeep {};
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(header_len),
                                   [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
                                     if (depth > kMaxDepth) throw TooDeep{};
                                     return true;
                                   });
  } catch (const TooDeep&) {
    throw file_error(path, bad + "header JSON nests deeper than " + std::to_string(kMaxDepth) + " levels");
  } catch (const std::exception&) {
    throw file_error(path, bad + "header is not JSON");
  }
  if (!header.is_object()) throw file_error(path, bad + "header is not a JSON object");
  const size_t data_begin = 8 + header_len;
  const uint64_t data_size = bytes.size() - data_begin;

  SafetensorsFile file;
  struct Entry {
    std::string name;
    std::vector<int64_t> shape;
    const DtypeInfo* dtype;
    uint64_t begin, end;
  };
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& entry = it.value();
    if (name == "__metadata__") {
      if (!entry.is_object()) throw file_error(path, bad + "__metadata__ is not an object");
      for (auto m = entry.begin(); m != entry.end(); ++m) {
        if (!m.value().is_string()) throw file_error(path, bad + "__metadata__ value '" + clip(m.key()) + "' is not a string");
        file.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + clip(name) + "': ";
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets"))
      throw file_error(path, bad + where + "expected {dtype, shape, data_offsets}");
    if (!entry["dtype"].is_string()) throw file_error(path, bad + where + "dtype is not a string");
    const DtypeInfo* dtype = dtype_by_name(entry["dtype"].get<std::string>());
    if (!dtype)
      throw file_error(path, bad + where + "unsupported dtype '" + clip(entry["dtype"].get<std::string>(), 20) +
                                 "' (expected F32, F64, F16, BF16, I64, I32 or U8)");
    std::vector<int64_t> shape;
    if (!entry["shape"].is_array()) throw file_error(path, bad + where + "shape is not an array");
    for (const auto& d : entry["shape"]) {
      if (!d.is_number_unsigned()) throw file_error(path, bad + where + "shape has a non-integer entry");
      const uint64_t v = d.get<uint64_t>();
      if (v > (1ull << 40)) throw file_error(path, bad + where + "shape too large");
      shape.push_back(static_cast<int64_t>(v));
    }
    // Zero-sized dimensions included: LibTorch multiplies all of them when allocating.
    const auto checked = checked_numel(shape);
    const auto checked_bytes = checked ? checked_mul(*checked, dtype->size) : std::nullopt;
    if (!checked_bytes) throw file_error(path, bad + where + "shape's size overflows 64 bits");
    const uint64_t numel = static_cast<uint64_t>(*checked);
    const auto& off = entry["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      throw file_error(path, bad + where + "data_offsets must be [begin, end]");
    const uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    if (begin > end || end > data_size)
      throw file_error(path, bad + where + "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                                 "] lie past the end of the data (" + std::to_string(data_size) + " bytes)");
    if (end - begin != numel * static_cast<uint64_t>(dtype->size))
      throw file_error(path, bad + where + "byte range of " + std::to_string(end - begin) + " does not match shape x dtype (" +
                                 std::to_string(numel * dtype->size) + " bytes)");
    entries.push_back({name, std::move(shape), dtype, begin, end});
  }
  // The format's rule: the tensors tile the data exactly, no overlap and no hole (tensors that
  // share bytes would make one weight's edit change another's).
  // Checked before anything is allocated: tensors all viewing the same bytes would multiply them.
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return std::tie(a.begin, a.end) < std::tie(b.begin, b.end); });
  uint64_t covered = 0;
  for (const Entry& e : entries) {
    if (e.begin != covered)
      throw file_error(path, bad + (e.begin < covered ? "two tensors share the bytes at offset " + std::to_string(e.begin)
                                                      : "a hole of unused bytes at offset " + std::to_string(covered)) +
                                 " (safetensors tensors must tile the data exactly)");
    covered = e.end;
  }
  if (covered != data_size)
    throw file_error(path, bad + std::to_string(data_size - covered) + " bytes after the last tensor's data");
  for (const Entry& e : entries) {
    torch::Tensor t = torch::empty(e.shape, torch::TensorOptions().dtype(e.dtype->type));
    if (e.end > e.begin) std::memcpy(t.data_ptr(), bytes.data() + data_begin + e.begin, e.end - e.begin);
    file.tensors.emplace_back(e.name, t);
  }
  // Header order is not guaranteed by the format; keep a stable order by name.
  std::sort(file.tensors.begin(), file.tensors.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return file;
}

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> contiguous;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
    const DtypeInfo* dtype = dtype_by_type(t.scalar_type());
    if (!dtype) throw file_error(path, "cannot store tensor '" + name + "' of dtype " + std::string(c10::toString(t.scalar_type())));
    const uint64_t nbytes = static_cast<uint64_t>(t.numel()) * dtype->size;
    header[name] = {{"dtype", dtype->name}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    contiguous.push_back(t);
  }
  std::string header_text = json_text(header);
  while ((header_text.size() + 8) % 8 != 0) header_text.push_back(' ');  // align data to 8 bytes
  write_file_atomic(path, [&](std::ostream& out) {
    const uint64_t len = header_text.size();
    out.write(reinterpret_cast<const char*>(&len), 8);
    out.write(header_text.data(), static_cast<std::streamsize>(header_text.size()));
    for (const auto& t : contiguous)
      out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * t.element_size()));
  });
}

}  // namespace shortrun
