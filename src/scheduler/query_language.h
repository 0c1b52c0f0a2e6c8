#pragma once
// ECS's cluster query language ("subject operator [argument]", combined with
// and/or/not and parentheses), compiled once into a tree so that matching an
// instance parses nothing and compiles no regex.
//
// Semantics where the ECS documentation is silent:
// - A negated operator (!=, !in, !~, !exists) is the exact complement of its
//   positive form, so `attribute:x != a` holds where x is missing, and
//   `task:group != g` holds where no task of the instance is in g.
// - attribute:<name> on a missing attribute is false for every positive
//   operator; task:group is true when ANY of the instance's groups satisfies
//   the positive operator.
// - =~ matches the whole value (Java's Pattern.matches), ECMAScript syntax.
// - attribute:<name> with >, >=, <, <= compares numbers when both sides are
//   numbers, else strings.
// - registeredAt: a date covers its whole day and a time its whole second, so
//   `registeredAt == 2018-06-18` holds for any instance registered that day.
// - Unquoted arguments end at white space, parentheses, brackets or commas;
//   quote ('...' or "...", backslash escapes) anything else.
// - Each subject takes only the operators the documentation lists for it.
#include <memory>
#include <string_view>

#include "scheduler/placement.h"

namespace gantry::scheduler {

namespace query {
struct Node;
}

class CompiledQuery {
 public:
  explicit CompiledQuery(std::shared_ptr<const query::Node> root) : root_(std::move(root)) {}

  bool matches(const InstanceView& instance) const;

 private:
  std::shared_ptr<const query::Node> root_;  // immutable, so copies share it
};

// Throws core::ApiError (InvalidParameterException) naming the position and
// what was expected when the expression is malformed.
CompiledQuery compile_query(std::string_view expression);

}  // namespace gantry::scheduler
