// Kernels for tests come from Debian's archive: fetched with `apt-get
// download` into a cache outside the tree (kept between runs), never
// installed.
#pragma once

#include <filesystem>
#include <string>

namespace xcp::test {

// The .deb of PACKAGE (a metapackage such as linux-image-amd64 is followed
// to the package it depends on). Throws, failing the test, when apt cannot
// fetch it.
std::filesystem::path debian_package(const std::string& package);

}  // namespace xcp::test
