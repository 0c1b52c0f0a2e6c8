#pragma once
// Where an event sits in a stream or a group: its timestamp, then the
// sequence number the store gave it on ingestion (unique, rising), which
// orders events of equal timestamp and is their stable eventId.
#include <compare>
#include <cstdint>
#include <limits>

namespace gantry::logs {

struct EventKey {
  int64_t timestamp = 0;
  int64_t sequence = 0;
  auto operator<=>(const EventKey&) const = default;
};

inline constexpr int64_t kNoTimeLimit = std::numeric_limits<int64_t>::max();

}  // namespace gantry::logs
