// The Reconstruct canvas: strokes cover what they should, masks, undo, clear, bounds.
#include <gtest/gtest.h>

#include "widgets/canvas.h"

namespace shortrun::explorer {
namespace {

TEST(Canvas, StrokeCoversTheSegmentAndNothingFar) {
  Canvas c;
  c.reset(32, 32, 1);
  Brush b;
  b.radius = 1.5f;
  b.value = 1.0f;
  c.begin_stroke();
  c.stroke_to(4.5f, 16.5f, b);
  c.stroke_to(27.5f, 16.5f, b);  // a fast horizontal drag: must stay continuous
  c.end_stroke();
  for (int x = 4; x <= 27; ++x) EXPECT_EQ(c.pixels()[16 * 32 + x], 1.0f) << "gap at x=" << x;
  EXPECT_EQ(c.pixels()[0], -1.0f);
  EXPECT_EQ(c.pixels()[16 * 32 + 31], -1.0f);
  EXPECT_EQ(c.pixels()[10 * 32 + 16], -1.0f);
  EXPECT_FLOAT_EQ(c.observed_fraction(), 1.0f);
}

TEST(Canvas, MaskStrokesHidePixelsAndEraserRestores) {
  Canvas c;
  c.reset(16, 16, 3);
  Brush b;
  b.mask = true;
  b.radius = 3;
  c.stroke_to(8, 8, b);
  c.end_stroke();
  EXPECT_EQ(c.mask()[8 * 16 + 8], 0.0f);
  EXPECT_LT(c.observed_fraction(), 1.0f);
  for (float v : c.pixels()) EXPECT_EQ(v, -1.0f);  // the image is untouched
  b.erase = true;
  c.stroke_to(8, 8, b);
  c.end_stroke();
  EXPECT_FLOAT_EQ(c.observed_fraction(), 1.0f);
}

TEST(Canvas, UndoRestoresEachStrokeClearAndLoad) {
  Canvas c;
  c.reset(8, 8, 1);
  const std::vector<float> blank = c.pixels();
  Brush b;
  b.value = 0.5f;
  c.stroke_to(2, 2, b);
  c.end_stroke();
  const std::vector<float> one = c.pixels();
  EXPECT_NE(one, blank);
  c.clear();
  EXPECT_EQ(c.pixels(), blank);
  std::vector<float> img(64, 0.25f);
  c.load(img);
  EXPECT_EQ(c.pixels(), img);
  ASSERT_TRUE(c.undo());
  EXPECT_EQ(c.pixels(), blank);
  ASSERT_TRUE(c.undo());
  EXPECT_EQ(c.pixels(), one);
  ASSERT_TRUE(c.undo());
  EXPECT_EQ(c.pixels(), blank);
  EXPECT_FALSE(c.undo());
  c.load(std::vector<float>(3, 0.0f));  // wrong size: ignored, no crash
  EXPECT_EQ(c.pixels(), blank);
}

TEST(Canvas, StrokesOffTheEdgeAreClippedAndValuesClamped) {
  Canvas c;
  c.reset(8, 8, 1);
  Brush b;
  b.radius = 4;
  b.value = 7.0f;
  c.stroke_to(-20, -20, b);
  c.stroke_to(30, 30, b);
  c.end_stroke();
  for (float v : c.pixels()) EXPECT_LE(v, 1.0f);
  EXPECT_EQ(c.pixels()[4 * 8 + 4], 1.0f);
  for (int i = 0; i < 100; ++i) {
    c.stroke_to(1, 1, b);
    c.end_stroke();
  }
  EXPECT_EQ(c.undo_depth(), Canvas::kUndoDepth);
}

}  // namespace
}  // namespace shortrun::explorer
