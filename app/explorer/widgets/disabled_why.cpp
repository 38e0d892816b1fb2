// The reasons of the disabling scopes being drawn (see disabled_why.h); UI thread only.
#include "widgets/disabled_why.h"

#include <vector>

#include <imgui.h>

namespace shortrun::explorer {

namespace {
std::vector<std::string> g_reasons;  // one per open scope; "" for a scope that does not disable
}

DisabledWhy::DisabledWhy(bool disabled, std::string why) {
  ImGui::BeginDisabled(disabled);
  // Inside a disabling scope, an enabled inner one keeps the outer reason.
  if (!disabled) why = g_reasons.empty() ? std::string() : g_reasons.back();
  g_reasons.push_back(std::move(why));
}

DisabledWhy::~DisabledWhy() {
  g_reasons.pop_back();
  ImGui::EndDisabled();
}

const std::string& disabled_reason() {
  static const std::string none;
  return g_reasons.empty() ? none : g_reasons.back();
}

}  // namespace shortrun::explorer
