# Writes generated/build_info.cpp (from core/src/base/build_info.cpp.in) with the git commit of the
# source tree as it is now. Included by cmake/version.cmake at configure time, and run again by the
# shortrun_build_info target (cmake -P) on every build, so `shortrun --version`, model cards and
# eval protocols name the commit that was built, not the one that was configured. configure_file
# leaves the file alone when nothing changed, so an unchanged commit recompiles nothing.
# Inputs: SHORTRUN_SOURCE_DIR, SHORTRUN_BINARY_DIR, PROJECT_VERSION, GIT_EXECUTABLE (may be empty).
set(SHORTRUN_GIT_COMMIT "unknown")
if(GIT_EXECUTABLE AND EXISTS "${SHORTRUN_SOURCE_DIR}/.git")
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SHORTRUN_SOURCE_DIR} rev-parse --short=12 HEAD
                  OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SHORTRUN_SOURCE_DIR} status --porcelain --untracked-files=no
                  OUTPUT_VARIABLE dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(commit)
    set(SHORTRUN_GIT_COMMIT "${commit}")
    if(dirty)
      set(SHORTRUN_GIT_COMMIT "${commit}-dirty")
    endif()
  endif()
endif()
configure_file(${SHORTRUN_SOURCE_DIR}/core/src/base/build_info.cpp.in ${SHORTRUN_BINARY_DIR}/generated/build_info.cpp @ONLY)
