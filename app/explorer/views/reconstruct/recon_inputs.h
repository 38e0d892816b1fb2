// The Reconstruct tab's inputs: an image loaded onto the canvas (with what was done to fit it),
// mask presets, what a model switch keeps, and the image path field's check that a model is not
// opened as an image.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "views/reconstruct/recon_ui.h"
#include "views/view.h"

namespace shortrun::explorer {

// A loaded image onto the canvas: resets the mask and hides the result of the old image
// (reconstruction, error, MSE curve), cancelling a reconstruction still running on it.
void apply_loaded_image(ViewContext& ctx, ReconTab& t, const LoadedImage& image);
// A new model: keeps the canvas, its mask and the image path when the shape is the same;
// otherwise a fresh canvas, and the image (if any) is read again for the new shape.
void adopt_model_for_canvas(ViewContext& ctx, ReconTab& t, const ModelInfo& model);
// center | left | random:P onto the canvas's mask (undoable); P from mask_p for "random".
void apply_mask_preset(ViewContext& ctx, ReconTab& t, const std::string& preset);
// The Open button / Enter of the image path field: a checkpoint there is an error for that field.
void load_image_field(ViewContext& ctx, ReconTab& t);
// The reconstruction shown (nullptr if none, or if it belongs to an image since replaced).
const ReconRun* shown_reconstruction(const ReconRun* published, const ReconUi& ui);
// Inputs for the state dump: image note, mask rows, the sampler settings a run would use.
nlohmann::json recon_inputs_state(const ReconTab& t, const ReconRun* published, const SamplerSettings& sampler);

}  // namespace shortrun::explorer
