#include "api/router.h"

#include <stdexcept>

namespace gantry::api {

void Router::add(std::string operation, OperationHandler handler) {
  if (!handlers_.emplace(operation, std::move(handler)).second)
    throw std::logic_error("operation registered twice: " + operation);
}

const OperationHandler* Router::find(std::string_view operation) const {
  auto it = handlers_.find(operation);
  return it == handlers_.end() ? nullptr : &it->second;
}

}  // namespace gantry::api
