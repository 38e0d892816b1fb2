// The ranks of a job must run the same settings: rank 0's are broadcast and every rank compares.
#pragma once
#include <string>

#include "shortrun/distributed/process_group.h"

namespace shortrun {

// `settings` is this rank's JSON text (an object). If any rank's differs from rank 0's, every
// rank throws one Error line: the differing rank names the first differing field and both values,
// the others name the lowest differing rank.
void check_same_settings(DistGroup& group, const std::string& settings);

}  // namespace shortrun
