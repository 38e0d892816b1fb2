// histogram_plot: common range over every value and marker, bars per series, markers on top.
#include "widgets/histogram_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace shortrun::explorer {

int histogram_plot(const char* id, ImVec2 size, const std::vector<HistSeries>& series, const std::vector<HistMarker>& markers,
                   int bins, const char* x_label) {
  ImGui::PushID(id);
  if (size.x <= 0) size.x = ImGui::GetContentRegionAvail().x;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("hist", size);
  const bool hovered = ImGui::IsItemHovered();
  const bool clicked = ImGui::IsItemClicked();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float text_h = ImGui::GetTextLineHeight();
  // Plot area: a line of marker labels on top, tick labels and the axis name under it.
  const ImVec2 a(p0.x + 4, p0.y + text_h + 2), b(p0.x + size.x - 4, p0.y + size.y - text_h - 4);
  dl->AddRectFilled(p0, ImVec2(p0.x + size.x, p0.y + size.y), IM_COL32(25, 25, 28, 255));
  float lo = INFINITY, hi = -INFINITY;
  for (const auto& s : series)
    for (float v : s.values)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  for (const auto& m : markers)
    if (std::isfinite(m.x)) lo = std::min(lo, m.x), hi = std::max(hi, m.x);
  int picked = -1;
  if (!(lo < hi)) {
    if (lo == hi) lo -= 1, hi += 1;
    else {
      dl->AddText(ImVec2(a.x + 4, a.y + 4), IM_COL32(150, 150, 150, 255), "no values yet");
      ImGui::PopID();
      return -1;
    }
  }
  const float span = hi - lo;
  lo -= 0.04f * span;
  hi += 0.04f * span;
  const auto to_x = [&](float v) { return a.x + (v - lo) / (hi - lo) * (b.x - a.x); };
  const float bin_w = (hi - lo) / float(bins);
  for (const auto& s : series) {
    std::vector<int> counts(size_t(bins), 0);
    for (float v : s.values)
      if (std::isfinite(v)) ++counts[size_t(std::clamp(int((v - lo) / bin_w), 0, bins - 1))];
    const int peak = std::max(1, *std::max_element(counts.begin(), counts.end()));
    for (int i = 0; i < bins; ++i) {
      if (!counts[size_t(i)]) continue;
      const float h = (b.y - a.y) * float(counts[size_t(i)]) / float(peak);
      dl->AddRectFilled(ImVec2(to_x(lo + i * bin_w) + 0.5f, b.y - h), ImVec2(to_x(lo + (i + 1) * bin_w) - 0.5f, b.y), s.color);
    }
  }
  dl->AddLine(ImVec2(a.x, b.y), ImVec2(b.x, b.y), IM_COL32(140, 140, 140, 255));
  // Ticks: the ends and three between; a label that would run into the previous one is left out.
  float label_end = -INFINITY;
  for (int t = 0; t <= 4; ++t) {
    const float v = lo + (hi - lo) * float(t) / 4.0f, x = to_x(v);
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.3g", v);
    const float w = ImGui::CalcTextSize(buf).x;
    dl->AddLine(ImVec2(x, b.y), ImVec2(x, b.y + 3), IM_COL32(140, 140, 140, 255));
    const float lx = std::clamp(x - w / 2, a.x, b.x - w);
    if (lx < label_end + 6) continue;
    dl->AddText(ImVec2(lx, b.y + 3), IM_COL32(170, 170, 170, 255), buf);
    label_end = lx + w;
  }
  // Legend, top left, on a dark box so bars under it stay readable around it.
  float legend_w = ImGui::CalcTextSize(x_label).x;
  int legend_lines = 1;
  for (const auto& s : series)
    if (!s.name.empty()) legend_w = std::max(legend_w, 14 + ImGui::CalcTextSize(s.name.c_str()).x), ++legend_lines;
  dl->AddRectFilled(ImVec2(a.x + 1, a.y + 1), ImVec2(a.x + legend_w + 12, a.y + 4 + legend_lines * text_h), IM_COL32(25, 25, 28, 200));
  float ly = a.y + 2;
  for (const auto& s : series) {
    if (s.name.empty()) continue;
    dl->AddRectFilled(ImVec2(a.x + 4, ly + 3), ImVec2(a.x + 14, ly + text_h - 3), s.color | IM_COL32(0, 0, 0, 255));
    dl->AddText(ImVec2(a.x + 18, ly), IM_COL32(210, 210, 210, 255), s.name.c_str());
    ly += text_h;
  }
  dl->AddText(ImVec2(a.x + 4, ly), IM_COL32(150, 150, 150, 255), x_label);  // the axis, under the legend
  // Markers: lines with their labels along the top, nudged apart when they would overlap.
  float last_label_end = -INFINITY;
  std::vector<size_t> order(markers.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t i, size_t j) { return markers[i].x < markers[j].x; });
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  float best = 6.0f;
  for (size_t i : order) {
    const HistMarker& m = markers[i];
    if (!std::isfinite(m.x)) continue;
    const float x = to_x(m.x);
    dl->AddLine(ImVec2(x, a.y), ImVec2(x, b.y), m.color, m.highlight ? 3.0f : 1.5f);
    const float w = ImGui::CalcTextSize(m.label.c_str()).x;
    const float lx = std::max(x - w / 2, last_label_end + 2);
    dl->AddText(ImVec2(lx, p0.y + 1), m.color, m.label.c_str());
    last_label_end = lx + w;
    if (hovered && std::fabs(mouse.x - x) < best) best = std::fabs(mouse.x - x), picked = int(i);
  }
  if (hovered) {
    const float v = lo + (mouse.x - a.x) / (b.x - a.x) * (hi - lo);
    if (picked >= 0) ImGui::SetTooltip("%s: f = %.4g (click to select)", markers[size_t(picked)].label.c_str(), markers[size_t(picked)].x);
    else ImGui::SetTooltip("f = %.4g", v);
  }
  ImGui::PopID();
  return clicked ? picked : -1;
}

}  // namespace shortrun::explorer
