#include "scheduler/query_language.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.h"
#include "scheduler/instance_builder.h"

namespace gantry::scheduler {
namespace {

using ::testing::HasSubstr;

InstanceView sample() {
  InstanceView instance = testing::make_instance("abc");
  instance.ec2_instance_id = "i-0123abcd";
  instance.agent_connected = true;
  instance.agent_version = "1.20.0";
  instance.registered_at = 1529360908.5;  // 2018-06-18T22:28:28.5Z
  instance.running_tasks_count = 10;
  instance.attributes = {{"ecs.instance-type", "t2.micro"},
                         {"ecs.availability-zone", "us-east-1a"},
                         {"cores", "16"},
                         {"flag", ""},
                         {"stack", "prod"}};
  instance.task_groups = {"family:web", "service:production", "service:production"};
  return instance;
}

bool match(std::string_view expression, const InstanceView& instance = sample()) {
  return compile_query(expression).matches(instance);
}

std::string error_of(std::string_view expression) {
  try {
    compile_query(expression);
  } catch (const core::ApiError& e) {
    EXPECT_EQ(e.type(), "InvalidParameterException");
    return e.message();
  }
  ADD_FAILURE() << "no error for: " << expression;
  return "";
}

TEST(QueryLanguage, AttributeEqualityAndInequality) {
  EXPECT_TRUE(match("attribute:ecs.instance-type == t2.micro"));
  EXPECT_FALSE(match("attribute:ecs.instance-type == t2.small"));
  EXPECT_TRUE(match("attribute:ecs.instance-type != t2.small"));
  EXPECT_FALSE(match("attribute:ecs.instance-type != t2.micro"));
  EXPECT_TRUE(match("attribute:ecs.instance-type equals t2.micro"));
  EXPECT_TRUE(match("attribute:ecs.instance-type not_equals t2.small"));
  EXPECT_TRUE(match("attribute:ecs.instance-type EQUALS t2.micro"));
  EXPECT_TRUE(match("attribute:flag == ''"));  // a valueless attribute
}

TEST(QueryLanguage, ExistsAndNotExists) {
  EXPECT_TRUE(match("attribute:flag exists"));
  EXPECT_FALSE(match("attribute:missing exists"));
  EXPECT_TRUE(match("attribute:missing !exists"));
  EXPECT_TRUE(match("attribute:missing not_exists"));
  EXPECT_FALSE(match("attribute:flag !exists"));
}

TEST(QueryLanguage, InAndNotIn) {
  EXPECT_TRUE(match("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"));
  EXPECT_FALSE(match("attribute:ecs.availability-zone in [us-east-1b,us-east-1c]"));
  EXPECT_TRUE(match("attribute:ecs.availability-zone !in [us-east-1b, us-east-1c]"));
  EXPECT_FALSE(match("attribute:ecs.availability-zone not_in [us-east-1a]"));
  EXPECT_TRUE(match("ec2InstanceId in ['i-0123abcd', \"i-wxyz7890\"]"));
  EXPECT_TRUE(match("ec2InstanceId in[i-0123abcd]"));
}

TEST(QueryLanguage, MatchesIsAWholeValueRegex) {
  EXPECT_TRUE(match("attribute:ecs.instance-type =~ t2.*"));
  EXPECT_TRUE(match("attribute:ecs.instance-type matches t2\\..*"));
  EXPECT_FALSE(match("attribute:ecs.instance-type =~ t2"));  // not a substring search
  EXPECT_FALSE(match("attribute:ecs.instance-type =~ g2.*"));
  EXPECT_TRUE(match("attribute:ecs.instance-type !~ g2.*"));
  EXPECT_TRUE(match("attribute:ecs.instance-type not_matches g2.*"));
  EXPECT_TRUE(match("attribute:ecs.instance-type =~ '(t2|m5)\\.(micro|large)'"));
  EXPECT_TRUE(match("ec2InstanceId =~ i-0123.*"));
}

TEST(QueryLanguage, MissingAttributeFailsPositiveOperatorsOnly) {
  EXPECT_FALSE(match("attribute:missing == x"));
  EXPECT_FALSE(match("attribute:missing in [x, y]"));
  EXPECT_FALSE(match("attribute:missing =~ .*"));
  EXPECT_FALSE(match("attribute:missing > 1"));
  EXPECT_TRUE(match("attribute:missing != x"));
  EXPECT_TRUE(match("attribute:missing !in [x]"));
  EXPECT_TRUE(match("attribute:missing !~ .*"));
}

TEST(QueryLanguage, AttributeOrderingIsNumericForNumbers) {
  EXPECT_TRUE(match("attribute:cores > 8"));  // as strings "16" < "8"
  EXPECT_TRUE(match("attribute:cores >= 16"));
  EXPECT_FALSE(match("attribute:cores < 16"));
  EXPECT_TRUE(match("attribute:cores <= 16.0"));
  EXPECT_TRUE(match("attribute:cores greater_than 15"));
  EXPECT_TRUE(match("attribute:cores less_than_equal 16"));
  EXPECT_TRUE(match("attribute:stack > alpha"));  // strings compare as strings
  EXPECT_FALSE(match("attribute:stack less_than alpha"));
}

TEST(QueryLanguage, AgentConnected) {
  EXPECT_TRUE(match("agentConnected == true"));
  EXPECT_FALSE(match("agentConnected == false"));
  EXPECT_TRUE(match("agentConnected != false"));
  EXPECT_TRUE(match("agentConnected in [true]"));
  EXPECT_TRUE(match("agentConnected == TRUE"));
  auto disconnected = sample();
  disconnected.agent_connected = false;
  EXPECT_TRUE(match("agentConnected == false", disconnected));
  EXPECT_TRUE(match("agentConnected =~ f.*", disconnected));
}

TEST(QueryLanguage, AgentVersionComparesDottedNumbers) {
  EXPECT_TRUE(match("agentVersion == 1.20.0"));
  EXPECT_TRUE(match("agentVersion == 1.20"));  // missing parts are zero
  EXPECT_TRUE(match("agentVersion > 1.9.9"));  // as strings "1.20.0" < "1.9.9"
  EXPECT_TRUE(match("agentVersion >= 1.20.0"));
  EXPECT_FALSE(match("agentVersion < 1.20.0"));
  EXPECT_TRUE(match("agentVersion <= 1.20.0"));
  EXPECT_TRUE(match("agentVersion less_than 1.100.0"));
  EXPECT_TRUE(match("agentVersion != 1.21.0"));
  auto unknown = sample();
  unknown.agent_version = "";
  EXPECT_FALSE(match("agentVersion >= 0.0.1", unknown));
}

TEST(QueryLanguage, RunningTasksCountIsNumeric) {
  EXPECT_TRUE(match("runningTasksCount == 10"));
  EXPECT_TRUE(match("runningTasksCount > 9"));  // as strings "10" < "9"
  EXPECT_FALSE(match("runningTasksCount > 10"));
  EXPECT_TRUE(match("runningTasksCount >= 10"));
  EXPECT_TRUE(match("runningTasksCount < 11"));
  EXPECT_FALSE(match("runningTasksCount <= 9"));
  EXPECT_TRUE(match("runningTasksCount != 0"));
}

TEST(QueryLanguage, RegisteredAtAcceptsTheDocumentedDateFormats) {
  EXPECT_TRUE(match("registeredAt == 2018-06-18T22:28:28+00:00"));
  EXPECT_TRUE(match("registeredAt == 2018-06-18T22:28:28Z"));
  EXPECT_TRUE(match("registeredAt == 2018-06-18T22:28:28"));
  EXPECT_TRUE(match("registeredAt == 2018-06-18"));  // the whole day
  EXPECT_TRUE(match("registeredAt == 2018-06-19T00:28:28+02:00"));
  EXPECT_TRUE(match("registeredAt == 2018-06-18T17:28:28-05:00"));
  EXPECT_FALSE(match("registeredAt == 2018-06-17"));
  EXPECT_TRUE(match("registeredAt > 2018-06-17"));
  EXPECT_FALSE(match("registeredAt > 2018-06-18"));  // after the whole day
  EXPECT_TRUE(match("registeredAt >= 2018-06-18"));
  EXPECT_TRUE(match("registeredAt < 2018-06-19"));
  EXPECT_TRUE(match("registeredAt <= 2018-06-18"));
  EXPECT_FALSE(match("registeredAt < 2018-06-18T22:28:28Z"));
  EXPECT_TRUE(match("registeredAt < 2018-06-18T22:28:29Z"));
  EXPECT_TRUE(match("registeredAt != 2016-02-29"));
}

TEST(QueryLanguage, TaskGroupMatchesAnyGroupOfTheInstance) {
  EXPECT_TRUE(match("task:group == service:production"));
  EXPECT_TRUE(match("task:group == family:web"));
  EXPECT_FALSE(match("task:group == service:staging"));
  EXPECT_TRUE(match("task:group in [service:staging, family:web]"));
  EXPECT_TRUE(match("task:group =~ service:.*"));
  EXPECT_FALSE(match("task:group =~ service:stag.*"));
  // Negations are complements: no group of the instance is production.
  EXPECT_FALSE(match("task:group != service:production"));
  EXPECT_TRUE(match("task:group != service:staging"));
  EXPECT_FALSE(match("task:group !~ .*"));
  auto empty = sample();
  empty.task_groups.clear();
  EXPECT_FALSE(match("task:group == service:production", empty));
  EXPECT_TRUE(match("not(task:group == service:production)", empty));
}

TEST(QueryLanguage, AndBindsTighterThanOr) {
  // true or (false and false) -> true; (true or false) and false would be false.
  EXPECT_TRUE(match("runningTasksCount == 10 or runningTasksCount == 1 and runningTasksCount == 2"));
  EXPECT_FALSE(
      match("(runningTasksCount == 10 or runningTasksCount == 1) and runningTasksCount == 2"));
  EXPECT_TRUE(match("runningTasksCount == 1 and runningTasksCount == 2 or runningTasksCount == 10"));
  EXPECT_TRUE(match("runningTasksCount == 10 || agentConnected == false && agentConnected == false"));
  EXPECT_TRUE(match("runningTasksCount == 10 AND agentConnected == true"));
}

TEST(QueryLanguage, NotBindsTighterThanAnd) {
  // (not false) and true -> true; not (false and true) is also true, so use
  // one where they differ: (not true) and false vs not (true and false).
  EXPECT_FALSE(match("not agentConnected == true and agentConnected == false"));
  EXPECT_TRUE(match("not (agentConnected == true and agentConnected == false)"));
  EXPECT_FALSE(match("!agentConnected == true"));
  EXPECT_TRUE(match("!(agentConnected == false)"));
  EXPECT_TRUE(match("not not agentConnected == true"));
  EXPECT_TRUE(match("((attribute:stack == prod))"));
}

TEST(QueryLanguage, ArgumentsMayBeQuoted) {
  auto instance = sample();
  instance.attributes["team"] = "data science";
  instance.attributes["quote"] = "it's";
  EXPECT_TRUE(match("attribute:team == 'data science'", instance));
  EXPECT_TRUE(match("attribute:team == \"data science\"", instance));
  EXPECT_TRUE(match("attribute:quote == 'it\\'s'", instance));
  EXPECT_TRUE(match("attribute:team in ['data science', x] and attribute:stack == prod", instance));
}

TEST(QueryLanguage, KeywordsAreWholeWords) {
  auto instance = sample();
  instance.attributes["kind"] = "order";
  EXPECT_TRUE(match("attribute:kind == order", instance));
  EXPECT_TRUE(match("attribute:kind == order or attribute:kind == andromeda", instance));
  EXPECT_TRUE(match("attribute:kind in [order, notice]", instance));
}

TEST(QueryLanguage, ACompiledQueryIsReusableAndCopyable) {
  const CompiledQuery query = compile_query("attribute:ecs.instance-type =~ t2.*");
  const CompiledQuery copy = query;
  auto other = sample();
  other.attributes["ecs.instance-type"] = "m5.large";
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(copy.matches(sample()));
    EXPECT_FALSE(query.matches(other));
  }
}

TEST(QueryLanguage, SyntaxErrorsSayWhatWasExpected) {
  EXPECT_THAT(error_of(""), HasSubstr("empty"));
  EXPECT_THAT(error_of("   "), HasSubstr("empty"));
  EXPECT_THAT(error_of("attribute:"), HasSubstr("unknown subject 'attribute:'"));
  EXPECT_THAT(error_of("cpu == 1"), HasSubstr("unknown subject 'cpu'"));
  EXPECT_THAT(error_of("attribute:a"), HasSubstr("expected an operator"));
  EXPECT_THAT(error_of("attribute:a is b"), HasSubstr("expected an operator at character 13"));
  EXPECT_THAT(error_of("attribute:a =="), HasSubstr("expected an argument"));
  EXPECT_THAT(error_of("(attribute:a == b"), HasSubstr("expected ')'"));
  EXPECT_THAT(error_of("attribute:a == b)"), HasSubstr("expected 'and', 'or'"));
  EXPECT_THAT(error_of("attribute:a == b c"), HasSubstr("expected 'and', 'or'"));
  EXPECT_THAT(error_of("attribute:a == b and"), HasSubstr("expected an expression"));
  EXPECT_THAT(error_of("and attribute:a == b"), HasSubstr("unknown subject 'and'"));
  EXPECT_THAT(error_of("attribute:a in b"), HasSubstr("expects a list"));
  EXPECT_THAT(error_of("attribute:a in [b"), HasSubstr("expected ',' or ']'"));
  EXPECT_THAT(error_of("attribute:a in []"), HasSubstr("expected an argument"));
  EXPECT_THAT(error_of("attribute:a == [b]"), HasSubstr("only 'in' and 'not_in' take a list"));
  EXPECT_THAT(error_of("attribute:a == 'b"), HasSubstr("unterminated"));
  EXPECT_THAT(error_of("attribute:a =~ '('"), HasSubstr("not a valid regular expression"));
  EXPECT_THAT(error_of("attribute:a exists b"), HasSubstr("expected 'and', 'or'"));
}

TEST(QueryLanguage, ArgumentsAreCheckedAgainstTheSubject) {
  EXPECT_THAT(error_of("runningTasksCount > many"), HasSubstr("whole number"));
  EXPECT_THAT(error_of("agentVersion > latest"), HasSubstr("version"));
  EXPECT_THAT(error_of("registeredAt > yesterday"), HasSubstr("registeredAt expects a date"));
  EXPECT_THAT(error_of("registeredAt > 2018-02-30"), HasSubstr("registeredAt expects a date"));
  EXPECT_THAT(error_of("registeredAt > 2018-06-18T25:00:00Z"), HasSubstr("expects a date"));
  EXPECT_THAT(error_of("registeredAt > 2018-06-18T22:28:28+0000"), HasSubstr("expects a date"));
}

TEST(QueryLanguage, EachSubjectTakesOnlyItsDocumentedOperators) {
  EXPECT_THAT(error_of("task:group > a"), HasSubstr("does not take this operator"));
  EXPECT_THAT(error_of("runningTasksCount =~ 1.*"), HasSubstr("does not take this operator"));
  EXPECT_THAT(error_of("agentVersion in [1.0.0]"), HasSubstr("does not take this operator"));
  EXPECT_THAT(error_of("ec2InstanceId exists"), HasSubstr("does not take this operator"));
  EXPECT_THAT(error_of("registeredAt !~ x"), HasSubstr("does not take this operator"));
  EXPECT_NO_THROW(compile_query("attribute:a > 1 and attribute:a =~ x and attribute:a !exists"));
}

TEST(QueryLanguage, LengthAndNestingAreBounded) {
  EXPECT_THAT(error_of(std::string(2001, ' ')), HasSubstr("longer than 2000"));
  std::string deep = std::string(100, '(') + "attribute:a exists" + std::string(100, ')');
  EXPECT_THAT(error_of(deep), HasSubstr("nested too deeply"));
  std::string fine = std::string(20, '(') + "attribute:flag exists" + std::string(20, ')');
  EXPECT_TRUE(match(fine));
}

}  // namespace
}  // namespace gantry::scheduler
