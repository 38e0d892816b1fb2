// .npy v1/v2 reader and v1 writer for float arrays.
#include "shortrun/io/npy.h"

#include <cstring>
#include <cctype>

#include "shortrun/base/error.h"
#include "shortrun/io/file_checks.h"
#include "shortrun/io/file_util.h"

namespace shortrun {
namespace {

// A cursor over the header's dict literal; every failure is an Error with the reason.
class HeaderParser {
 public:
  explicit HeaderParser(const std::string& text) : s_(text) {}

  NpyHeader parse() {
    NpyHeader h;
    bool have_descr = false, have_order = false, have_shape = false;
    ws();
    expect('{');
    while (true) {
      ws();
      if (peek() == '}') { ++i_; break; }
      const std::string key = string_literal();
      ws();
      expect(':');
      ws();
      if (key == "descr") {
        if (have_descr) fail("'descr' appears twice");
        if (peek() == '[') fail("structured dtypes are not supported");
        h.descr = string_literal();
        have_descr = true;
      } else if (key == "fortran_order") {
        if (have_order) fail("'fortran_order' appears twice");
        h.fortran_order = boolean();
        have_order = true;
      } else if (key == "shape") {
        if (have_shape) fail("'shape' appears twice");
        h.shape = shape();
        have_shape = true;
      } else {
        fail("unknown header key '" + clip(key, 40) + "'");
      }
      ws();
      if (peek() == ',') { ++i_; continue; }
      if (peek() == '}') { ++i_; break; }
      fail("expected ',' or '}' at header offset " + std::to_string(i_));
    }
    for (; i_ < s_.size(); ++i_)  // NumPy pads the header with spaces and a newline
      if (!std::isspace(static_cast<unsigned char>(s_[i_]))) fail("text after the header dict");
    if (!have_descr) fail("header has no 'descr'");
    if (!have_order) fail("header has no 'fortran_order'");
    if (!have_shape) fail("header has no 'shape'");
    if (!checked_numel(h.shape)) fail("shape's element count overflows 64 bits");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw Error(what); }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void ws() { while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_; }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "' at header offset " + std::to_string(i_));
    ++i_;
  }
  std::string string_literal() {
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string at header offset " + std::to_string(i_));
    const size_t close = s_.find(q, ++i_);
    if (close == std::string::npos) fail("unterminated string in the header");
    std::string out = s_.substr(i_, close - i_);
    if (out.find('\\') != std::string::npos) fail("escape sequences in header strings are not supported");
    i_ = close + 1;
    return out;
  }
  bool boolean() {
    if (s_.compare(i_, 4, "True") == 0) { i_ += 4; return true; }
    if (s_.compare(i_, 5, "False") == 0) { i_ += 5; return false; }
    fail("'fortran_order' is neither True nor False");
  }
  std::vector<int64_t> shape() {
    expect('(');
    std::vector<int64_t> dims;
    while (true) {
      ws();
      if (peek() == ')') { ++i_; break; }
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("shape entry is not a non-negative integer");
      int64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        const auto next = checked_mul(v, 10);
        const auto sum = next ? checked_add(*next, peek() - '0') : std::nullopt;
        if (!sum) fail("shape entry overflows 64 bits");
        v = *sum;
        ++i_;
      }
      if (peek() == 'L') ++i_;  // Python 2's long suffix
      dims.push_back(v);
      ws();
      if (peek() == ',') { ++i_; continue; }
      if (peek() == ')') { ++i_; break; }
      fail("expected ',' or ')' in 'shape'");
    }
    return dims;
  }

  const std::string& s_;
  size_t i_ = 0;
};

}  // namespace

NpyHeader parse_npy_header(const std::string& text) { return HeaderParser(text).parse(); }

torch::Tensor read_npy(const std::string& path) {
  const auto bytes = read_regular_file(path);
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
  if (static_cast<int64_t>(header_len) > kMaxNpyHeaderBytes.value())
    throw file_error(path, bad + kMaxNpyHeaderBytes.exceeded("header of " + std::to_string(header_len) + " bytes"));
  if (header_len > bytes.size() - header_start) throw file_error(path, bad + "truncated header");
  const std::string text(bytes.begin() + header_start, bytes.begin() + header_start + header_len);
  NpyHeader header;
  try {
    header = parse_npy_header(text);
  } catch (const Error& e) {
    throw file_error(path, bad + e.what());
  }
  if (header.descr != "<f4" && header.descr != "<f8")
    throw file_error(path, "dtype '" + clip(header.descr, 40) + "' is not supported; expected float32 ('<f4') or float64 ('<f8')");
  if (header.fortran_order)
    throw file_error(path, "Fortran-order arrays are not supported; save with np.ascontiguousarray");
  const int64_t numel = *checked_numel(header.shape);
  const int64_t elem = header.descr == "<f4" ? 4 : 8;
  const size_t data_start = header_start + header_len;
  const auto nbytes = checked_mul(numel, elem);
  if (!nbytes || static_cast<uint64_t>(*nbytes) > bytes.size() - data_start)
    throw file_error(path, bad + "data shorter than its shape says");
  const auto dtype = header.descr == "<f4" ? torch::kFloat32 : torch::kFloat64;
  torch::Tensor t = torch::empty(header.shape, torch::TensorOptions().dtype(dtype));
  if (*nbytes) std::memcpy(t.data_ptr(), bytes.data() + data_start, static_cast<size_t>(*nbytes));
  return t.to(torch::kFloat32);
}

std::string npy_preamble(const std::vector<int64_t>& sizes) {
  std::string shape = "(";
  for (size_t i = 0; i < sizes.size(); ++i)
    shape += std::to_string(sizes[i]) + (sizes.size() == 1 ? "," : i + 1 < sizes.size() ? ", " : "");
  shape += ")";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header.push_back(' ');
  header.push_back('\n');
  const uint16_t len = static_cast<uint16_t>(header.size());
  std::string out("\x93NUMPY\x01\x00", 8);
  out.append(reinterpret_cast<const char*>(&len), 2);
  return out + header;
}

void write_npy(const std::string& path, const torch::Tensor& tensor) {
  const torch::Tensor t = tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  const std::string preamble = npy_preamble(t.sizes().vec());
  write_file_atomic(path, [&](std::ostream& out) {
    out.write(preamble.data(), static_cast<std::streamsize>(preamble.size()));
    out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * 4));
  });
}

}  // namespace shortrun
