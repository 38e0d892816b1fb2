// A run directory's layout as the explorer reads it: which run a path names (a run's own file
// stands for its run) and what each of its checkpoint files is, in words for the Training tab.
#pragma once
#include <string>

namespace shortrun::explorer {

// The run directory `path` names: a file stands for the run that holds it (metrics.jsonl,
// config.json; a checkpoint or sample grid for the run above checkpoints/ or samples/); a
// directory or a path that is not there is returned as given (minus trailing '/').
std::string run_dir_of(std::string path);

// What a checkpoint file of a run is, in a few words for its line in a list: "newest" for
// latest.safetensors, "backup: previous" for latest.1, ...; "" for a name the trainer
// does not write.
std::string checkpoint_note(const std::string& name);
// The same in a sentence or two, for its tooltip (what the rotation is and what uses the backups).
std::string checkpoint_explanation(const std::string& name);

}  // namespace shortrun::explorer
