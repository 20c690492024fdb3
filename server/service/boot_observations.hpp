// What each protocol saw, turned into a host's boot fetch (boot_fetch.hpp),
// or nullopt when it is not part of a boot. Pure.
#pragma once

#include "server/dhcp/server.hpp"
#include "server/http/handler.hpp"
#include "server/service/boot_fetch.hpp"
#include "server/tftp/transfer.hpp"

#include <optional>

namespace xcp::service {

std::optional<Fetch> fetch_from_tftp(const tftp::TransferResult& transfer);
// Only successful GETs of boot files and configs; answerfiles and reports
// make events of their own.
std::optional<Fetch> fetch_from_http(const http::Served& served);
std::optional<Fetch> fetch_from_dhcp(const dhcp::Answered& answered);

}  // namespace xcp::service
