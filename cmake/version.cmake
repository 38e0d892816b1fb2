# Build provenance for `shortrun --version` and model cards: project version, git commit (if
# this is a git checkout), the LibTorch version built against, and whether CUDA kernels are in.
find_package(Git QUIET)
set(SHORTRUN_GIT_COMMIT "unknown")
if(GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${PROJECT_SOURCE_DIR} rev-parse --short=12 HEAD
                  OUTPUT_VARIABLE SHORTRUN_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${PROJECT_SOURCE_DIR} status --porcelain --untracked-files=no
                  OUTPUT_VARIABLE shortrun_dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(shortrun_dirty)
    set(SHORTRUN_GIT_COMMIT "${SHORTRUN_GIT_COMMIT}-dirty")
  endif()
  if(NOT SHORTRUN_GIT_COMMIT)
    set(SHORTRUN_GIT_COMMIT "unknown")
  endif()
endif()
configure_file(${PROJECT_SOURCE_DIR}/core/src/base/build_info.cpp.in ${PROJECT_BINARY_DIR}/generated/build_info.cpp @ONLY)
