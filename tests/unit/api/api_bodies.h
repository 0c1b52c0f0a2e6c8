#pragma once
// Request bodies the handler tests share, as a client sends them.
#include <boost/json.hpp>
#include <string>

namespace gantry::api::test_bodies {

// A task definition of one essential container.
inline boost::json::object task_definition(const std::string& family, int memory = 128,
                                           const std::string& container = "app") {
  return {{"family", family},
          {"containerDefinitions",
           {{{"name", container}, {"image", "busybox"}, {"memory", memory}, {"essential", true}}}}};
}

// What an agent registers: its resources (and, optionally, its EC2 id).
inline boost::json::object instance(const std::string& cluster, int cpu, int memory,
                                    const std::string& ec2_id = "") {
  boost::json::object body{{"cluster", cluster},
                           {"totalResources",
                            {{{"name", "CPU"}, {"type", "INTEGER"}, {"integerValue", cpu}},
                             {{"name", "MEMORY"}, {"type", "INTEGER"}, {"integerValue", memory}}}}};
  if (!ec2_id.empty()) {
    body["instanceIdentityDocument"] =
        boost::json::serialize(boost::json::object{{"instanceId", ec2_id}});
  }
  return body;
}

}  // namespace gantry::api::test_bodies
