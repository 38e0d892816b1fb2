# Dear ImGui from Debian's libimgui-dev (1.86): the library is packaged as libimgui.a, the
# GLFW and OpenGL 3 backends only as example sources, which we compile here (nothing copied).
set(SHORTRUN_IMGUI_BACKENDS_DIR "/usr/share/doc/libimgui-dev/examples/backends" CACHE PATH
    "Directory holding imgui_impl_glfw.cpp and imgui_impl_opengl3.cpp")
if(NOT TARGET shortrun_imgui_glfw_gl3)
  pkg_check_modules(IMGUI REQUIRED IMPORTED_TARGET imgui)
  foreach(f imgui_impl_glfw.cpp imgui_impl_opengl3.cpp)
    if(NOT EXISTS ${SHORTRUN_IMGUI_BACKENDS_DIR}/${f})
      message(FATAL_ERROR "${SHORTRUN_IMGUI_BACKENDS_DIR}/${f} not found (apt-get install libimgui-dev, or set SHORTRUN_IMGUI_BACKENDS_DIR)")
    endif()
  endforeach()
  add_library(shortrun_imgui_glfw_gl3 STATIC ${SHORTRUN_IMGUI_BACKENDS_DIR}/imgui_impl_glfw.cpp
                                             ${SHORTRUN_IMGUI_BACKENDS_DIR}/imgui_impl_opengl3.cpp)
  # The backends include "imgui.h"; Debian installs it in /usr/include/imgui (IMGUI's cflags).
  target_link_libraries(shortrun_imgui_glfw_gl3 PUBLIC PkgConfig::IMGUI PkgConfig::GLFW3 OpenGL::GL ${CMAKE_DL_LIBS})
  # The backend sources include their headers by bare name: add Debian's backends/ header folder.
  target_include_directories(shortrun_imgui_glfw_gl3 PUBLIC /usr/include/imgui PRIVATE /usr/include/imgui/backends)
endif()
