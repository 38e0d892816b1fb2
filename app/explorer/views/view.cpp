// ViewContext's own helpers (view.h).
#include "views/view.h"

#include "display/image_export.h"

namespace shortrun::explorer {

std::string ViewContext::folder_for(const std::string& own) const {
  return own.empty() ? export_folder : absolute_folder(own);
}

}  // namespace shortrun::explorer
