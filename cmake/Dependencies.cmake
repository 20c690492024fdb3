# Every dependency is a Debian 12 package installed by scripts/install-deps.
find_package(Boost 1.81 REQUIRED CONFIG)
find_package(pugixml REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(Threads REQUIRED)
