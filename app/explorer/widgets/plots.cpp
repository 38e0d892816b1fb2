// plot_lines: axes, band, series, marker and hover read-out on ImGui's draw list.
#include "widgets/plots.h"

#include "widgets/layout_record.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace shortrun::explorer {

namespace {
float transform(float v, bool log_y) { return log_y ? std::log10(std::max(v, 1e-12f)) : v; }

std::string format_value(float v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), std::fabs(v) >= 1e4f || (std::fabs(v) < 1e-2f && v != 0) ? "%.3g" : "%.3f", v);
  return buf;
}
}  // namespace

std::vector<int> nice_ticks(int x_max, int max_ticks) {
  std::vector<int> ticks;
  if (x_max <= 0 || max_ticks < 2) return {0};
  long long step = 1;
  for (long long base = 1;; base *= 10) {
    for (long long m : {1, 2, 5}) {
      step = base * m;
      if (x_max / step + 1 <= max_ticks) goto found;
    }
  }
found:
  for (long long x = 0; x <= x_max; x += step) ticks.push_back(int(x));
  return ticks;
}

int plot_lines(const char* id, const PlotSpec& spec, const std::vector<PlotSeries>& series) {
  ImGui::PushID(id);
  ImVec2 size = spec.size;
  if (size.x <= 0) size.x = std::max(50.0f, ImGui::GetContentRegionAvail().x);
  if (!spec.title.empty()) {
    // A title wider than its plot wraps within the plot's width rather than run into its
    // neighbour or off the window (the GUI tests check it from the recorded width).
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + size.x);
    ImGui::TextUnformatted(spec.title.c_str());
    ImGui::PopTextWrapPos();
    record_layout("plot title: " + spec.title, size.x);
  }
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("plot", size);
  const bool hovered = ImGui::IsItemHovered();
  const bool active = ImGui::IsItemActive();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float label_w = ImGui::CalcTextSize("-0.000e+00").x * 0.8f;
  const float tick_h = ImGui::GetTextLineHeight() + 3;  // x tick labels under the frame
  const ImVec2 a(p0.x + label_w, p0.y + 2), b(p0.x + size.x - 4, p0.y + size.y - 2 - tick_h);
  dl->AddRectFilled(a, b, IM_COL32(25, 27, 32, 255));
  dl->AddRect(a, b, IM_COL32(80, 80, 90, 255));

  // y range over all finite values (and the band).
  float lo = INFINITY, hi = -INFINITY;
  for (const PlotSeries& s : series)
    for (const std::vector<float>* values : {&s.y, &s.band_lo, &s.band_hi})
      for (float v : *values)
        if (std::isfinite(v)) {
          lo = std::min(lo, transform(v, spec.log_y));
          hi = std::max(hi, transform(v, spec.log_y));
        }
  if (spec.band.show) {
    lo = std::min(lo, transform(spec.band.lo, spec.log_y));
    hi = std::max(hi, transform(spec.band.hi, spec.log_y));
  }
  const int n = std::max(spec.x_count, 2);
  int picked = -1;
  const auto X0 = [&](float i) { return a.x + (b.x - a.x) * i / float(n - 1); };
  // x ticks with step numbers, about one per 70 px.
  const int x_max = n - 1;
  const int scale = std::max(1, spec.x_scale);
  std::vector<int> ticks = nice_ticks(x_max * scale, std::max(2, int((b.x - a.x) / 70.0f)));
  for (int t : ticks) {
    const float x = X0(float(t) / float(scale));
    dl->AddLine(ImVec2(x, b.y), ImVec2(x, b.y + 3), IM_COL32(130, 130, 140, 255));
    const std::string label = std::to_string(t);
    const float w = ImGui::CalcTextSize(label.c_str()).x;
    dl->AddText(ImVec2(std::clamp(x - w / 2, a.x, b.x - w), b.y + 3), IM_COL32(150, 150, 150, 255), label.c_str());
  }
  if (!spec.x_label.empty()) {
    const float w = ImGui::CalcTextSize(spec.x_label.c_str()).x;
    dl->AddText(ImVec2(a.x - w - 4, b.y + 3), IM_COL32(120, 120, 130, 255), spec.x_label.c_str());
  }
  // Red lines: at most one per pixel column (markers closer than a pixel look the same).
  float last_x = -1e30f;
  const auto alert = [&](int ax) {
    if (ax < 0 || ax >= n) return;
    const float x = X0(float(ax));
    if (std::abs(x - last_x) < 1.0f) return;
    last_x = x;
    dl->AddLine(ImVec2(x, a.y), ImVec2(x, b.y), IM_COL32(255, 70, 60, 200), 1.5f);
  };
  for (int ax : spec.alerts) alert(ax);
  alert(spec.alert_x);
  const ImU32 red = IM_COL32(255, 110, 100, 255);
  if (!(lo <= hi)) {
    dl->AddText(ImVec2(a.x + 6, a.y + 4), spec.note.empty() ? IM_COL32(150, 150, 150, 255) : red,
                spec.note.empty() ? "no data yet" : ("no finite values: " + spec.note).c_str());
  } else {
    if (hi - lo < 1e-6f) {
      lo -= 0.5f;
      hi += 0.5f;
    }
    const float pad = (hi - lo) * 0.06f;
    lo -= pad;
    hi += pad;
    const auto X = [&](float i) { return a.x + (b.x - a.x) * i / float(n - 1); };
    const auto Y = [&](float v) { return b.y - (b.y - a.y) * (transform(v, spec.log_y) - lo) / (hi - lo); };
    dl->PushClipRect(a, b, true);
    if (spec.band.show) {
      dl->AddRectFilled(ImVec2(a.x, Y(spec.band.hi)), ImVec2(b.x, Y(spec.band.lo)), spec.band.color);
      dl->AddLine(ImVec2(a.x, Y(spec.band.mid)), ImVec2(b.x, Y(spec.band.mid)), (spec.band.color | IM_COL32_A_MASK) & 0x80FFFFFF, 1.0f);
    }
    // Per-x ranges first, under every line: one faint quad between neighbouring x with both ends known.
    for (const PlotSeries& s : series) {
      const size_t m = std::min(s.band_lo.size(), s.band_hi.size());
      const ImU32 fill = (s.color & ~IM_COL32_A_MASK) | IM_COL32(0, 0, 0, 55);
      for (size_t i = 0; i + 1 < m; ++i) {
        const float l0 = s.band_lo[i], h0 = s.band_hi[i], l1 = s.band_lo[i + 1], h1 = s.band_hi[i + 1];
        if (!std::isfinite(l0) || !std::isfinite(h0) || !std::isfinite(l1) || !std::isfinite(h1)) continue;
        dl->AddQuadFilled(ImVec2(X(float(i)), Y(h0)), ImVec2(X(float(i + 1)), Y(h1)), ImVec2(X(float(i + 1)), Y(l1)),
                          ImVec2(X(float(i)), Y(l0)), fill);
      }
      for (size_t i = 0; i < m; ++i)  // a lone range (one long-run check so far) is a short bar
        if (std::isfinite(s.band_lo[i]) && std::isfinite(s.band_hi[i]) && (i == 0 || !std::isfinite(s.band_lo[i - 1])) &&
            (i + 1 == m || !std::isfinite(s.band_lo[i + 1])))
          dl->AddLine(ImVec2(X(float(i)), Y(s.band_lo[i])), ImVec2(X(float(i)), Y(s.band_hi[i])), fill | IM_COL32_A_MASK, 3.0f);
    }
    for (const PlotSeries& s : series) {
      std::vector<ImVec2> pts;
      for (size_t i = 0; i <= s.y.size(); ++i) {
        if (i == s.y.size() || !std::isfinite(s.y[i])) {
          if (pts.size() == 1) dl->AddCircleFilled(pts[0], std::max(1.5f, s.thickness), s.color);  // a lone finite value
          if (pts.size() >= 2) {
            const ImDrawListFlags flags = dl->Flags;
            if (s.crisp) dl->Flags &= ~(ImDrawListFlags_AntiAliasedLines | ImDrawListFlags_AntiAliasedLinesUseTex);
            dl->AddPolyline(pts.data(), int(pts.size()), s.color, 0, s.thickness);
            dl->Flags = flags;
          }
          pts.clear();
          continue;
        }
        pts.emplace_back(X(float(i)), Y(s.y[i]));
      }
    }
    if (spec.marker >= 0)
      dl->AddLine(ImVec2(X(float(spec.marker)), a.y), ImVec2(X(float(spec.marker)), b.y), IM_COL32(255, 210, 60, 220), 1.5f);
    dl->PopClipRect();
    if (!spec.note.empty()) dl->AddText(ImVec2(a.x + 6, a.y + 2), red, spec.note.c_str());
    // Axis labels: top and bottom of the range.
    const float top = spec.log_y ? std::pow(10.0f, hi) : hi, bottom = spec.log_y ? std::pow(10.0f, lo) : lo;
    dl->AddText(ImVec2(p0.x, a.y), IM_COL32(160, 160, 160, 255), format_value(top).c_str());
    dl->AddText(ImVec2(p0.x, b.y - ImGui::GetTextLineHeight()), IM_COL32(160, 160, 160, 255), format_value(bottom).c_str());
    if (hovered || active) {
      const float mx = ImGui::GetIO().MousePos.x;
      const int i = std::clamp(int(std::lround((mx - a.x) / (b.x - a.x) * float(n - 1))), 0, n - 1);
      if (hovered) {
        dl->AddLine(ImVec2(X(float(i)), a.y), ImVec2(X(float(i)), b.y), IM_COL32(255, 255, 255, 60));
        ImGui::BeginTooltip();
        ImGui::Text("%s %d", spec.x_label.empty() ? "x =" : spec.x_label.c_str(), i * scale);
        for (const PlotSeries& s : series)
          if (!s.name.empty() && i < int(s.y.size())) {
            if (i < int(std::min(s.band_lo.size(), s.band_hi.size())) && std::isfinite(s.band_lo[i]))
              ImGui::Text("%s: %s (%s .. %s)", s.name.c_str(), format_value(s.y[i]).c_str(), format_value(s.band_lo[i]).c_str(),
                          format_value(s.band_hi[i]).c_str());
            else
              ImGui::Text("%s: %s", s.name.c_str(), format_value(s.y[i]).c_str());
          }
        if (spec.band.show && !spec.band.name.empty())
          ImGui::Text("%s: %s .. %s", spec.band.name.c_str(), format_value(spec.band.lo).c_str(), format_value(spec.band.hi).c_str());
        ImGui::EndTooltip();
      }
      if (active) picked = i;
    }
  }
  ImGui::PopID();
  return picked;
}

}  // namespace shortrun::explorer
