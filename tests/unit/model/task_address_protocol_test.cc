// The agent channel's taskAddress message: round trip, and what the control
// plane refuses to read.
#include <gtest/gtest.h>

#include "model/agent_protocol.h"

namespace gantry::model {
namespace {

namespace json = boost::json;

constexpr const char* kArn = "arn:aws:ecs:us-east-1:123456789012:task/default/abc";

TEST(TaskAddressProtocol, RoundTripsThroughTheWire) {
  json::object message = task_address_message({kArn, "10.0.3.7"});
  EXPECT_EQ(message_type(message), "taskAddress");
  EXPECT_EQ(message.at("taskArn"), kArn);
  EXPECT_EQ(message.at("privateIPv4Address"), "10.0.3.7");
  TaskAddress parsed = parse_task_address(json::parse(json::serialize(message)).as_object());
  EXPECT_EQ(parsed.task_arn, kArn);
  EXPECT_EQ(parsed.private_ipv4_address, "10.0.3.7");
}

TEST(TaskAddressProtocol, RejectsAMessageOfAnotherType) {
  json::object message = task_address_message({kArn, "10.0.3.7"});
  message["type"] = "health";
  EXPECT_THROW(parse_task_address(message), std::runtime_error);
  EXPECT_THROW(parse_task_address(health_message({kArn, "HEALTHY", {}})), std::runtime_error);
}

TEST(TaskAddressProtocol, RejectsMissingOrMistypedMembers) {
  for (const char* member : {"type", "taskArn", "privateIPv4Address"}) {
    json::object message = task_address_message({kArn, "10.0.3.7"});
    message.erase(member);
    EXPECT_THROW(parse_task_address(message), std::runtime_error) << member;
  }
  json::object message = task_address_message({kArn, "10.0.3.7"});
  message["privateIPv4Address"] = 167969543;
  EXPECT_THROW(parse_task_address(message), std::runtime_error);
}

}  // namespace
}  // namespace gantry::model
