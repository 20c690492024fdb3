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
    const bool plain = !name.empty() && name.front() != '.' && name.find_first_of("/\\") == std::string::npos;
    const auto file = dir_ / (name + ".xml");
    if (!plain || !std::filesystem::is_regular_file(file)) {
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
    return Template(file.string(), read_template_file(file.string()), Escaping::xml, profile_placeholders());
}

}  // namespace xcp::boot
