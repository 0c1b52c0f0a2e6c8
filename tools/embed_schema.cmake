# Turns the ECS API model JSON into a C++ source holding it as one string.
file(READ ${INPUT} content)
file(WRITE ${OUTPUT} "// Generated from src/model/ecs_schema.json; do not edit.\n#include <string_view>\nnamespace gantry::model {\nextern const std::string_view kEcsSchemaJson;\nconst std::string_view kEcsSchemaJson = R\"gantry_schema(${content})gantry_schema\";\n}  // namespace gantry::model\n")
