#include "scheduler/spread_ranker.h"

#include <map>

#include "core/error.h"

namespace gantry::scheduler {
namespace {

const std::string& attribute_or_empty(const InstanceView& instance, const std::string& name) {
  static const std::string kEmpty;
  auto it = instance.attributes.find(name);
  return it == instance.attributes.end() ? kEmpty : it->second;
}

class InstanceSpread final : public Ranker {
 public:
  std::vector<size_t> narrow(const std::vector<InstanceView>& instances,
                             const std::vector<size_t>& candidates, const std::string& group,
                             core::Random&) const override {
    return keep_lowest(candidates, [&](size_t i) { return instances[i].task_groups.count(group); });
  }
};

class AttributeSpread final : public Ranker {
 public:
  explicit AttributeSpread(std::string name) : name_(std::move(name)) {}

  std::vector<size_t> narrow(const std::vector<InstanceView>& instances,
                             const std::vector<size_t>& candidates, const std::string& group,
                             core::Random&) const override {
    std::map<std::string_view, size_t> per_value;
    for (const auto& instance : instances)
      per_value[attribute_or_empty(instance, name_)] += instance.task_groups.count(group);
    return keep_lowest(candidates, [&](size_t i) {
      return per_value[attribute_or_empty(instances[i], name_)];
    });
  }

 private:
  std::string name_;
};

}  // namespace

std::unique_ptr<const Ranker> make_spread_ranker(std::string_view field) {
  if (field == "instanceId" || field == "host") return std::make_unique<InstanceSpread>();
  constexpr std::string_view kPrefix = "attribute:";
  if (field.starts_with(kPrefix) && field.size() > kPrefix.size())
    return std::make_unique<AttributeSpread>(std::string(field.substr(kPrefix.size())));
  throw core::invalid_parameter("Invalid placement strategy field '" + std::string(field) +
                                "' for spread: expected instanceId, host or attribute:<name>.");
}

}  // namespace gantry::scheduler
