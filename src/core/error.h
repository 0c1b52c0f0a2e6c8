#pragma once
// Errors that cross the API boundary carry ECS's error type and a message a
// person can act on. Handlers throw ApiError; the protocol layer turns it
// into `HTTP <status> {"__type": type, "message": message}`.
#include <stdexcept>
#include <string>

namespace gantry::core {

class ApiError : public std::runtime_error {
 public:
  ApiError(std::string type, std::string message, int http_status = 400)
      : std::runtime_error(message), type_(std::move(type)), http_status_(http_status) {}

  const std::string& type() const { return type_; }
  std::string message() const { return what(); }
  int http_status() const { return http_status_; }

 private:
  std::string type_;
  int http_status_;
};

inline ApiError client_error(std::string message) {
  return {"ClientException", std::move(message)};
}
inline ApiError invalid_parameter(std::string message) {
  return {"InvalidParameterException", std::move(message)};
}
inline ApiError cluster_not_found(std::string message = "Cluster not found.") {
  return {"ClusterNotFoundException", std::move(message)};
}
inline ApiError resource_not_found(std::string message) {
  return {"ResourceNotFoundException", std::move(message)};
}
inline ApiError service_not_found() {
  return {"ServiceNotFoundException", "Service not found."};
}
inline ApiError service_not_active() {
  return {"ServiceNotActiveException", "Service was not ACTIVE."};
}
inline ApiError task_set_not_found() {
  return {"TaskSetNotFoundException", "The specified task set does not exist."};
}
inline ApiError server_error(std::string message) {
  return {"ServerException", std::move(message), 500};
}

}  // namespace gantry::core
