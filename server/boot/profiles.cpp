#include "server/boot/profiles.hpp"

#include "server/boot/host_values.hpp"

#include <algorithm>

namespace xcp::boot {

std::vector<ProfileInfo> Profiles::list() const
{
    std::vector<ProfileInfo> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
        if (entry.path().extension() != ".xml" || !entry.is_regular_file()) {
            continue;
        }
        ProfileInfo info{entry.path().stem().string(), entry.path(), {}};
        try {
            (void)load(info.name);
        } catch (const TemplateError& e) {
            info.problem = e.what();
        }
        out.push_back(std::move(info));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

Template Profiles::load(const std::string& name) const
{
    return from_text(name, text(name));
}

Template Profiles::from_text(const std::string& name, std::string text) const
{
    return Template(file(name).string(), std::move(text), Escaping::xml, profile_placeholders());
}

std::string Profiles::text(const std::string& name) const
{
    const bool plain = !name.empty() && name.front() != '.' && name.find_first_of("/\\") == std::string::npos;
    const auto file = dir_ / (name + ".xml");
    struct stat st {};
    if (plain && ::stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        auto& cached = texts_[name];
        if (cached.inode != st.st_ino || cached.size != st.st_size || cached.mtime.tv_sec != st.st_mtim.tv_sec ||
            cached.mtime.tv_nsec != st.st_mtim.tv_nsec) {
            cached = {st.st_ino, st.st_size, st.st_mtim, read_template_file(file.string())};
        }
        return cached.text;
    }
    std::string known;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
        if (entry.path().extension() == ".xml") {
            known += (known.empty() ? "" : ", ") + entry.path().stem().string();
        }
    }
    throw TemplateError("profile '" + name + "' is not in " + dir_.string() +
                        (known.empty() ? " (it holds no NAME.xml)" : " (profiles there: " + known + ")"));
}

}  // namespace xcp::boot
