// A zip archive held in memory, read with every declared size checked before anything is
// allocated: the container of torch.save (.pth) and torch.jit.save (.pt) files.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace shortrun {

struct ZipEntry {
  uint16_t flags = 0, method = 0;
  uint32_t crc = 0;
  uint64_t compressed = 0, size = 0, local_offset = 0;
};

// The central directory of a zip held in memory. Entries are found by name relative to the
// archive's top folder ("archive/data.pkl" -> "data.pkl"), as PyTorch's reader does. Stored and
// deflated entries only; the sum of deflated sizes is bounded by kMaxDecodedBytes up front.
// Errors: file_error(path, "not a readable PyTorch zip archive: ...").
class ZipReader {
 public:
  ZipReader(std::string path, std::vector<uint8_t> bytes);

  const ZipEntry* find(const std::string& record) const;
  bool has(const std::string& record) const { return find(record) != nullptr; }
  // Record names relative to the top folder, in name order.
  std::vector<std::string> records() const;
  // The record's bytes (inflated to at most its declared size), checked against its CRC-32.
  std::vector<uint8_t> read(const std::string& record) const;
  const std::string& path() const { return path_; }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  [[noreturn]] void fail(const std::string& what) const;
  void read_zip64_extra(const uint8_t* p, size_t len, ZipEntry& e) const;

  std::string path_;
  std::vector<uint8_t> bytes_;
  std::string prefix_;
  std::map<std::string, ZipEntry> entries_;
};

}  // namespace shortrun
