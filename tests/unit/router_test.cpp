// The route table alone: patterns, parsed parameters, methods, refusals.
#include "server/http/router.hpp"

#include <gtest/gtest.h>

namespace xcp::http {
namespace {

namespace bh = beast_http;

class RouterTest : public ::testing::Test {
protected:
    RouterTest()
    {
        router_.param("id", [](std::string_view s) -> std::variant<std::string, ParamRefused> {
            if (!s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos) {
                return "#" + std::string(s);  // parsed once, here
            }
            return ParamRefused{bh::status::bad_request, "'" + std::string(s) + "' is not a number"};
        });
        router_.param("word", [](std::string_view s) -> std::variant<std::string, ParamRefused> {
            if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyz") == std::string_view::npos) {
                return std::string(s);
            }
            return ParamRefused{bh::status::not_found, "no such word"};
        });
        add({bh::verb::get}, "/things", "list");
        add({bh::verb::post}, "/things", "create");
        add({bh::verb::post}, "/things/{word}/notes", "note by word");
        add({bh::verb::get}, "/things/{id}/notes", "notes");
        add({bh::verb::post}, "/things/{id}/{}", "action");
        add({bh::verb::get, bh::verb::delete_}, "/things/{id}", "one");
        add({}, "/files/{...}", "files");
    }

    void add(std::vector<bh::verb> methods, std::string_view pattern, std::string name)
    {
        router_.add(std::move(methods), pattern, [name](const RouteRequest&) { return text_reply(bh::status::ok, name); });
    }

    // The route's name and its parameters, or what the router said instead.
    std::string route(bh::verb method, std::string_view path)
    {
        const auto m = router_.match(method, path);
        if (const auto* found = std::get_if<Router::Found>(&m)) {
            const Request request;
            const Client client;
            std::string out = (*found->handler)(RouteRequest{request, client, {}, {}}).body;
            for (const auto& p : found->params) {
                out += " [" + p + "]";
            }
            return out;
        }
        if (const auto* other = std::get_if<Router::MethodNotAllowed>(&m)) {
            return "405 " + other->allow;
        }
        if (const auto* bad = std::get_if<Router::BadParameter>(&m)) {
            return std::to_string(static_cast<int>(bad->status)) + " " + bad->reason;
        }
        return "no route";
    }

    Router router_;
};

TEST_F(RouterTest, PatternsMatchWholeSegments)
{
    EXPECT_EQ(route(bh::verb::get, "/things"), "list");
    EXPECT_EQ(route(bh::verb::post, "/things"), "create");
    EXPECT_EQ(route(bh::verb::get, "/things/"), "no route") << "a trailing slash is another path";
    EXPECT_EQ(route(bh::verb::get, "/thingsx"), "no route");
    EXPECT_EQ(route(bh::verb::get, "/things/12/notes/x"), "no route");
    EXPECT_EQ(route(bh::verb::get, "/"), "no route");
    EXPECT_EQ(route(bh::verb::get, ""), "no route");
}

TEST_F(RouterTest, ParametersAreParsedOnceByTheirParser)
{
    EXPECT_EQ(route(bh::verb::get, "/things/12"), "one [#12]");
    EXPECT_EQ(route(bh::verb::get, "/things/12/notes"), "notes [#12]");
    EXPECT_EQ(route(bh::verb::post, "/things/12/archive"), "action [#12] [archive]");
    EXPECT_EQ(route(bh::verb::post, "/things/abc/notes"), "note by word [abc]") << "the first route that parses";
    EXPECT_EQ(route(bh::verb::post, "/things/12/notes"), "action [#12] [notes]");
    EXPECT_EQ(route(bh::verb::get, "/files/a/b/c"), "files [a/b/c]");
    EXPECT_EQ(route(bh::verb::get, "/files"), "files []");
}

TEST_F(RouterTest, ARefusedParameterIsSaidWhenNoOtherRouteTakesThePath)
{
    EXPECT_EQ(route(bh::verb::get, "/things/x1"), "400 'x1' is not a number");
    EXPECT_EQ(route(bh::verb::post, "/things/X/notes"), "404 no such word") << "the first refusal";
}

TEST_F(RouterTest, AnotherMethodIs405WithWhatIsAllowed)
{
    EXPECT_EQ(route(bh::verb::head, "/things"), "list") << "GET answers HEAD";
    EXPECT_EQ(route(bh::verb::put, "/things"), "405 GET, HEAD, POST");
    EXPECT_EQ(route(bh::verb::patch, "/things/12"), "405 GET, HEAD, DELETE");
    EXPECT_EQ(route(bh::verb::delete_, "/things/12"), "one [#12]");
    EXPECT_EQ(route(bh::verb::put, "/files/x"), "files [x]") << "no methods: any";
}

TEST(RouterPatterns, AreCheckedWhenAdded)
{
    Router router;
    const auto ok = [](const RouteRequest&) { return text_reply(beast_http::status::ok, ""); };
    EXPECT_THROW(router.add({}, "/a/{unknown}", ok), std::logic_error);
    EXPECT_THROW(router.add({}, "/a/{...}/b", ok), std::logic_error);
}

TEST(RouterQuery, IsDecodedOnce)
{
    const auto q = parse_query("status=0&name=a%20b&flag");
    ASSERT_TRUE(q);
    ASSERT_EQ(q->size(), 3u);
    EXPECT_EQ((*q)[1], (std::pair<std::string, std::string>("name", "a b")));
    EXPECT_EQ((*q)[2].second, "");
    EXPECT_FALSE(parse_query("a=%zz"));
    const Request request;
    const Client client;
    const RouteRequest r{request, client, {}, *q};
    EXPECT_EQ(r.query_value("status"), "0");
    EXPECT_FALSE(r.query_value("missing"));
}

}  // namespace
}  // namespace xcp::http
