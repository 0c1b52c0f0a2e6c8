// The store's keys: built and parsed back, and a corrupt one refused.
#include "state/record_keys.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace gantry::state {
namespace {

TEST(RecordKeysTest, EachKindParsesBackWhatItBuilt) {
  EXPECT_EQ(parse_scoped_key(task_key("web", "0123"), kTaskPrefix),
            (std::pair<std::string, std::string>{"web", "0123"}));
  EXPECT_EQ(parse_scoped_key(container_instance_key("web", "i-9"), kContainerInstancePrefix),
            (std::pair<std::string, std::string>{"web", "i-9"}));
  EXPECT_EQ(parse_task_definition_key(task_definition_key("a/b", 7)),
            (std::pair<std::string, int64_t>{"a/b", 7}));
  EXPECT_EQ(parse_account_setting_key(account_setting_key("arn:aws:iam::1:root", "awsvpcTrunking")),
            (std::pair<std::string, std::string>{"awsvpcTrunking", "arn:aws:iam::1:root"}));
}

TEST(RecordKeysTest, RevisionsSortAsNumbers) {
  EXPECT_LT(task_definition_key("web", 9), task_definition_key("web", 10));
}

TEST(RecordKeysTest, ACorruptKeyIsAFault) {
  EXPECT_THROW(parse_scoped_key("tasks/no-id", kTaskPrefix), std::runtime_error);
  EXPECT_THROW(parse_scoped_key("clusters/web", kTaskPrefix), std::runtime_error);
  EXPECT_THROW(parse_task_definition_key("taskdefs/web/ten"), std::runtime_error);
  EXPECT_THROW(parse_account_setting_key("settings/"), std::runtime_error);
}

}  // namespace
}  // namespace gantry::state
