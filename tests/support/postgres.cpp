#include "tests/support/postgres.hpp"

#include "tests/support/process.hpp"

#include <pqxx/pqxx>

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>

namespace xcp::test {

namespace {

std::string admin_url(const std::string& socket_dir)
{
    return "postgresql:///postgres?host=" + socket_dir + "&user=xcp";
}

}  // namespace

std::string postgres_socket_dir()
{
    const char* dir = std::getenv("XCP_TEST_POSTGRES");
    if (dir == nullptr || *dir == '\0') {
        throw std::runtime_error("XCP_TEST_POSTGRES is not set: run the tests through ctest, whose fixture "
                                 "`postgres` starts the cluster, or start one with scripts/postgres-cluster "
                                 "start DIR and set XCP_TEST_POSTGRES=DIR");
    }
    return dir;
}

TestDatabase::TestDatabase() : socket_dir_(postgres_socket_dir())
{
    static std::atomic<int> counter{0};
    name_ = "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    pqxx::connection admin(admin_url(socket_dir_));
    pqxx::nontransaction t(admin);
    t.exec("CREATE DATABASE " + name_);
    url_ = "postgresql:///" + name_ + "?host=" + socket_dir_ + "&user=xcp";
}

TestDatabase::~TestDatabase()
{
    try {
        pqxx::connection admin(admin_url(socket_dir_));
        pqxx::nontransaction t(admin);
        t.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (...) {  // NOLINT(bugprone-empty-catch): the cluster goes with the fixture anyway
    }
}

OwnPostgresCluster::OwnPostgresCluster()
{
    std::string tmpl = "/tmp/xcp-pg-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    dir_ = tmpl;
    if (!act("start")) {
        throw std::runtime_error("postgres-cluster start " + dir_ + " failed");
    }
}

OwnPostgresCluster::~OwnPostgresCluster()
{
    (void)act("stop");
}

bool OwnPostgresCluster::act(const std::string& action) const
{
    const auto r = run(quote(std::string(XCP_SOURCE_DIR) + "/scripts/postgres-cluster") + " " + action + " " +
                           quote(dir_),
                       std::chrono::seconds(90));
    return r.exit_code == 0;
}

std::string OwnPostgresCluster::url() const
{
    return "postgresql:///postgres?host=" + dir_ + "&user=xcp";
}

void OwnPostgresCluster::halt() const
{
    if (!act("halt")) {
        throw std::runtime_error("postgres-cluster halt " + dir_ + " failed");
    }
}

void OwnPostgresCluster::resume() const
{
    if (!act("resume")) {
        throw std::runtime_error("postgres-cluster resume " + dir_ + " failed");
    }
}

void TestDatabase::execute(const std::string& sql) const
{
    pqxx::connection c(url_);
    pqxx::nontransaction t(c);
    t.exec(sql);
}

std::string TestDatabase::value(const std::string& sql) const
{
    pqxx::connection c(url_);
    pqxx::nontransaction t(c);
    const auto r = t.exec(sql);
    return r.empty() || r[0][0].is_null() ? std::string() : r[0][0].c_str();
}

}  // namespace xcp::test
