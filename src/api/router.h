#pragma once
// Maps an operation name to its handler. Each resource's handler file
// registers its operations here.
#include <map>
#include <string>

#include "api/request_context.h"

namespace gantry::api {

struct Route {
  OperationHandler handler;
  // A gantry operation that botocore's ECS model does not know: its body
  // is not validated against the model, so its handler checks it.
  bool extension = false;
};

class Router {
 public:
  // An ECS operation; ApiServer validates its body against the model.
  void add(std::string operation, OperationHandler handler);
  // One of gantry's own, served on the same endpoint with the same SigV4.
  void add_extension(std::string operation, OperationHandler handler);
  const Route* find(std::string_view operation) const;

 private:
  std::map<std::string, Route, std::less<>> routes_;
};

}  // namespace gantry::api
