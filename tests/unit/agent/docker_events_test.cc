// DockerEvents::exit_status: a stopped container's inspection as the
// driver's ExitStatus.
#include "agent/drivers/docker_events.h"

#include <gtest/gtest.h>

namespace gantry::agent {
namespace {

namespace json = boost::json;

json::object inspection(std::string_view state) {
  return json::parse(R"({"Id": "c0ffee", "State": )" + std::string(state) + "}").as_object();
}

TEST(DockerEventsExitStatus, TakesTheExitCode) {
  const auto exit = DockerEvents::exit_status(
      inspection(R"({"Status": "exited", "Running": false, "ExitCode": 3, "OOMKilled": false,
                     "Error": ""})"));
  EXPECT_EQ(exit.exit_code, 3);
  EXPECT_FALSE(exit.oom_killed);
  EXPECT_EQ(exit.reason, "");
}

TEST(DockerEventsExitStatus, ReportsAnOomKill) {
  const auto exit = DockerEvents::exit_status(
      inspection(R"({"Running": false, "ExitCode": 137, "OOMKilled": true, "Error": ""})"));
  EXPECT_EQ(exit.exit_code, 137);
  EXPECT_TRUE(exit.oom_killed);
  EXPECT_EQ(exit.reason, "");  // the task runner names OOM kills itself
}

TEST(DockerEventsExitStatus, AnEngineErrorIsACannotStartReason) {
  const auto exit = DockerEvents::exit_status(inspection(
      R"({"Running": false, "ExitCode": 127, "OOMKilled": false,
          "Error": "exec: \"nope\": executable file not found in $PATH"})"));
  EXPECT_EQ(exit.exit_code, 127);
  EXPECT_EQ(exit.reason,
            "CannotStartContainerError: exec: \"nope\": executable file not found in $PATH");
}

TEST(DockerEventsExitStatus, MissingStateIsExit255CannotInspect) {
  for (const auto* doc : {R"({"Id": "c0ffee"})", R"({"Id": "c0ffee", "State": null})",
                          R"({"Id": "c0ffee", "State": "exited"})"}) {
    const auto exit = DockerEvents::exit_status(json::parse(doc).as_object());
    EXPECT_EQ(exit.exit_code, 255) << doc;
    EXPECT_FALSE(exit.oom_killed) << doc;
    EXPECT_TRUE(exit.reason.starts_with("CannotInspectContainerError: ")) << exit.reason;
  }
}

TEST(DockerEventsExitStatus, MistypedMembersAreIgnored) {
  const auto exit = DockerEvents::exit_status(
      inspection(R"({"ExitCode": "3", "OOMKilled": "yes", "Error": 5})"));
  EXPECT_EQ(exit.exit_code, 0);
  EXPECT_FALSE(exit.oom_killed);
  EXPECT_EQ(exit.reason, "");
}

}  // namespace
}  // namespace gantry::agent
