// Disabled controls that say why: the explorer's one way to grey out a control. A scope disables
// what is drawn inside it when `disabled` and keeps the reason, which tip() appends to each
// control's tooltip there ("Disabled: ...", shown on hover) and the state dump lists beside the
// control (layout[].why), so a test can find any disabled control that does not say why.
#pragma once
#include <string>

namespace shortrun::explorer {

class DisabledWhy {
 public:
  DisabledWhy(bool disabled, std::string why);
  ~DisabledWhy();
  DisabledWhy(const DisabledWhy&) = delete;
  DisabledWhy& operator=(const DisabledWhy&) = delete;
};

// The innermost disabling scope's reason ("" when nothing drawn now is disabled by one).
const std::string& disabled_reason();

}  // namespace shortrun::explorer
