// FAT directory entries (32 bytes each) read as bytes: pure, so that the
// one-sector exchange of two files' contents can be checked without a disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xcp::installer {

inline constexpr std::size_t fat_entry_size = 32;

// The index of the entry with the 8.3 name `name` ("grub.cfg"; matched
// without regard to case, as FAT looks names up), skipping deleted entries,
// long-name parts and volume labels; nullopt when there is none before the
// end marker. A name that is not 8.3 matches nothing.
std::optional<std::size_t> find_short_entry(std::span<const unsigned char> directory, std::string_view name);

// Exchanges what entries `a` and `b` of `directory` point to: their first
// cluster (both halves) and their size. Names, attributes and times stay.
void exchange_entry_contents(std::span<unsigned char> directory, std::size_t a, std::size_t b);

// A chain as mshowfat prints it ("::/EFI/xenserver <4-5 9>"): the clusters
// in order, or nullopt when the text holds none.
std::optional<std::vector<std::uint32_t>> parse_cluster_chain(std::string_view mshowfat_output);

}  // namespace xcp::installer
