#pragma once
// Maps an operation name to its handler. Each resource's handler file
// registers its operations here.
#include <map>
#include <string>

#include "api/request_context.h"

namespace gantry::api {

class Router {
 public:
  void add(std::string operation, OperationHandler handler);
  const OperationHandler* find(std::string_view operation) const;

 private:
  std::map<std::string, OperationHandler, std::less<>> handlers_;
};

}  // namespace gantry::api
