// SHA-256 (FIPS 180-4) of bytes, a file or a tensor's data: what an evaluation records to say
// which feature net, model and data it used, so `shortrun eval --check` can tell a changed file.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace shortrun {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t n);
  std::string hex();  // finishes the digest: 64 lowercase hex digits (call once)

 private:
  void block(const uint8_t* p);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_{};
  size_t used_ = 0;
  uint64_t total_ = 0;
};

std::string sha256_hex(const void* data, size_t n);
// Reads the file in pieces (bounded memory); throws shortrun::Error naming it if unreadable.
std::string sha256_file(const std::string& path);

}  // namespace shortrun
