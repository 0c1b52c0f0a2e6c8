// libFuzzer target for the records read back from the store: the first
// byte picks the kind of key, the rest is the stored value. A corrupt value
// must be refused with std::runtime_error (the store is damaged); anything
// else escaping, or a crash, is a bug.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "state/records.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const std::string kKeys[] = {
      gantry::state::task_key("default", "0123456789abcdef0123456789abcdef"),
      gantry::state::container_instance_key("default", "abc"),
      gantry::state::task_definition_key("web", 1),
      gantry::state::cluster_key("default"),
      gantry::state::account_setting_key("", "containerInsights"),
  };
  const std::string& key = kKeys[data[0] % std::size(kKeys)];
  std::string_view value(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    gantry::state::Record record = gantry::state::decode_record(key, value);
    if (auto* task = std::get_if<gantry::state::TaskRecord>(&record)) {
      // What was read must encode and read back the same.
      auto again = gantry::state::decode_record(key, gantry::state::encode_record(*task));
      if (std::get<gantry::state::TaskRecord>(again).doc() != task->doc()) __builtin_trap();
    }
  } catch (const std::runtime_error&) {
  }
  return 0;
}
