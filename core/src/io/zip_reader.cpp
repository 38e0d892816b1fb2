// The zip reader of PyTorch archives (torch.save, torch.jit.save): central directory, zip64,
// stored and deflate entries, CRC-32; every declared size and offset checked before use.
#include "shortrun/io/zip_reader.h"

#include <zlib.h>

#include <algorithm>

#include "shortrun/base/error.h"
#include "shortrun/io/file_checks.h"

namespace shortrun {
namespace {

// torch.save >= 1.6 writes an uncompressed zip64-style archive; deflate is read too.
uint16_t le16(const uint8_t* p) { return uint16_t(p[0] | (p[1] << 8)); }
uint32_t le32(const uint8_t* p) { return uint32_t(le16(p)) | (uint32_t(le16(p + 2)) << 16); }
uint64_t le64(const uint8_t* p) { return uint64_t(le32(p)) | (uint64_t(le32(p + 4)) << 32); }

}  // namespace

ZipReader::ZipReader(std::string path, std::vector<uint8_t> bytes) : path_(std::move(path)), bytes_(std::move(bytes)) {
  const size_t n = bytes_.size();
  if (n < 22) fail("too short for a zip archive");
  // End of central directory: the last signature whose comment ends exactly at the file's end.
  size_t eocd = std::string::npos;
  for (size_t i = n - 22 + 1; i-- > 0 && n - i <= 22 + 0xffff;)
    if (le32(&bytes_[i]) == 0x06054b50 && i + 22 + le16(&bytes_[i + 20]) == n) { eocd = i; break; }
  if (eocd == std::string::npos) fail("no end-of-central-directory record (truncated file?)");
  uint64_t count = le16(&bytes_[eocd + 10]), cd_size = le32(&bytes_[eocd + 12]), cd_offset = le32(&bytes_[eocd + 16]);
  if (count == 0xffff || cd_size == 0xffffffff || cd_offset == 0xffffffff) {  // zip64
    if (eocd < 20 || le32(&bytes_[eocd - 20]) != 0x07064b50) fail("zip64 locator missing");
    const uint64_t z = le64(&bytes_[eocd - 12]);
    if (n < 56 || z > n - 56 || le32(&bytes_[z]) != 0x06064b50) fail("zip64 end-of-central-directory record missing");
    count = le64(&bytes_[z + 32]);
    cd_size = le64(&bytes_[z + 40]);
    cd_offset = le64(&bytes_[z + 48]);
  }
  if (cd_offset > n || cd_size > n - cd_offset) fail("central directory lies outside the file");
  if (count > cd_size / 46) fail("central directory lists more entries than it can hold");
  size_t at = static_cast<size_t>(cd_offset);
  const size_t cd_end = static_cast<size_t>(cd_offset + cd_size);
  uint64_t inflated_total = 0;
  for (uint64_t k = 0; k < count; ++k) {
    if (cd_end - at < 46 || le32(&bytes_[at]) != 0x02014b50) fail("corrupt central directory");
    const uint8_t* h = &bytes_[at];
    ZipEntry e;
    e.flags = le16(h + 8);
    e.method = le16(h + 10);
    e.crc = le32(h + 16);
    e.compressed = le32(h + 20);
    e.size = le32(h + 24);
    e.local_offset = le32(h + 42);
    const size_t name_len = le16(h + 28), extra_len = le16(h + 30), comment_len = le16(h + 32);
    if (cd_end - at - 46 < name_len + extra_len + comment_len) fail("corrupt central directory");
    std::string name(reinterpret_cast<const char*>(h + 46), name_len);
    read_zip64_extra(h + 46 + name_len, extra_len, e);
    at += 46 + name_len + extra_len + comment_len;
    if (e.flags & 1) fail("entry '" + clip(name) + "' is encrypted");
    if (e.method != 0 && e.method != 8) fail("entry '" + clip(name) + "' uses compression method " + std::to_string(e.method) + " (expected stored or deflate)");
    if (e.method == 0 && e.compressed != e.size) fail("stored entry '" + clip(name) + "' has differing sizes");
    if (e.local_offset > n || e.compressed > n) fail("entry '" + clip(name) + "' lies outside the file");
    if (e.method == 8) {
      // Deflate is where a small file becomes a big one: bound the declared sizes up front.
      inflated_total += e.size;
      if (inflated_total > static_cast<uint64_t>(kMaxDecodedBytes.value()))
        fail(kMaxDecodedBytes.exceeded("compressed entries inflating to " + std::to_string(inflated_total) + " bytes"));
    }
    if (k == 0) {
      const size_t slash = name.find('/');
      if (slash == std::string::npos) fail("first entry '" + clip(name) + "' is not inside a top-level folder");
      prefix_ = name.substr(0, slash + 1);
    }
    if (!entries_.emplace(std::move(name), e).second) fail("an entry name appears twice");
  }
  if (entries_.empty()) fail("empty zip archive");
}

const ZipEntry* ZipReader::find(const std::string& record) const {
  auto it = entries_.find(prefix_ + record);
  return it == entries_.end() ? nullptr : &it->second;
}
std::vector<uint8_t> ZipReader::read(const std::string& record) const {
  const ZipEntry* e = find(record);
  if (!e) fail("'" + clip(record) + "' is missing from the archive");
  const size_t n = bytes_.size();
  const uint64_t lo = e->local_offset;
  if (n - lo < 30 || le32(&bytes_[lo]) != 0x04034b50) fail("corrupt local header of '" + clip(record) + "'");
  const uint64_t data = lo + 30 + le16(&bytes_[lo + 26]) + le16(&bytes_[lo + 28]);
  if (data > n || e->compressed > n - data) fail("'" + clip(record) + "' runs past the end of the file (truncated?)");
  const uint8_t* src = &bytes_[static_cast<size_t>(data)];
  std::vector<uint8_t> out;
  if (e->method == 0) {
    out.assign(src, src + e->compressed);
  } else {
    // Inflate to at most the declared size (bounded in the constructor): a stream that
    // would give more is refused, not grown.
    Inflated z = inflate_limited(src, static_cast<size_t>(e->compressed), ZFormat::kRaw, static_cast<size_t>(e->size), true);
    if (z.status == Inflated::kTooBig)
      fail("'" + clip(record) + "' inflates past its declared " + std::to_string(e->size) + " bytes");
    if (z.status != Inflated::kComplete || z.bytes.size() != e->size)
      fail("'" + clip(record) + "' does not inflate to its declared " + std::to_string(e->size) + " bytes (corrupt?)");
    out = std::move(z.bytes);
  }
  uLong crc = crc32(0L, Z_NULL, 0);
  for (size_t off = 0; off < out.size(); off += 1u << 30)
    crc = crc32(crc, out.data() + off, static_cast<uInt>(std::min<size_t>(out.size() - off, 1u << 30)));
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION  // fuzz/: mutated pickles must get past the CRC
  if (crc != e->crc) fail("'" + clip(record) + "' fails its CRC-32 check (corrupt file?)");
#endif
  return out;
}

void ZipReader::fail(const std::string& what) const {
  throw file_error(path_, "not a readable PyTorch zip archive: " + what);
}
void ZipReader::read_zip64_extra(const uint8_t* p, size_t len, ZipEntry& e) const {
  // Only the fields that are 0xffffffff in the fixed header are present, in this order.
  while (len >= 4) {
    const uint16_t id = le16(p), sz = le16(p + 2);
    if (sz > len - 4) fail("corrupt extra field in the central directory");
    if (id == 0x0001) {
      size_t at = 0;
      for (uint64_t* field : {&e.size, &e.compressed, &e.local_offset}) {
        if (*field != 0xffffffff) continue;
        if (sz - at < 8) fail("corrupt zip64 extra field");
        *field = le64(p + 4 + at);
        at += 8;
      }
    }
    p += 4 + sz;
    len -= 4 + sz;
  }
}

std::vector<std::string> ZipReader::records() const {
  std::vector<std::string> out;
  for (const auto& [name, entry] : entries_)
    if (name.compare(0, prefix_.size(), prefix_) == 0) out.push_back(name.substr(prefix_.size()));
  return out;
}

}  // namespace shortrun
