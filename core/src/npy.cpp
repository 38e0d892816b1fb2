// .npy v1/v2 reader and v1 writer for float arrays.
#include "shortrun/npy.h"

#include <cstring>
#include <regex>
#include <sstream>

#include "shortrun/error.h"
#include "shortrun/file_util.h"

namespace shortrun {

torch::Tensor read_npy(const std::string& path) {
  const auto bytes = read_file_bytes(path);
  const std::string bad = "not a valid .npy file: ";
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
    throw file_error(path, bad + "missing the \\x93NUMPY magic");
  const int major = bytes[6];
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = bytes[8] | (bytes[9] << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw file_error(path, bad + "truncated header");
    header_len = bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (static_cast<size_t>(bytes[11]) << 24);
    header_start = 12;
  } else {
    throw file_error(path, bad + "unknown version " + std::to_string(major));
  }
  if (header_start + header_len > bytes.size()) throw file_error(path, bad + "truncated header");
  const std::string header(bytes.begin() + header_start, bytes.begin() + header_start + header_len);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'")))
    throw file_error(path, bad + "header has no 'descr'");
  const std::string descr = m[1];
  if (descr != "<f4" && descr != "<f8")
    throw file_error(path, "dtype '" + descr + "' is not supported; expected float32 ('<f4') or float64 ('<f8')");
  if (std::regex_search(header, m, std::regex("'fortran_order'\\s*:\\s*True")))
    throw file_error(path, "Fortran-order arrays are not supported; save with np.ascontiguousarray");
  if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)")))
    throw file_error(path, bad + "header has no 'shape'");
  std::vector<int64_t> shape;
  std::stringstream dims(m[1].str());
  std::string item;
  int64_t numel = 1;
  while (std::getline(dims, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    if (item.empty()) continue;
    const int64_t v = std::stoll(item);
    if (v < 0 || v > (int64_t(1) << 34)) throw file_error(path, bad + "invalid shape");
    shape.push_back(v);
    numel *= v;
  }
  const size_t elem = descr == "<f4" ? 4 : 8;
  const size_t data_start = header_start + header_len;
  if (bytes.size() - data_start < static_cast<size_t>(numel) * elem)
    throw file_error(path, bad + "data shorter than its shape says");
  const auto dtype = descr == "<f4" ? torch::kFloat32 : torch::kFloat64;
  torch::Tensor t = torch::empty(shape, torch::TensorOptions().dtype(dtype));
  std::memcpy(t.data_ptr(), bytes.data() + data_start, numel * elem);
  return t.to(torch::kFloat32);
}

void write_npy(const std::string& path, const torch::Tensor& tensor) {
  const torch::Tensor t = tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  std::string shape = "(";
  for (int64_t i = 0; i < t.dim(); ++i) shape += std::to_string(t.size(i)) + (t.dim() == 1 ? "," : i + 1 < t.dim() ? ", " : "");
  shape += ")";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header.push_back(' ');
  header.push_back('\n');
  write_file_atomic(path, [&](std::ostream& out) {
    out.write("\x93NUMPY\x01\x00", 8);
    const uint16_t len = static_cast<uint16_t>(header.size());
    out.write(reinterpret_cast<const char*>(&len), 2);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * 4));
  });
}

}  // namespace shortrun
