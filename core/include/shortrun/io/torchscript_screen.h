// Screens a TorchScript archive (torch.jit.save) with our own bounded readers before LibTorch's
// loader reads it: LibTorch's unpickler and script parser trust the file (an empty stack, a
// million nested tuples, deeply nested code or a weight record cut short crash it or read
// the heap), so nothing reaches them that they could not take.
#pragma once
#include <string>

#include "shortrun/io/zip_reader.h"

namespace shortrun {

// What the screen accepts (fixed, not limits a user raises: past them LibTorch's recursive
// readers run out of stack).
constexpr int kMaxPickleNesting = 200;      // containers inside containers, in any pickle
constexpr int kMaxCodeNesting = 32;         // brackets, and indented blocks, in the module's code
constexpr int kMaxCodeChain = 256;          // operators (and . calls, subscripts) in one statement
constexpr int64_t kMaxCodeBytes = 16 << 20; // all code/*.py records together
constexpr size_t kMaxTypeTagChars = 512;    // the type strings of typed lists and dicts

// Throws file_error(path, ...) naming the first problem: a pickle (data.pkl, constants.pkl,
// debug records) that underflows its stack or marks, nests deeper than kMaxPickleNesting,
// changes a container after placing it, calls a global outside TorchScript's own, or builds a
// tensor whose storage record is missing, sized differently from its declaration, or smaller
// than the view; code past the bounds above; tensors whose views add up past kMaxDecodedBytes.
// Unless trust_code, also refuses what would run the file's own code while loading
// (__setstate__, custom C++ classes).
void screen_torchscript_archive(const ZipReader& zip, bool trust_code);

}  // namespace shortrun
