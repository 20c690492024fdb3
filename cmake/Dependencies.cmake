# Every dependency is a Debian 12 package installed by scripts/install-deps.
find_package(Boost 1.81 REQUIRED CONFIG)
find_package(pugixml REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(Threads REQUIRED)
find_package(boost_url 1.81 REQUIRED CONFIG)
find_package(tomlplusplus REQUIRED)
find_package(SQLite3 REQUIRED)
# libxcrypt has no CMake package (debian-deps.md): pkg-config, global so that
# the tests can check hashes too.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBXCRYPT REQUIRED IMPORTED_TARGET GLOBAL libxcrypt)
# sd_notify, for the unit's Type=notify.
pkg_check_modules(LIBSYSTEMD REQUIRED IMPORTED_TARGET GLOBAL libsystemd)
# PostgreSQL inventory (Debian 12: libpqxx 6.4)
pkg_check_modules(LIBPQXX REQUIRED IMPORTED_TARGET GLOBAL libpqxx)
find_package(LibArchive REQUIRED)
