// Whole-file reads, and writes that replace only regular files (temp file, fsync, rename).
#include "shortrun/io/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <streambuf>

#include "shortrun/base/error.h"

namespace shortrun {
namespace {

std::string errno_text(int err) { return std::string(std::strerror(err)); }

// An ostream buffer over a file descriptor that remembers the first write error.
class FdBuffer : public std::streambuf {
 public:
  explicit FdBuffer(int fd) : fd_(fd), buf_(1 << 16) { setp(buf_.data(), buf_.data() + buf_.size()); }
  int error() const { return err_; }

 protected:
  int_type overflow(int_type ch) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  int sync() override { return drain() ? 0 : -1; }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (n < static_cast<std::streamsize>(buf_.size())) return std::streambuf::xsputn(s, n);
    return drain() && write_all(s, static_cast<size_t>(n)) ? n : 0;  // large blocks skip the copy
  }

 private:
  bool drain() {
    const bool ok = write_all(pbase(), static_cast<size_t>(pptr() - pbase()));
    setp(buf_.data(), buf_.data() + buf_.size());
    return ok;
  }
  bool write_all(const char* p, size_t n) {
    while (n > 0 && err_ == 0) {
      const ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        err_ = w < 0 ? errno : EIO;
        break;
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    return err_ == 0;
  }
  int fd_;
  int err_ = 0;
  std::vector<char> buf_;
};

std::string octal_mode(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", unsigned(m & 07777));
  return buf;
}

// Runs write() into fd; throws "<path>: write failed (...)" on a write error. EPIPE (the
// reader of a pipe quit; the CLI ignores SIGPIPE so that it sees it) gets its own words.
void write_to_fd(int fd, const std::string& path, const std::function<void(std::ostream&)>& write) {
  FdBuffer buf(fd);
  std::ostream out(&buf);
  write(out);
  out.flush();
  if (buf.error() == EPIPE)
    throw file_error(path, "the reader closed the pipe before the output was complete (" + errno_text(EPIPE) +
                               "); the output is incomplete");
  if (buf.error() != 0) throw file_error(path, "write failed (" + errno_text(buf.error()) + ")");
  if (!out) throw file_error(path, "write failed");
}

// "-" writes here; -1 until reserve_stdout_for_output moves stdout's text to stderr.
int g_stdout_fd = -1;
std::atomic<bool> g_stdout_used{false};

void write_stdout(const std::function<void(std::ostream&)>& write) {
  if (g_stdout_used.exchange(true))
    throw Error("-: standard output already holds another output of this run; give a file name");
  const int fd = g_stdout_fd >= 0 ? g_stdout_fd : STDOUT_FILENO;
  if (::isatty(fd)) throw Error("-: standard output is a terminal; redirect it to a file or pipe, or give a file name");
  std::cout.flush();
  std::fflush(stdout);
  write_to_fd(fd, "-", write);
}

// The path a chain of symlinks ends at (the path itself if it is not a link). A dangling
// link resolves to the missing path it names, which is then created.
std::string follow_symlinks(const std::string& path) {
  std::string p = path;
  for (int depth = 0; depth < 40; ++depth) {
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    std::vector<char> buf(PATH_MAX + 1);
    const ssize_t n = ::readlink(p.c_str(), buf.data(), buf.size());
    if (n < 0) throw file_error(path, "cannot read the symbolic link (" + errno_text(errno) + ")");
    const std::filesystem::path link(std::string(buf.data(), static_cast<size_t>(n)));
    p = link.is_absolute() ? link.string() : (std::filesystem::path(p).parent_path() / link).string();
  }
  throw file_error(path, "too many levels of symbolic links");
}

std::string kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

}  // namespace

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw file_error(path, "is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw file_error(path, std::string("cannot open (") + std::strerror(errno) + ")");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  std::vector<uint8_t> bytes(static_cast<size_t>(std::max<std::streamoff>(size, 0)));
  if (!bytes.empty() && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw file_error(path, "read failed");
  return bytes;
}

void reserve_stdout_for_output() {
  if (g_stdout_fd >= 0) return;
  std::cout.flush();
  std::fflush(stdout);
  const int fd = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (fd < 0) return;  // no stdout open: "-" will fail with the write error
  if (::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    ::close(fd);
    return;
  }
  g_stdout_fd = fd;
}

void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& write) {
  if (path.empty()) throw Error("empty output path");
  if (path == "-") return write_stdout(write);
  // Symlinks are written through: the file they point at is replaced, the link is kept, so a
  // link into another directory keeps pointing at the new output.
  const std::string target = follow_symlinks(path);

  struct stat st;
  bool existing = false;
  if (::stat(target.c_str(), &st) == 0) {
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
      // A device or pipe is a destination, not a file to replace: /dev/null discards, a FIFO
      // feeds a reader. No O_CREAT, no O_TRUNC. O_NONBLOCK for the open only: a FIFO without a
      // reader answers ENXIO at once instead of blocking until one comes (maybe never).
      const int fd = ::open(target.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
      if (fd < 0 && errno == ENXIO && S_ISFIFO(st.st_mode))
        throw file_error(path, "is a named pipe with no reader; start the reader first (e.g. `cat " + path +
                                   " > FILE &`), or give a file name");
      if (fd < 0) throw file_error(path, "cannot open for writing (" + errno_text(errno) + ")");
      const int flags = ::fcntl(fd, F_GETFL);
      if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        const int err = errno;
        ::close(fd);
        throw file_error(path, "cannot open for writing (" + errno_text(err) + ")");
      }
      try {
        write_to_fd(fd, path, write);
      } catch (...) {
        ::close(fd);
        throw;
      }
      if (::close(fd) != 0) throw file_error(path, "write failed (" + errno_text(errno) + ")");
      return;
    }
    if (!S_ISREG(st.st_mode)) throw file_error(path, "is " + kind_of(st.st_mode) + "; expected a file name to write");
    // The mode bits decide, not access(): root passes access(W_OK) for any file, and would
    // replace a file its owner made read-only.
    if ((st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0)
      throw file_error(path, "is read-only (mode " + octal_mode(st.st_mode) + "); not replacing it (chmod u+w it, or choose another name)");
    if (::access(target.c_str(), W_OK) != 0)
      throw file_error(path, "exists and is not writable (" + errno_text(errno) + "); not replacing it");
    existing = true;
  } else if (errno != ENOENT) {
    throw file_error(path, "cannot write (" + errno_text(errno) + ")");
  }

  // The temp file lives in the target's directory so that rename() is atomic.
  static std::atomic<unsigned> counter{0};
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp = target + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) throw file_error(path, "cannot write (" + errno_text(errno) + ")");
  }
  if (fd < 0) throw file_error(path, "cannot create a temporary file next to it");
  try {
    if (existing) {
      // Owner first: chown clears set-id bits. Without the right to chown (not root), the
      // file becomes ours; set-id bits are then dropped rather than granted to us.
      mode_t mode = st.st_mode & 07777;
      if ((st.st_uid != ::geteuid() || st.st_gid != ::getegid()) && ::fchown(fd, st.st_uid, st.st_gid) != 0)
        mode &= ~static_cast<mode_t>(S_ISUID | S_ISGID);
      if (::fchmod(fd, mode) != 0) throw file_error(path, "cannot set the mode of the new file (" + errno_text(errno) + ")");
    }
    write_to_fd(fd, path, write);
    if (::fsync(fd) != 0) throw file_error(path, "write failed (" + errno_text(errno) + ")");
    const int closed = ::close(fd);
    fd = -1;
    if (closed != 0) throw file_error(path, "write failed (" + errno_text(errno) + ")");
    // Re-check just before the rename: whatever appeared meanwhile must still be a file.
    struct stat now;
    if (::lstat(target.c_str(), &now) == 0 && !S_ISREG(now.st_mode))
      throw file_error(path, "changed into " + kind_of(now.st_mode) + " while writing; not replacing it");
    if (std::rename(tmp.c_str(), target.c_str()) != 0)
      throw file_error(path, "cannot replace (" + errno_text(errno) + ")");
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  // Make the rename itself durable; best effort (some file systems refuse fsync on a directory).
  const std::string dir = std::filesystem::path(target).parent_path().string();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

namespace {
// What a path names for "is this the same file": an existing path is its device and inode
// (symlinks followed, so a link or a hard link to a file is that file); a missing one is its
// directory's device and inode plus its name. exists: the path names an existing regular file.
struct FileIdentity {
  dev_t dev = 0;
  ino_t ino = 0;
  std::string name;
  bool known = false, exists = false, regular = false;
  bool operator==(const FileIdentity& o) const { return known && o.known && dev == o.dev && ino == o.ino && name == o.name; }
};

FileIdentity identity_of(const std::string& path) {
  FileIdentity id;
  if (path.empty() || path == "-") return id;
  std::string target;
  try {
    target = follow_symlinks(path);
  } catch (const Error&) {
    return id;  // a link loop: the writer reports it
  }
  struct stat st;
  if (::stat(target.c_str(), &st) == 0) {
    id.dev = st.st_dev;
    id.ino = st.st_ino;
    id.known = id.exists = true;
    id.regular = S_ISREG(st.st_mode);
    return id;
  }
  const std::filesystem::path p(target);
  const std::string dir = p.parent_path().empty() ? "." : p.parent_path().string();
  if (::stat(dir.c_str(), &st) != 0) return id;
  id.dev = st.st_dev;
  id.ino = st.st_ino;
  id.name = p.filename().string();
  id.known = true;
  return id;
}
}  // namespace

bool same_file(const std::string& a, const std::string& b) {
  const FileIdentity ia = identity_of(a), ib = identity_of(b);
  return ia.exists && ib.exists && ia == ib;
}

void check_outputs_apart(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs) {
  std::vector<std::pair<const NamedPath*, FileIdentity>> seen;
  for (const NamedPath& out : outputs) {
    const FileIdentity id = identity_of(out.path);
    if (!id.known || (id.exists && !id.regular)) continue;  // "-", /dev/null, a FIFO: not replaced
    if (id.exists)
      for (const NamedPath& in : inputs)
        if (same_file(out.path, in.path))
          throw file_error(out.path, "is the same file as the input " + in.path + " (" + in.what +
                                         "); writing " + out.what + " there would destroy it. Choose another output path");
    for (const auto& [other, other_id] : seen)
      if (id == other_id)
        throw file_error(out.path, "is given for both " + other->what + " and " + out.what +
                                       "; each output needs its own path");
    seen.emplace_back(&out, id);
  }
}

bool file_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

std::string lowercase_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

}  // namespace shortrun
