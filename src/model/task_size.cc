#include "model/task_size.h"

#include <array>
#include <cctype>
#include <cstdint>
#include <string>

namespace gantry::model {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool ends_with_ignoring_case(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  s = s.substr(s.size() - suffix.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != suffix[i]) return false;
  }
  return true;
}

// Strips the first matching unit suffix (lower case) from `text`; returns
// whether one was found.
bool strip_unit(std::string_view& text, std::initializer_list<std::string_view> units) {
  for (auto unit : units) {
    if (ends_with_ignoring_case(text, unit)) {
      text = trim(text.substr(0, text.size() - unit.size()));
      return true;
    }
  }
  return false;
}

// A decimal number "12" or "0.25" times `scale`, when the product is a whole
// number that fits an int. Exact: the fraction is kept as an integer
// numerator over a power of ten, so "0.1 vCPU" (102.4 units) is refused
// rather than rounded.
std::optional<int> scaled_whole_number(std::string_view text, std::int64_t scale) {
  if (text.empty()) return std::nullopt;
  std::int64_t numerator = 0;
  std::int64_t denominator = 1;
  bool seen_point = false;
  bool seen_digit = false;
  for (char c : text) {
    if (c == '.' && !seen_point) {
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    seen_digit = true;
    if (numerator > 100'000'000'000LL || denominator > 100'000'000'000LL) return std::nullopt;
    numerator = numerator * 10 + (c - '0');
    if (seen_point) denominator *= 10;
  }
  if (!seen_digit) return std::nullopt;
  if (seen_point && scale == 1) return std::nullopt;  // "512.0" MiB is not a whole count
  const std::int64_t product = numerator * scale;
  if (product % denominator != 0) return std::nullopt;
  const std::int64_t value = product / denominator;
  if (value > INT32_MAX) return std::nullopt;
  return static_cast<int>(value);
}

struct FargateCpuOption {
  int cpu;
  int min_memory;
  int max_memory;
  int step;
};

// The Fargate sizes of the RegisterTaskDefinition documentation, one row per
// cpu value. 256 CPU is the one irregular row: 512, 1024 or 2048 MiB.
constexpr std::array<FargateCpuOption, 7> kFargateSizes{{
    {256, 512, 2048, 0},
    {512, 1024, 4096, 1024},
    {1024, 2048, 8192, 1024},
    {2048, 4096, 16384, 1024},
    {4096, 8192, 30720, 1024},
    {8192, 16384, 61440, 4096},
    {16384, 32768, 122880, 8192},
}};

}  // namespace

std::optional<int> parse_task_cpu(std::string_view text) {
  text = trim(text);
  if (strip_unit(text, {"vcpus", "vcpu"})) return scaled_whole_number(text, 1024);
  return scaled_whole_number(text, 1);
}

std::optional<int> parse_task_memory(std::string_view text) {
  text = trim(text);
  if (strip_unit(text, {"gib", "gb"})) return scaled_whole_number(text, 1024);
  return scaled_whole_number(text, 1);
}

bool is_fargate_size(int cpu, int memory) {
  for (const auto& option : kFargateSizes) {
    if (option.cpu != cpu) continue;
    if (option.step == 0) return memory == 512 || memory == 1024 || memory == 2048;
    return memory >= option.min_memory && memory <= option.max_memory &&
           (memory - option.min_memory) % option.step == 0;
  }
  return false;
}

}  // namespace gantry::model
