# Turns an AWS API model JSON (INPUT) into a C++ source (OUTPUT) holding it as
# one string named VARIABLE.
file(READ ${INPUT} content)
get_filename_component(name ${INPUT} NAME)
file(WRITE ${OUTPUT} "// Generated from src/model/${name}; do not edit.\n#include <string_view>\n#if defined(__clang__)\n#pragma clang diagnostic ignored \"-Woverlength-strings\"\n#endif\nnamespace gantry::model {\nextern const std::string_view ${VARIABLE};\nconst std::string_view ${VARIABLE} = R\"gantry_schema(${content})gantry_schema\";\n}  // namespace gantry::model\n")
