# The standard library and the JSON library are most of what every file
# parses; a target with many files parses them once, in its precompiled header
# (about a fifth of a library file's compile time, a third of a test's).
# Clang only: GCC 12 loses libstdc++'s system-header status when it loads a
# precompiled header, and its -Warray-bounds false positives on inlined
# std::string code then stop the build.
set(XCP_COMMON_HEADERS <algorithm> <chrono> <cstdint> <filesystem> <fstream> <functional> <map> <memory>
    <optional> <span> <sstream> <string> <string_view> <system_error> <vector> <nlohmann/json.hpp>)

function(xcp_precompile_headers target)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    target_precompile_headers(${target} PRIVATE ${XCP_COMMON_HEADERS} ${ARGN})
  endif()
endfunction()
