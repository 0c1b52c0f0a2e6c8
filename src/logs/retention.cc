#include "logs/retention.h"

#include <algorithm>
#include <array>
#include <string>

#include "core/error.h"

namespace gantry::logs {

namespace {
constexpr std::array<int64_t, 22> kAllowedDays = {1,    3,    5,    7,    14,   30,  60,  90,
                                                  120,  150,  180,  365,  400,  545, 731, 1096,
                                                  1827, 2192, 2557, 2922, 3288, 3653};
}  // namespace

bool is_allowed_retention(int64_t days) {
  return std::find(kAllowedDays.begin(), kAllowedDays.end(), days) != kAllowedDays.end();
}

void check_retention(int64_t days) {
  if (is_allowed_retention(days)) return;
  std::string allowed;
  for (int64_t d : kAllowedDays) allowed += (allowed.empty() ? "" : ", ") + std::to_string(d);
  throw core::invalid_parameter("1 validation error detected: Value '" + std::to_string(days) +
                                "' at 'retentionInDays' failed to satisfy constraint: Member "
                                "must satisfy enum value set: [" +
                                allowed + "]");
}

}  // namespace gantry::logs
