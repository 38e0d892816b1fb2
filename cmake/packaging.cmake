# Install layout and the Debian package: bin/shortrun and bin/shortrun-explorer; the bundled
# models, feature net and shaders under share/shortrun (the programs look there, relative to
# their own location); desktop entry, icons and the .safetensors MIME type for the explorer.
install(FILES ${PROJECT_SOURCE_DIR}/assets/fmnist.safetensors ${PROJECT_SOURCE_DIR}/assets/fmnist_features.safetensors
              ${PROJECT_SOURCE_DIR}/assets/fmnist_vae.safetensors ${PROJECT_SOURCE_DIR}/assets/fmnist_gan.safetensors
              ${PROJECT_SOURCE_DIR}/assets/README.md
        DESTINATION share/shortrun/assets)
# Example inputs of `shortrun score` (the OOD probe), made by scripts/make_ood_assets.py.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/assets/ood DESTINATION share/shortrun/assets)
if(TARGET shortrun-explorer)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/shortrun-explorer.desktop DESTINATION share/applications)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/shortrun-explorer.svg DESTINATION share/icons/hicolor/scalable/apps)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/shortrun-explorer.png DESTINATION share/icons/hicolor/256x256/apps)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/shortrun-safetensors.xml DESTINATION share/mime/packages)
endif()

set(CPACK_PACKAGE_NAME shortrun)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Shortrun Explorer developers <shortrun@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Energy-based models learned with short-run MCMC: CLI and explorer")
set(CPACK_PACKAGE_INSTALL_DIRECTORY shortrun)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # shortrun_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION science)
# Runtime libraries from the binaries themselves (dpkg-shlibdeps), plus what is loaded by name.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(shortrun_deb_extra_depends "")
if(TARGET shortrun-explorer)
  set(shortrun_deb_extra_depends "fonts-dejavu-core")
endif()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${shortrun_deb_extra_depends}")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "xvfb, ffmpeg, python3-torch")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
