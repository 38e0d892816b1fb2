# Build provenance for `shortrun --version` and model cards: project version, git commit (if
# this is a git checkout), the LibTorch version built against, and whether CUDA kernels are in.
# The commit is written at configure time and again on every build (cmake/write_build_info.cmake).
find_package(Git QUIET)
set(SHORTRUN_SOURCE_DIR ${PROJECT_SOURCE_DIR})
set(SHORTRUN_BINARY_DIR ${PROJECT_BINARY_DIR})
include(${CMAKE_CURRENT_LIST_DIR}/write_build_info.cmake)
add_custom_target(shortrun_build_info
                  COMMAND ${CMAKE_COMMAND} -DSHORTRUN_SOURCE_DIR=${PROJECT_SOURCE_DIR} -DSHORTRUN_BINARY_DIR=${PROJECT_BINARY_DIR}
                          -DPROJECT_VERSION=${PROJECT_VERSION} -DGIT_EXECUTABLE=${GIT_EXECUTABLE}
                          -P ${CMAKE_CURRENT_LIST_DIR}/write_build_info.cmake
                  BYPRODUCTS ${PROJECT_BINARY_DIR}/generated/build_info.cpp
                  COMMENT "build_info.cpp: the commit being built"
                  VERBATIM)
