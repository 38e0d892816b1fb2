// Read-side defences for the file readers: regular files only, bounded whole-file reads,
// named limits, overflow-checked size arithmetic.
#include "shortrun/io/file_checks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "shortrun/base/error.h"

namespace shortrun {

const Limit kMaxFileBytes{"SHORTRUN_MAX_FILE_BYTES", int64_t(2) << 30, "bytes"};
const Limit kMaxDecodedBytes{"SHORTRUN_MAX_DECODED_BYTES", int64_t(1) << 30, "bytes"};
// A state_dict needs ~20 opcodes per tensor; 3 M keeps the worst pickle under ~500 MB.
const Limit kMaxPickleOps{"SHORTRUN_MAX_PICKLE_OPS", 3'000'000, "opcodes"};
const Limit kMaxPickleMemo{"SHORTRUN_MAX_PICKLE_MEMO", 500'000, "entries"};
const Limit kMaxImagePixels{"SHORTRUN_MAX_IMAGE_PIXELS", int64_t(4096) * 4096, "pixels"};
// NumPy's own reader refuses headers over 10000 bytes (np.load's max_header_size).
const Limit kMaxNpyHeaderBytes{"SHORTRUN_MAX_NPY_HEADER_BYTES", 10'000, "bytes"};
// The safetensors format caps its header at 100 MB; ours are a few KB, so 16 MiB is roomy.
const Limit kMaxSafetensorsHeaderBytes{"SHORTRUN_MAX_SAFETENSORS_HEADER_BYTES", int64_t(16) << 20, "bytes"};
// 200,000 files: CIFAR-sized folders (60,000) fit; the listing itself stays a few tens of MB.
const Limit kMaxFolderFiles{"SHORTRUN_MAX_FOLDER_FILES", 200'000, "files"};
const Limit kMaxBatchBytes{"SHORTRUN_MAX_BATCH_BYTES", int64_t(4) << 30, "bytes"};
const Limit kMaxOutputBytes{"SHORTRUN_MAX_OUTPUT_BYTES", int64_t(16) << 30, "bytes"};
// A trainer's metrics line is a few KB (its step-length profile included).
const Limit kMaxMetricsLineBytes{"SHORTRUN_MAX_METRICS_LINE_BYTES", int64_t(1) << 20, "bytes"};

int64_t Limit::value() const {
  const char* s = std::getenv(env);
  if (!s || !*s) return default_value;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s, &end, 10);
  if (errno || *end || v <= 0) throw Error(std::string(env) + "='" + clip(s) + "': expected a positive integer");
  return v;
}

std::string Limit::exceeded(const std::string& quantity) const {
  return quantity + " exceeds the limit of " + std::to_string(value()) + " " + what + " (set " + env +
         " to raise it)";
}

namespace {
const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory";
  if (S_ISFIFO(mode)) return "is a FIFO (named pipe), not a regular file";
  if (S_ISSOCK(mode)) return "is a socket, not a regular file";
  if (S_ISCHR(mode)) return "is a character device, not a regular file";
  if (S_ISBLK(mode)) return "is a block device, not a regular file";
  if (!S_ISREG(mode)) return "is not a regular file";
  return nullptr;
}
std::string tail(const std::string& expected) { return expected.empty() ? "" : "; " + expected; }
}  // namespace

void require_regular_file(const std::string& path, const std::string& expected) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) throw file_error(path, "no such file" + tail(expected));
    throw file_error(path, std::string("cannot open (") + std::strerror(errno) + ")" + tail(expected));
  }
  if (const char* kind = file_kind(st.st_mode)) throw file_error(path, kind + tail(expected));
}

std::vector<std::string> list_folder_files(const std::string& dir, const std::string& expected) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw file_error(dir, "no such directory" + tail(expected));
  const int64_t max_files = kMaxFolderFiles.value();
  std::vector<std::string> out;
  fs::directory_iterator it(dir, ec);
  for (const fs::directory_iterator end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    if (int64_t(out.size()) >= max_files)
      throw file_error(dir, kMaxFolderFiles.exceeded("a folder of more than " + std::to_string(max_files) + " files") + tail(expected));
    out.push_back(it->path().string());
  }
  if (ec) throw file_error(dir, "cannot list the directory (" + ec.message() + ")" + tail(expected));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint8_t> read_regular_file(const std::string& path) {
  require_regular_file(path);
  // O_NONBLOCK: if the path was swapped for a FIFO after the stat, open still returns at once.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw file_error(path, std::string("cannot open (") + std::strerror(errno) + ")");
  struct Closer { int fd; ~Closer() { ::close(fd); } } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw file_error(path, std::string("cannot stat (") + std::strerror(errno) + ")");
  if (const char* kind = file_kind(st.st_mode)) throw file_error(path, kind);
  if (st.st_size > kMaxFileBytes.value())
    throw file_error(path, kMaxFileBytes.exceeded("file size " + std::to_string(st.st_size) + " bytes"));
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw file_error(path, std::string("read failed (") + std::strerror(errno) + ")");
    if (n == 0) throw file_error(path, "file shrank while being read");
    got += static_cast<size_t>(n);
  }
  return bytes;
}

Inflated inflate_limited(const uint8_t* src, size_t n, ZFormat format, size_t max_out, bool reserve, bool keep) {
  Inflated r;
  z_stream z{};
  const int bits = format == ZFormat::kRaw ? -MAX_WBITS : format == ZFormat::kGzip ? 16 + MAX_WBITS : MAX_WBITS;
  if (inflateInit2(&z, bits) != Z_OK) return r;
  if (reserve && keep) r.bytes.reserve(max_out);
  size_t in_left = n;
  std::vector<uint8_t> buf(1 << 16);
  while (true) {
    if (z.avail_in == 0 && in_left) {
      const uInt chunk = static_cast<uInt>(std::min<size_t>(in_left, size_t(1) << 30));
      z.next_in = const_cast<Bytef*>(src + (n - in_left));
      z.avail_in = chunk;
      in_left -= chunk;
    }
    z.next_out = buf.data();
    z.avail_out = static_cast<uInt>(buf.size());
    const int rc = inflate(&z, Z_NO_FLUSH);
    const size_t got = buf.size() - z.avail_out;
    const size_t room = max_out - r.produced;
    if (keep) r.bytes.insert(r.bytes.end(), buf.begin(), buf.begin() + static_cast<long>(std::min(got, room)));
    r.produced += std::min(got, room);
    if (got > room) { r.status = Inflated::kTooBig; break; }
    if (rc == Z_STREAM_END) {
      // gzip files may hold several members back to back (as `gzip -dc` reads them).
      const size_t rest = z.avail_in + in_left;
      if (format == ZFormat::kGzip && rest >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b &&
          inflateReset(&z) == Z_OK)
        continue;
      r.status = Inflated::kComplete;
      break;
    }
    if (rc == Z_BUF_ERROR && z.avail_in == 0 && in_left == 0) { r.status = Inflated::kTruncated; break; }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      r.status = Inflated::kCorrupt;
      r.message = z.msg ? z.msg : "inflate failed";
      break;
    }
  }
  inflateEnd(&z);
  return r;
}

std::optional<int64_t> checked_mul(int64_t a, int64_t b) {
  int64_t r = 0;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<int64_t> checked_add(int64_t a, int64_t b) {
  int64_t r = 0;
  if (a < 0 || b < 0 || __builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<int64_t> checked_numel(const std::vector<int64_t>& sizes) {
  int64_t nonzero = 1;
  bool empty = false;
  for (const int64_t s : sizes) {
    if (s < 0) return std::nullopt;
    if (s == 0) { empty = true; continue; }
    const auto p = checked_mul(nonzero, s);
    if (!p) return std::nullopt;
    nonzero = *p;
  }
  return empty ? 0 : nonzero;
}

std::string check_strided_view(int64_t offset, const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides,
                               int64_t storage_numel) {
  if (sizes.size() != strides.size()) return "tensor size and stride differ in rank";
  if (offset < 0) return "negative storage offset " + std::to_string(offset);
  if (storage_numel < 0) return "negative storage size";
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] < 0) return "negative tensor size " + std::to_string(sizes[i]);
    if (strides[i] < 0) return "negative tensor stride " + std::to_string(strides[i]);
  }
  const auto numel = checked_numel(sizes);
  if (!numel) return "tensor size overflows 64 bits";
  if (offset > storage_numel) return "storage offset " + std::to_string(offset) + " lies past the storage's end";
  if (*numel == 0) return "";
  // The highest element the view addresses: offset + sum (size - 1) * stride.
  int64_t last = offset;
  for (size_t i = 0; i < sizes.size(); ++i) {
    const auto step = checked_mul(sizes[i] - 1, strides[i]);
    const auto next = step ? checked_add(last, *step) : std::nullopt;
    if (!next) return "tensor view's extent overflows 64 bits";
    last = *next;
  }
  if (last >= storage_numel)
    return "tensor view reaches element " + std::to_string(last) + " of a storage of " + std::to_string(storage_numel);
  return "";
}


}  // namespace shortrun
