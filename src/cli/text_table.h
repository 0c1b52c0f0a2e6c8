#pragma once
// The tables the CLI prints: columns padded to their widest cell and three
// spaces apart, the last column unpadded.
#include <string>
#include <vector>

namespace gantry::cli {

// `rows` begins with the header; every row has as many cells.
std::string text_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace gantry::cli
