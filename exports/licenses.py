"""The licenses a release may carry (Hub license ids), with a faithful summary and the link to
the full legal text, for LICENSE.txt and the dataset card."""

from dataclasses import dataclass

from django.conf import settings


class LicenseError(ValueError):
    pass


@dataclass(frozen=True)
class License:
    id: str
    name: str
    url: str
    summary: str


_CC_TERMS = (
    "Under the following terms:\n"
    "- Attribution: you must give appropriate credit, provide a link to the license, and\n"
    "  indicate if changes were made. You may do so in any reasonable manner, but not in any\n"
    "  way that suggests the licensor endorses you or your use.\n"
)
_CC_NC = "- NonCommercial: you may not use the material for commercial purposes.\n"
_CC_SA = (
    "- ShareAlike: if you remix, transform, or build upon the material, you must distribute\n"
    "  your contributions under the same license as the original.\n"
)
_CC_FREEDOMS = (
    "You are free to:\n"
    "- Share: copy and redistribute the material in any medium or format.\n"
    "- Adapt: remix, transform, and build upon the material{purpose}.\n"
)
_CC_END = (
    "- No additional restrictions: you may not apply legal terms or technological measures\n"
    "  that legally restrict others from doing anything the license permits.\n"
)

LICENSES = {
    item.id: item
    for item in (
        License(
            "cc-by-nc-4.0",
            "Creative Commons Attribution-NonCommercial 4.0 International",
            "https://creativecommons.org/licenses/by-nc/4.0/legalcode",
            _CC_FREEDOMS.format(purpose="") + _CC_TERMS + _CC_NC + _CC_END,
        ),
        License(
            "cc-by-4.0",
            "Creative Commons Attribution 4.0 International",
            "https://creativecommons.org/licenses/by/4.0/legalcode",
            _CC_FREEDOMS.format(purpose=" for any purpose, even commercially")
            + _CC_TERMS
            + _CC_END,
        ),
        License(
            "cc-by-sa-4.0",
            "Creative Commons Attribution-ShareAlike 4.0 International",
            "https://creativecommons.org/licenses/by-sa/4.0/legalcode",
            _CC_FREEDOMS.format(purpose=" for any purpose, even commercially")
            + _CC_TERMS
            + _CC_SA
            + _CC_END,
        ),
        License(
            "cc-by-nc-sa-4.0",
            "Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International",
            "https://creativecommons.org/licenses/by-nc-sa/4.0/legalcode",
            _CC_FREEDOMS.format(purpose="") + _CC_TERMS + _CC_NC + _CC_SA + _CC_END,
        ),
        License(
            "cc0-1.0",
            "Creative Commons Zero v1.0 Universal",
            "https://creativecommons.org/publicdomain/zero/1.0/legalcode",
            "The person who associated a work with this deed has dedicated the work to the public\n"
            "domain by waiving all of their rights to the work worldwide under copyright law,\n"
            "including all related and neighboring rights, to the extent allowed by law. You can\n"
            "copy, modify, distribute and perform the work, even for commercial purposes, all\n"
            "without asking permission.\n",
        ),
    )
}


def release_license(license_id: str | None = None) -> License:
    """The configured license (settings.RELEASE_LICENSE), or a clear error naming the choices."""
    license_id = (license_id or settings.RELEASE_LICENSE).strip().lower()
    try:
        return LICENSES[license_id]
    except KeyError:
        choices = ", ".join(sorted(LICENSES))
        raise LicenseError(
            f"RELEASE_LICENSE={license_id!r} is not a license we can write; use one of {choices}."
        ) from None


def license_text(license: License, title: str, year: int) -> str:
    """LICENSE.txt: the license's name, a summary of its terms and the link to the legal code."""
    return (
        f"{title}\n"
        f"Copyright (c) {year} Pathways Financial Planning\n\n"
        f"This dataset is licensed under the {license.name} license ({license.id}).\n\n"
        f"{license.summary}\n"
        "This is a human-readable summary of (and not a substitute for) the license. The full\n"
        f"legal text is at {license.url}\n\n"
        "The conversations are synthetic: the clients are fictional personas, and nothing in\n"
        "them is financial, legal or tax advice for any real person.\n"
    )
