// decode_jpeg with libjpeg-turbo. libjpeg reports errors through error_exit, whose default
// calls exit(): ours longjmps back into decode_stage(), a function with no C++ objects of its own
// (a longjmp skips destructors), and the message is thrown as a file_error only after it returned.
// Warnings about corrupt data (libjpeg would go on and fill in gray) are errors too, and a
// progress monitor stops files of absurdly many scans (a known decompression-time bomb).
#include "jpeg_reader.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "shortrun/base/error.h"
#include "shortrun/io/file_checks.h"

#ifdef SHORTRUN_WITH_LIBJPEG
#include <csetjmp>

#include <jerror.h>
#include <jpeglib.h>
#endif

namespace shortrun::detail {

bool looks_like_jpeg(const std::vector<uint8_t>& b) {
  size_t at = 0;
  while (at < b.size() && b[at] == 0xFF) ++at;
  return at > 0 && at < b.size() && b[at] == 0xD8;
}

#ifndef SHORTRUN_WITH_LIBJPEG

bool have_jpeg() { return false; }

DecodedJpeg decode_jpeg(const std::vector<uint8_t>&, const std::string& path, int64_t) {
  throw file_error(path, "this build reads PNG only; JPEG support needs libjpeg-turbo at build time "
                         "(Debian: libjpeg62-turbo-dev); convert the image to PNG");
}

#else

bool have_jpeg() { return true; }

namespace {

constexpr int kMaxScans = 1000;  // a progressive JPEG has about 10; each scan re-reads the whole image

struct ErrorManager {
  jpeg_error_mgr pub;  // first: libjpeg sees a jpeg_error_mgr*
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Level -1: a corrupt-data warning (libjpeg would continue with made-up pixels). Higher levels
// are trace messages. Nothing is ever printed.
void on_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;
  on_error(cinfo);
}

void on_progress(j_common_ptr cinfo) {
  if (cinfo->is_decompressor && reinterpret_cast<j_decompress_ptr>(cinfo)->input_scan_number > kMaxScans) {
    auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    std::snprintf(err->message, sizeof err->message, "more than %d scans", kMaxScans);
    std::longjmp(err->jump, 1);
  }
}

enum class Stage { kOk, kError, kTooBig, kCmyk };

struct Job {  // plain data only: it lives across setjmp
  const unsigned char* data;
  unsigned long size;
  int64_t max_pixels;
  unsigned width, height;
  int channels;
  unsigned char* out;  // malloc'ed here, freed by the caller
  jpeg_progress_mgr* progress;
};

// Everything libjpeg does happens in here; returns after a longjmp with kError.
Stage decode_stage(jpeg_decompress_struct* cinfo, ErrorManager* err, Job* job) {
  if (setjmp(err->jump)) return Stage::kError;
  jpeg_create_decompress(cinfo);  // zeroes cinfo but for err: the rest is set after it
  cinfo->progress = job->progress;
  // libjpeg's own allocations (a progressive file's coefficients) past this fail with an error.
  cinfo->mem->max_memory_to_use = long(std::min<int64_t>(job->max_pixels, int64_t(1) << 26) * 16);
  jpeg_mem_src(cinfo, job->data, job->size);
  jpeg_read_header(cinfo, TRUE);
  job->width = cinfo->image_width;
  job->height = cinfo->image_height;
  if (job->width == 0 || job->height == 0 || int64_t(job->width) * int64_t(job->height) > job->max_pixels)
    return Stage::kTooBig;
  if (cinfo->num_components != 1 && cinfo->num_components != 3) return Stage::kCmyk;
  cinfo->out_color_space = cinfo->num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(cinfo);
  job->channels = cinfo->output_components;
  const size_t row = size_t(cinfo->output_width) * size_t(job->channels);
  job->out = static_cast<unsigned char*>(std::malloc(row * cinfo->output_height));
  if (!job->out) {
    std::snprintf(err->message, sizeof err->message, "out of memory for %ux%u pixels", job->width, job->height);
    return Stage::kError;
  }
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW line = job->out + row * cinfo->output_scanline;
    jpeg_read_scanlines(cinfo, &line, 1);
  }
  jpeg_finish_decompress(cinfo);
  return Stage::kOk;
}

}  // namespace

DecodedJpeg decode_jpeg(const std::vector<uint8_t>& bytes, const std::string& path, int64_t max_pixels) {
  jpeg_decompress_struct cinfo;
  std::memset(&cinfo, 0, sizeof cinfo);
  ErrorManager err;
  std::memset(&err, 0, sizeof err);
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error;
  err.pub.emit_message = on_message;
  err.pub.output_message = [](j_common_ptr) {};
  jpeg_progress_mgr progress;
  std::memset(&progress, 0, sizeof progress);
  progress.progress_monitor = on_progress;
  Job job{bytes.data(), static_cast<unsigned long>(bytes.size()), max_pixels, 0, 0, 0, nullptr, &progress};
  const Stage stage = decode_stage(&cinfo, &err, &job);
  // The SOF marker's size is known even when the header failed later (a file of SOF and EOI).
  const unsigned w = cinfo.image_width, h = cinfo.image_height;
  jpeg_destroy_decompress(&cinfo);
  struct Free { unsigned char* p; ~Free() { std::free(p); } } free_out{job.out};
  const std::string size = std::to_string(w) + "x" + std::to_string(h);
  if (stage == Stage::kTooBig || (stage == Stage::kError && int64_t(w) * int64_t(h) > max_pixels))
    throw file_error(path, kMaxImagePixels.exceeded("image of " + size + " pixels"));
  if (stage == Stage::kCmyk)
    throw file_error(path, "not a readable image (JPEG with 4 colour components, CMYK); expected a gray or RGB JPEG, or PNG");
  if (stage == Stage::kError)
    throw file_error(path, "not a readable image (JPEG: " + clip(err.message, 120) + "); expected PNG or JPEG");
  DecodedJpeg d;
  d.width = int(job.width);
  d.height = int(job.height);
  d.channels = job.channels;
  d.pixels.assign(job.out, job.out + size_t(d.width) * size_t(d.height) * size_t(d.channels));
  return d;
}

#endif

}  // namespace shortrun::detail
