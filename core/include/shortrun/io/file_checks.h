// Read-side defences shared by the file readers: regular-file checks before open, whole-file
// reads under a size limit, the named limits (each raisable by an environment variable) and
// overflow-checked arithmetic for sizes, strides and offsets taken from files.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shortrun/base/printable.h"  // clip(), for the readers' messages

namespace shortrun {

// A resource limit a reader enforces. Its value is `default_value` unless the environment
// variable `env` holds a positive integer (a bad value is an Error naming the variable).
struct Limit {
  const char* env;
  int64_t default_value;
  const char* what;  // "bytes", "opcodes", ... (for messages)
  int64_t value() const;
  // "exceeds the limit of N bytes (SHORTRUN_X; raise it to read this file)"
  std::string exceeded(const std::string& quantity) const;
};

// The limits (README.md "Limits" lists them with their defaults).
extern const Limit kMaxFileBytes;        // SHORTRUN_MAX_FILE_BYTES: size of a file read into memory
extern const Limit kMaxDecodedBytes;     // SHORTRUN_MAX_DECODED_BYTES: what one file may expand into
extern const Limit kMaxPickleOps;        // SHORTRUN_MAX_PICKLE_OPS: opcodes run by the unpickler
extern const Limit kMaxPickleMemo;       // SHORTRUN_MAX_PICKLE_MEMO: pickle memo entries
extern const Limit kMaxImagePixels;      // SHORTRUN_MAX_IMAGE_PIXELS: width x height of a decoded image
extern const Limit kMaxNpyHeaderBytes;   // SHORTRUN_MAX_NPY_HEADER_BYTES: .npy header dict length
extern const Limit kMaxSafetensorsHeaderBytes;  // SHORTRUN_MAX_SAFETENSORS_HEADER_BYTES: its JSON header
extern const Limit kMaxFolderFiles;      // SHORTRUN_MAX_FOLDER_FILES: files listed in an image folder
extern const Limit kMaxBatchBytes;       // SHORTRUN_MAX_BATCH_BYTES: estimated memory of chains sampled at once
extern const Limit kMaxOutputBytes;      // SHORTRUN_MAX_OUTPUT_BYTES: one output file (--npy, --trajectory)
extern const Limit kMaxMetricsLineBytes;  // SHORTRUN_MAX_METRICS_LINE_BYTES: one line of a followed metrics.jsonl

// Throws file_error unless `path` names a regular file (following symlinks): "no such file",
// "is a directory", "is a FIFO, not a regular file", ... `expected` ends the message.
void require_regular_file(const std::string& path, const std::string& expected = "");

// The regular files in `dir` (not its subfolders), sorted, for an image folder. At most
// kMaxFolderFiles are listed: a folder of more is an error naming the limit, raised while listing
// (nothing per file is kept past it). A missing or unreadable folder is an error too.
std::vector<std::string> list_folder_files(const std::string& dir, const std::string& expected);

// The whole file, opened without blocking (a FIFO cannot hang the reader), checked to be a
// regular file on the open descriptor, and at most kMaxFileBytes long.
std::vector<uint8_t> read_regular_file(const std::string& path);

// zlib inflate of a raw deflate (zip), zlib (PNG) or gzip stream into at most max_out bytes,
// whatever the stream's headers claim. reserve: allocate max_out at once (when it is the exact
// size expected); keep = false only counts the output (bytes stays empty).
enum class ZFormat { kRaw, kZlib, kGzip };
struct Inflated {
  enum Status { kComplete, kTooBig, kTruncated, kCorrupt } status = kCorrupt;
  std::vector<uint8_t> bytes;  // what was produced (at most max_out)
  size_t produced = 0;
  std::string message;  // zlib's reason when corrupt ("incorrect length check", ...)
};
Inflated inflate_limited(const uint8_t* src, size_t n, ZFormat format, size_t max_out, bool reserve = false,
                         bool keep = true);

// Overflow-checked arithmetic on values taken from files (nullopt: overflow or negative input).
std::optional<int64_t> checked_mul(int64_t a, int64_t b);
std::optional<int64_t> checked_add(int64_t a, int64_t b);
// Product of sizes; nullopt if any is negative or the product of the non-zero sizes overflows
// (so LibTorch's own storage-size computation cannot overflow either).
std::optional<int64_t> checked_numel(const std::vector<int64_t>& sizes);

// Checks a strided view (offset, sizes, strides, in elements) against a storage of
// storage_numel elements: every element the view can address must lie in [0, storage_numel).
// Returns "" if it fits, else the reason.
std::string check_strided_view(int64_t offset, const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides,
                               int64_t storage_numel);

}  // namespace shortrun
