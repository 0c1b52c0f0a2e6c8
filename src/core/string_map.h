#pragma once
// Hash containers keyed by strings. Lookups take a std::string_view, so
// finding a key builds no std::string. Used where ordered maps spent their
// time comparing long ids and ARNs that share a prefix.
#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace gantry::core {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

struct StringEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

// Open addressing: elements move when the table grows, so hold no pointer
// or reference to one across an insertion.
template <class Value>
using StringMap = boost::unordered_flat_map<std::string, Value, StringHash, StringEqual>;
using StringSet = boost::unordered_flat_set<std::string, StringHash, StringEqual>;

}  // namespace gantry::core
