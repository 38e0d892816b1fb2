// The Reconstruct panel's inputs: an image loaded onto the canvas (with what was done to fit it),
// mask presets, what a model switch keeps, and the path fields' checks that a model is not
// opened as an image or an image as a model.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "snapshots.h"

namespace shortrun::explorer {

class Explorer;

// A loaded image onto the canvas: resets the mask and hides the result of the old image
// (reconstruction, error, MSE curve), cancelling a reconstruction still running on it.
void apply_loaded_image(Explorer& ex, const LoadedImage& image);
// A new model: keeps the canvas, its mask and the image path when the shape is the same;
// otherwise a fresh canvas, and the image (if any) is read again for the new shape.
void adopt_model_for_canvas(Explorer& ex, const ModelInfo& model);
// center | left | random:P onto the canvas's mask (undoable); P from recon.mask_p for "random".
void apply_mask_preset(Explorer& ex, const std::string& preset);
// The Load button / Enter of the model path field: an image there is an error for that field.
void load_model_field(Explorer& ex);
// The Open button / Enter of the image path field: a checkpoint there is an error for that field.
void load_image_field(Explorer& ex);
// The reconstruction shown (nullptr if none, or if it belongs to an image since replaced).
const ReconRun* shown_reconstruction(const Explorer& ex);
// Inputs for the state dump: image note, mask rows, the sampler settings a run would use.
nlohmann::json recon_inputs_state(const Explorer& ex);

}  // namespace shortrun::explorer
