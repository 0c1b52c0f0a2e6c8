# Turns the ECS API model JSON into a C++ source holding it as one string.
file(READ ${INPUT} content)
file(WRITE ${OUTPUT} "// Generated from src/model/ecs_schema.json; do not edit.\n#include <string_view>\n#if defined(__clang__)\n#pragma clang diagnostic ignored \"-Woverlength-strings\"\n#endif\nnamespace gantry::model {\nextern const std::string_view kEcsSchemaJson;\nconst std::string_view kEcsSchemaJson = R\"gantry_schema(${content})gantry_schema\";\n}  // namespace gantry::model\n")
