// write_file_atomic: what it replaces (regular files, keeping mode and owner), what it writes
// straight to (devices, FIFOs) and what it refuses (directories, read-only files, a FIFO with no
// reader); same_file and check_outputs_apart (an output that is an input).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "shortrun/io/file_util.h"
#include "test_util.h"

namespace shortrun {
namespace {
namespace fs = std::filesystem;
using test::expect_error;

void write_text(const std::string& path, const std::string& text) {
  write_file_atomic(path, [&](std::ostream& out) { out << text; });
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct stat lstat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st;
}

// Names in dir other than the given ones (left-over temp files).
std::vector<std::string> others_in(const std::string& dir, std::initializer_list<std::string> expected) {
  std::vector<std::string> extra;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (std::find(expected.begin(), expected.end(), name) == expected.end()) extra.push_back(name);
  }
  return extra;
}

TEST(WriteFile, CreatesAndReplacesRegularFilesLeavingNoTempFile) {
  const std::string dir = test::temp_dir("w"), p = dir + "/out.txt";
  write_text(p, "first");
  EXPECT_EQ(read_text(p), "first");
  write_text(p, "second, longer");
  EXPECT_EQ(read_text(p), "second, longer");
  EXPECT_TRUE(S_ISREG(lstat_of(p).st_mode));
  EXPECT_EQ(others_in(dir, {"out.txt"}), std::vector<std::string>{});
}

TEST(WriteFile, KeepsTheModeOfAnExistingFile) {
  const std::string dir = test::temp_dir("w"), p = dir + "/secret.txt";
  write_text(p, "a");
  ASSERT_EQ(::chmod(p.c_str(), 0600), 0);
  write_text(p, "b");
  EXPECT_EQ(lstat_of(p).st_mode & 07777, 0600u);
  ASSERT_EQ(::chmod(p.c_str(), 0640), 0);
  write_text(p, "c");
  EXPECT_EQ(lstat_of(p).st_mode & 07777, 0640u);
  EXPECT_EQ(read_text(p), "c");
}

TEST(WriteFile, KeepsTheOwnerOfAnExistingFileWhenRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "changing a file's owner needs root";
  const std::string p = test::temp_dir("w") + "/theirs.txt";
  write_text(p, "a");
  ASSERT_EQ(::chown(p.c_str(), 4321, 4322), 0);
  write_text(p, "b");
  EXPECT_EQ(lstat_of(p).st_uid, 4321u);
  EXPECT_EQ(lstat_of(p).st_gid, 4322u);
}

TEST(WriteFile, FailureLeavesTheTargetAndNoTempFile) {
  const std::string dir = test::temp_dir("w"), p = dir + "/keep.txt";
  write_text(p, "original");
  EXPECT_THROW(write_file_atomic(p, [](std::ostream& out) {
                 out << "partial";
                 throw Error("encoder failed");
               }),
               Error);
  EXPECT_EQ(read_text(p), "original");
  EXPECT_EQ(others_in(dir, {"keep.txt"}), std::vector<std::string>{});
}

TEST(WriteFile, SymlinkIsWrittenThroughToItsTarget) {
  const std::string dir = test::temp_dir("w");
  fs::create_directories(dir + "/real");
  write_text(dir + "/real/target.txt", "old");
  ASSERT_EQ(::chmod((dir + "/real/target.txt").c_str(), 0600), 0);
  fs::create_symlink("real/target.txt", dir + "/link1");  // relative, and a chain of two
  fs::create_symlink(dir + "/link1", dir + "/link2");
  write_text(dir + "/link2", "new");
  EXPECT_TRUE(S_ISLNK(lstat_of(dir + "/link1").st_mode));
  EXPECT_TRUE(S_ISLNK(lstat_of(dir + "/link2").st_mode));
  EXPECT_EQ(fs::read_symlink(dir + "/link1"), fs::path("real/target.txt"));
  EXPECT_EQ(read_text(dir + "/real/target.txt"), "new");
  EXPECT_EQ(lstat_of(dir + "/real/target.txt").st_mode & 07777, 0600u);
  EXPECT_EQ(others_in(dir + "/real", {"target.txt"}), std::vector<std::string>{});

  // A dangling link creates the file it names.
  fs::create_symlink("real/new.txt", dir + "/dangling");
  write_text(dir + "/dangling", "created");
  EXPECT_TRUE(S_ISLNK(lstat_of(dir + "/dangling").st_mode));
  EXPECT_EQ(read_text(dir + "/real/new.txt"), "created");
}

TEST(WriteFile, SymlinkLoopIsOneLineError) {
  const std::string dir = test::temp_dir("w");
  fs::create_symlink("b", dir + "/a");
  fs::create_symlink("a", dir + "/b");
  expect_error([&] { write_text(dir + "/a", "x"); }, {"/a", "too many levels of symbolic links"});
}

TEST(WriteFile, DirectoryIsRefused) {
  const std::string dir = test::temp_dir("w");
  fs::create_directories(dir + "/sub");
  expect_error([&] { write_text(dir + "/sub", "x"); }, {"/sub", "is a directory"});
  EXPECT_TRUE(fs::is_directory(dir + "/sub"));
  EXPECT_TRUE(fs::is_empty(dir + "/sub"));
  expect_error([&] { write_text(dir + "/missing/x.txt", "x"); }, {"missing/x.txt", "No such file or directory"});
}

TEST(WriteFile, ReadOnlyFileIsRefusedAlsoForRoot) {
  // The mode bits decide: root passes access(W_OK) for any file and used to replace this one.
  const std::string dir = test::temp_dir("w"), p = dir + "/ro.txt";
  write_text(p, "keep");
  ASSERT_EQ(::chmod(p.c_str(), 0444), 0);
  expect_error([&] { write_text(p, "x"); }, {"ro.txt", "read-only", "0444"});
  EXPECT_EQ(read_text(p), "keep");
  EXPECT_EQ(lstat_of(p).st_mode & 0777, 0444u);
  EXPECT_EQ(others_in(dir, {"ro.txt"}), std::vector<std::string>{});
  // Writable by its group only: not ours to write unless root (access() decides the rest).
  ASSERT_EQ(::chmod(p.c_str(), 0464), 0);
  if (::geteuid() == 0) {
    write_text(p, "root may");
    EXPECT_EQ(read_text(p), "root may");
  } else if (::getegid() != lstat_of(p).st_gid) {
    expect_error([&] { write_text(p, "x"); }, {"ro.txt", "not writable"});
  }
}

TEST(WriteFile, FifoWithoutAReaderFailsAtOnce) {
  const std::string dir = test::temp_dir("w"), p = dir + "/pipe";
  ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
  const auto t0 = std::chrono::steady_clock::now();
  expect_error([&] { write_text(p, "nobody reads this"); }, {"/pipe", "no reader"});
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_TRUE(S_ISFIFO(lstat_of(p).st_mode));
}

TEST(WriteFile, AReaderThatQuitsEarlyIsABrokenPipeError) {
  // The CLI ignores SIGPIPE; here too, for this test only, so that the write sees EPIPE.
  struct sigaction ignore {}, old {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &old), 0);
  const std::string dir = test::temp_dir("w"), p = dir + "/pipe";
  ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
  std::thread reader([&] {
    const int fd = ::open(p.c_str(), O_RDONLY);
    char buf[10];
    (void)!::read(fd, buf, sizeof buf);
    ::close(fd);
  });
  // The writer opens only once the reader has (a FIFO with no reader is refused): wait for it.
  std::string error;
  for (int attempt = 0; attempt < 500; ++attempt) {
    try {
      write_text(p, std::string(1 << 22, 'z'));  // far more than a pipe holds
      error = "(no error)";
      break;
    } catch (const Error& e) {
      error = e.what();
      if (error.find("no reader") == std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  reader.join();
  ::sigaction(SIGPIPE, &old, nullptr);
  EXPECT_NE(error.find("/pipe"), std::string::npos) << error;
  EXPECT_NE(error.find("reader closed the pipe"), std::string::npos) << error;
}

TEST(SameFile, LinksAndHardLinksAreTheFileTheyReach) {
  const std::string dir = test::temp_dir("same"), a = dir + "/a.bin";
  write_text(a, "model");
  ASSERT_EQ(::symlink(a.c_str(), (dir + "/soft").c_str()), 0);
  ASSERT_EQ(::link(a.c_str(), (dir + "/hard").c_str()), 0);
  write_text(dir + "/copy", "model");
  EXPECT_TRUE(same_file(a, dir + "/soft"));
  EXPECT_TRUE(same_file(dir + "/hard", dir + "/soft"));
  EXPECT_TRUE(same_file(a, dir + "/./a.bin"));
  EXPECT_FALSE(same_file(a, dir + "/copy"));
  EXPECT_FALSE(same_file(a, dir + "/missing"));
  expect_error([&] { check_outputs_apart({{"--out", dir + "/hard"}}, {{"--model", a}}); }, {"/hard", "--model", "a.bin", "same file"});
  expect_error([&] { check_outputs_apart({{"--out", dir + "/new.png"}, {"--json", dir + "/./new.png"}}, {}); },
               {"new.png", "--out", "--json"});
  check_outputs_apart({{"--out", dir + "/copy"}, {"--npy", "-"}, {"--json", ""}}, {{"--model", a}, {"--init", ""}});
  EXPECT_EQ(read_text(a), "model");
}

// A copy of a character device (same major/minor) in a temp directory; empty if not permitted.
std::string make_char_device(const std::string& dir, const std::string& name, unsigned major_, unsigned minor_) {
  const std::string p = dir + "/" + name;
  if (::mknod(p.c_str(), S_IFCHR | 0666, makedev(major_, minor_)) != 0) return "";
  return p;
}

TEST(WriteFile, CharacterDeviceIsWrittenToNotReplaced) {
  const std::string dir = test::temp_dir("w");
  const std::string null_dev = make_char_device(dir, "null", 1, 3), full_dev = make_char_device(dir, "full", 1, 7);
  if (null_dev.empty() || full_dev.empty()) GTEST_SKIP() << "mknod not permitted here (needs root / CAP_MKNOD)";
  write_text(null_dev, "discarded");
  const struct stat n = lstat_of(null_dev);
  EXPECT_TRUE(S_ISCHR(n.st_mode));
  EXPECT_EQ(n.st_rdev, makedev(1, 3));
  // /dev/full: every write fails with ENOSPC; the error names the path and the device stays.
  expect_error([&] { write_text(full_dev, std::string(100000, 'x')); }, {"/full", "write failed", "No space left"});
  const struct stat f = lstat_of(full_dev);
  EXPECT_TRUE(S_ISCHR(f.st_mode));
  EXPECT_EQ(f.st_rdev, makedev(1, 7));
  EXPECT_EQ(others_in(dir, {"null", "full"}), std::vector<std::string>{});
}

TEST(WriteFile, FifoIsWrittenToByStreaming) {
  const std::string dir = test::temp_dir("w"), p = dir + "/pipe";
  ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
  const std::string payload(300000, 'z');  // larger than a pipe buffer: needs the reader
  std::string got;
  std::thread reader([&] { got = read_text(p); });
  // A FIFO is written once its reader has opened it (without one it is refused at once).
  std::string error;
  for (int attempt = 0; attempt < 500; ++attempt) {
    try {
      write_text(p, payload);
      error.clear();
      break;
    } catch (const Error& e) {
      error = e.what();
      if (error.find("no reader") == std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  if (!error.empty()) ::close(::open(p.c_str(), O_WRONLY | O_NONBLOCK));  // let the reader finish
  reader.join();
  EXPECT_EQ(error, "");
  EXPECT_EQ(got, payload);
  EXPECT_TRUE(S_ISFIFO(lstat_of(p).st_mode));
}

}  // namespace
}  // namespace shortrun
