# Two Debian packages from this build, `cpack -G DEB` (scripts/package):
#   xcp-pxe        the server: /usr/sbin/xcp-pxe, templates and profiles under
#                  /usr/share/xcp-pxe, the operator's page (ui/), /etc/xcp-pxe/xcp-pxe.toml (a conffile),
#                  the systemd unit, a system user made in postinst;
#   xcp-installer  the on-host installer, for install images, not servers.
# Dependencies are computed by dpkg-shlibdeps, not typed.

install(DIRECTORY ${PROJECT_SOURCE_DIR}/pxe-templates/ DESTINATION share/xcp-pxe/pxe-templates COMPONENT server)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/ui/ DESTINATION share/xcp-pxe/ui COMPONENT server)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/answerfiles/profiles/ DESTINATION share/xcp-pxe/answerfiles/profiles
        COMPONENT server)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/xcp-pxe.toml DESTINATION /etc/xcp-pxe COMPONENT server)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/xcp-pxe.service DESTINATION /lib/systemd/system COMPONENT server)

# Debian wants a copyright file and a compressed changelog in each package's
# doc directory.
set(XCP_CHANGELOG ${PROJECT_BINARY_DIR}/packaging/changelog)
string(TIMESTAMP XCP_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(XCP_MAINTAINER "xcp-pxe developers <xcp-pxe@xcp-pxe.invalid>")
foreach(package xcp-pxe xcp-installer)
  file(WRITE ${PROJECT_BINARY_DIR}/packaging/${package}/changelog
       "${package} (${PROJECT_VERSION}) unstable; urgency=medium\n\n"
       "  * Built from the project's source tree.\n\n"
       " -- ${XCP_MAINTAINER}  ${XCP_CHANGELOG_DATE}\n")
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/packaging/${package}/changelog.gz
                     COMMAND gzip -9nkf ${PROJECT_BINARY_DIR}/packaging/${package}/changelog
                     DEPENDS ${PROJECT_BINARY_DIR}/packaging/${package}/changelog)
  list(APPEND XCP_CHANGELOGS ${PROJECT_BINARY_DIR}/packaging/${package}/changelog.gz)
endforeach()
add_custom_target(package_changelogs ALL DEPENDS ${XCP_CHANGELOGS})
foreach(pair "xcp-pxe;server" "xcp-installer;installer")
  list(GET pair 0 package)
  list(GET pair 1 component)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright ${PROJECT_BINARY_DIR}/packaging/${package}/changelog.gz
          DESTINATION share/doc/${package} COMPONENT ${component})
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/xcp-pxe COMPONENT server)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME xcp-pxe)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${XCP_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${XCP_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server installer)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME xcp-pxe)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION net)
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_SERVER_PACKAGE_RECOMMENDS "pxelinux, syslinux-common")
# `image build` carries these into the install image.
set(CPACK_DEBIAN_SERVER_PACKAGE_SUGGESTS "xcp-installer, busybox, e2fsprogs, dosfstools, mtools, extlinux, grub-common, grub-pc-bin, lbzip2, iproute2, udhcpc, binutils, kmod")
set(CPACK_DEBIAN_SERVER_DESCRIPTION "network installs of Xen / XCP-ng hosts
xcp-pxe serves a whole PXE boot from one daemon: a DHCP helper (proxyDHCP by
default, full DHCP where asked), TFTP, and HTTP (install repositories, a
generated answerfile per host, status reports, an admin API, metrics). It
keeps the host inventory and switches each host to local boot after its
install.")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/packaging/server/postinst;${PROJECT_SOURCE_DIR}/packaging/server/postrm;${PROJECT_SOURCE_DIR}/packaging/server/conffiles")

set(CPACK_DEBIAN_INSTALLER_PACKAGE_NAME xcp-installer)
set(CPACK_DEBIAN_INSTALLER_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_INSTALLER_PACKAGE_RECOMMENDS "e2fsprogs, dosfstools, mtools, extlinux, syslinux-common, grub-common, grub-pc-bin, udhcpc, lbzip2")
set(CPACK_DEBIAN_INSTALLER_DESCRIPTION "on-host installer of Xen / XCP-ng, for install images
xcp-installer runs inside an install environment on the target host: it reads
the answerfile, probes the disks, plans (--dry-run prints the plan) and
installs, reporting to xcp-pxe. It belongs in install images, not on the
server.")

include(CPack)
