// Small file helpers shared by the readers and writers: whole-file reads and safe writes.
#pragma once
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace shortrun {

// Whole file as bytes; throws "<path>: cannot open (...)" if unreadable.
std::vector<uint8_t> read_file_bytes(const std::string& path);

// Writes an output without ever replacing something that is not a file of ours:
//  - missing path or regular file: write(stream) goes to a new temp file next to the target
//    (O_EXCL), which is fsync'ed and renamed over it; an existing file keeps its mode and,
//    where permitted, its owner. On any failure the temp file is removed and the target is
//    untouched. A read-only existing file (no write bit in its mode, or not writable by us) is
//    refused, also for root.
//  - symlink: followed (any depth); its final target is replaced as above, the link stays.
//  - character device or FIFO (/dev/null, a named pipe): written straight to, never replaced;
//    a FIFO with no reader is refused at once (no blocking open), and a reader that quits
//    early (EPIPE, with SIGPIPE ignored) is a one-line error naming the path.
//  - "-": written straight to standard output (see reserve_stdout_for_output).
//  - directory, block device, socket: refused with one line.
void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& write);

// For a program whose output goes to "-": moves what would print on stdout (progress lines,
// library warnings) to stderr, and keeps the real stdout for the one "-" output. Call it
// before anything prints. Without it, "-" writes to file descriptor 1 as it is.
void reserve_stdout_for_output();

// True if both paths name one existing file: same device and inode, so symlinks (any depth)
// and hard links count as the file they reach.
bool same_file(const std::string& a, const std::string& b);

// A path and what it is to the command ("--out", "the model").
struct NamedPath {
  std::string what, path;
};
// Refuses, before any work, an output that is one of the command's inputs (same_file) or two
// outputs that are one file (existing or not, through links too): throws shortrun::Error naming
// the output, the input and both options. "-", empty paths, devices and FIFOs are skipped.
void check_outputs_apart(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs);

bool file_exists(const std::string& path);
std::string lowercase_extension(const std::string& path);  // ".png", ".safetensors", ...

}  // namespace shortrun
