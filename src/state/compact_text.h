#pragma once
// Text kept compressed in memory (LZ4, against a built-in dictionary of the
// ECS Task shape's members and values): a task's document shrinks to about
// a third, and the control plane keeps a million of them. Compressing one
// costs a few microseconds, reading it back less; the compressed form is
// never stored or sent, so the dictionary may change between versions.
#include <string>
#include <string_view>

namespace gantry::state {

class CompactText {
 public:
  CompactText() = default;
  explicit CompactText(std::string_view text);

  std::string text() const;
  size_t compressed_size() const { return bytes_.size(); }

 private:
  std::string bytes_;  // the text's size (4 bytes, little-endian), then one LZ4 block
};

}  // namespace gantry::state
