#pragma once
// Text kept compressed (LZ4, against a built-in dictionary of the ECS Task
// shape's members and values): a task's document shrinks to about a third,
// and the control plane keeps a million of them. Compressing one costs a
// few microseconds, reading it back less. The store keeps the compressed
// bytes, so the dictionary is part of the stored format: a new dictionary
// needs a new format (records.cc) and this one kept for reading.
#include <string>
#include <string_view>

namespace gantry::state {

class CompactText {
 public:
  CompactText() = default;
  explicit CompactText(std::string_view text);

  // Compressed bytes as bytes() gave them; throws std::runtime_error for
  // bytes that cannot be such (the text itself is checked on reading).
  static CompactText from_bytes(std::string_view bytes);

  // Throws std::runtime_error when the bytes do not decompress.
  std::string text() const;
  std::string_view bytes() const { return bytes_; }
  size_t compressed_size() const { return bytes_.size(); }

 private:
  std::string bytes_;  // the text's size (4 bytes, little-endian), then one LZ4 block
};

}  // namespace gantry::state
