// A PostgreSQL database of one test's own, in the cluster CTest's "postgres"
// fixture started (scripts/postgres-cluster; its socket directory is
// in XCP_TEST_POSTGRES). Dropped when the test ends.
#pragma once

#include <string>

namespace xcp::test {

class TestDatabase {
public:
    TestDatabase();
    ~TestDatabase();
    TestDatabase(const TestDatabase&) = delete;
    TestDatabase& operator=(const TestDatabase&) = delete;

    // postgresql:///NAME?host=SOCKET-DIR&user=xcp
    [[nodiscard]] const std::string& url() const { return url_; }
    [[nodiscard]] const std::string& name() const { return name_; }
    // Runs SQL on this database (a test setting up an older schema).
    void execute(const std::string& sql) const;
    // The first column of the first row, as text ("" for none or NULL).
    [[nodiscard]] std::string value(const std::string& sql) const;

private:
    std::string socket_dir_;
    std::string name_;
    std::string url_;
};

// A cluster of one test's own (scripts/postgres-cluster), for a test
// that stops and starts the database under a running server. Stopped and
// removed when it goes.
class OwnPostgresCluster {
public:
    OwnPostgresCluster();
    ~OwnPostgresCluster();
    OwnPostgresCluster(const OwnPostgresCluster&) = delete;
    OwnPostgresCluster& operator=(const OwnPostgresCluster&) = delete;

    // Its database `postgres`, as --inventory takes it.
    [[nodiscard]] std::string url() const;
    void halt() const;    // an outage: stopped, its data kept
    void resume() const;  // started again on the same data and socket

private:
    [[nodiscard]] bool act(const std::string& action) const;
    std::string dir_;
};

// The cluster's socket directory; throws with what to do when it is not set.
std::string postgres_socket_dir();

}  // namespace xcp::test
