// CompactText: whatever goes in comes back byte for byte, and a task's
// document, the text it is for, takes far less room.
#include "state/compact_text.h"

#include <gtest/gtest.h>

#include <random>

namespace gantry::state {
namespace {

constexpr std::string_view kTask =
    R"({"taskArn":"arn:aws:ecs:eu-west-1:210987654321:task/prod/9f86d081884c7d659a2feaa0c55ad015",)"
    R"("clusterArn":"arn:aws:ecs:eu-west-1:210987654321:cluster/prod","taskDefinitionArn":)"
    R"("arn:aws:ecs:eu-west-1:210987654321:task-definition/api:12","containerInstanceArn":)"
    R"("arn:aws:ecs:eu-west-1:210987654321:container-instance/prod/2c26b46b68ffc68ff99b453c1d304134",)"
    R"("overrides":{"containerOverrides":[],"inferenceAcceleratorOverrides":[]},"lastStatus":)"
    R"("RUNNING","desiredStatus":"RUNNING","cpu":"256","memory":"512","containers":[{)"
    R"("containerArn":"arn:aws:ecs:eu-west-1:210987654321:container/prod/9f86d081884c7d659a2feaa0)"
    R"(c55ad015/5d41402a-bc4b-2a76-b971-9d911017c592","taskArn":"arn:aws:ecs:eu-west-1:2109876543)"
    R"(21:task/prod/9f86d081884c7d659a2feaa0c55ad015","name":"api","image":"api:1.4","lastStatus":)"
    R"("RUNNING","networkBindings":[],"networkInterfaces":[],"healthStatus":"UNKNOWN","cpu":"256"}],)"
    R"("version":3,"createdAt":1795766400.123,"group":"family:api","launchType":"EC2",)"
    R"("attachments":[],"healthStatus":"UNKNOWN","tags":[],"enableExecuteCommand":false,)"
    R"("inferenceAccelerators":[],"connectivity":"CONNECTED","connectivityAt":1795766400.2})";

TEST(CompactText, ATaskDocumentComesBackWholeInAThirdOfItsSize) {
  CompactText compact(kTask);
  EXPECT_EQ(compact.text(), kTask);
  EXPECT_LT(compact.compressed_size() * 3, kTask.size()) << compact.compressed_size();
}

TEST(CompactText, AnyBytesComeBackWhole) {
  std::mt19937 rng(11);
  for (size_t size : {size_t{0}, size_t{1}, size_t{7}, size_t{4096}, size_t{300000}}) {
    std::string text(size, '\0');
    for (auto& c : text) c = static_cast<char>(rng());  // incompressible, NULs included
    EXPECT_EQ(CompactText(text).text(), text) << size;
  }
  EXPECT_EQ(CompactText().text(), "");
}

TEST(CompactText, CopiesAreIndependent) {
  CompactText first(kTask);
  CompactText second = first;
  first = CompactText("{}");
  EXPECT_EQ(second.text(), kTask);
  EXPECT_EQ(first.text(), "{}");
}

}  // namespace
}  // namespace gantry::state
