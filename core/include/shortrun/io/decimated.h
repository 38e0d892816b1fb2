// A sequence kept to at most 2 * cap items however many are pushed: every stride-th item is
// kept and, when the kept items reach 2 * cap, every second one is dropped and the stride
// doubles. The newest item is always the last one (kept provisionally until the next push), so
// a live curve shows where it is now. For followers of files that grow without bound.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace shortrun {

template <typename T>
class Decimated {
 public:
  explicit Decimated(size_t cap = 2048) : cap_(cap < 1 ? 1 : cap) {}

  void push(T item) {
    const int64_t i = seen_++;
    if (provisional_) items_.pop_back();
    provisional_ = i % stride_ != 0;
    items_.push_back(std::move(item));
    if (!provisional_ && items_.size() >= 2 * cap_) {
      // Item j was pushed as number j * stride: the even ones stay on the doubled stride, the
      // newest (odd: 2 * cap - 1) stays as the provisional last.
      const size_t last = items_.size() - 1;
      size_t kept = 0;
      for (size_t j = 0; j < last; j += 2) items_[kept++] = std::move(items_[j]);
      items_[kept++] = std::move(items_[last]);
      items_.resize(kept);
      stride_ *= 2;
      provisional_ = true;
    }
  }
  void clear() {
    items_.clear();
    seen_ = 0;
    stride_ = 1;
    provisional_ = false;
  }

  const std::vector<T>& items() const { return items_; }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const T& back() const { return items_.back(); }
  int64_t pushed() const { return seen_; }    // all items ever pushed (since the last clear)
  int64_t stride() const { return stride_; }  // 1 while nothing was dropped
  size_t cap() const { return cap_; }

 private:
  size_t cap_;
  std::vector<T> items_;
  int64_t seen_ = 0, stride_ = 1;
  bool provisional_ = false;
};

}  // namespace shortrun
