#include "api/router.h"

#include <stdexcept>

namespace gantry::api {

namespace {

void insert(std::map<std::string, Route, std::less<>>& routes, std::string operation, Route route) {
  if (!routes.emplace(operation, std::move(route)).second)
    throw std::logic_error("operation registered twice: " + operation);
}

}  // namespace

void Router::add(std::string operation, OperationHandler handler) {
  insert(routes_, std::move(operation), {std::move(handler), false});
}

void Router::add_extension(std::string operation, OperationHandler handler) {
  insert(routes_, std::move(operation), {std::move(handler), true});
}

const Route* Router::find(std::string_view operation) const {
  auto it = routes_.find(operation);
  return it == routes_.end() ? nullptr : &it->second;
}

}  // namespace gantry::api
