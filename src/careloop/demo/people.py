"""Who the demo brand's customers and staff are: names that fit each country and language,
the salons that buy wholesale, and the support team around the world."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from typing import Any

from careloop.accounts.model import Role

_W = str.split

# (country, language) -> (first names, last names)
NAMES: dict[tuple[str, str], tuple[list[str], list[str]]] = {
    ("US", "en"): (
        _W(
            "Keisha Aaliyah Jasmine Tiffany Monique Brianna Destiny Ashley Imani Tamika "
            "Jada Shanice Kiara Nicole Danielle Ebony Crystal Latoya Erica Simone Taylor Morgan"
        ),
        _W(
            "Johnson Williams Brown Jackson Davis Harris Robinson Thompson Walker Washington "
            "Jefferson Coleman Bryant Simmons Gaines Freeman Mitchell Carter Banks Wright"
        ),
    ),
    ("US", "es"): (
        _W("María Guadalupe Daniela Valeria Yesenia Marisol Andrea Lucía Gabriela Ximena Rosa"),
        _W("García Hernández López Martínez Rodríguez González Pérez Ramírez Torres Flores Cruz"),
    ),
    ("CA", "en"): (
        _W("Sarah Jessica Amanda Chantal Renée Olivia Abigail Priya Kayla Nadine Shauna Tanya"),
        _W("Smith Brown Campbell Clarke Francis Grant Henry Baptiste Lewis Reid Thomas Walsh"),
    ),
    ("CA", "fr"): (
        _W("Geneviève Marie-Ève Isabelle Nathalie Mélissa Josée Chloé Roseline Stéphanie Élise"),
        _W("Tremblay Gagnon Roy Côté Bouchard Gauthier Pierre-Louis Jean-Baptiste Joseph Lavoie"),
    ),
    ("GB", "en"): (
        _W(
            "Chloe Amelia Abena Chantelle Funmi Jade Leah Sophie Tia Shanice Zara Grace Precious "
            "Ama Charlotte Naomi Rochelle Keira"
        ),
        _W(
            "Smith Jones Taylor Mensah Okafor Campbell Clarke Osei Williams Edwards Hughes "
            "Adeyemi Boateng Richards Francis Morgan"
        ),
    ),
    ("FR", "fr"): (
        _W(
            "Aminata Fatou Mariam Camille Léa Chloé Inès Aïssatou Awa Manon Sarah Kadidja "
            "Océane Nadia Mélanie Clémence"
        ),
        _W(
            "Diallo Traoré Koné Martin Bernard Dubois Diop Ndiaye Sylla Moreau Laurent Fofana "
            "Camara Lefèvre Petit Mendy"
        ),
    ),
    ("DE", "de"): (
        _W(
            "Anna Lena Sophie Leonie Hannah Mia Jana Amara Yaa Lisa Sarah Nina Jasmin Chiara Miriam"
        ),
        _W(
            "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Mensah Boateng Hoffmann "
            "Schäfer Koch Asante Wolf"
        ),
    ),
    ("NG", "en"): (
        _W(
            "Chiamaka Ngozi Adaeze Funke Blessing Amaka Tolu Chioma Ifeoma Precious Kemi Nneka "
            "Oluchi Ebere Favour Joy Uche Ezinne"
        ),
        _W(
            "Okafor Eze Okonkwo Nwosu Obi Adeyemi Okeke Chukwu Nnamdi Okoro Ibekwe Uzor Onyeka "
            "Ezeani Amadi"
        ),
    ),
    ("NG", "yo"): (
        _W("Folake Adunni Bukola Yetunde Titilayo Omolara Abimbola Morenike Temitope Ayomide"),
        _W("Adebayo Ogunleye Balogun Adeyemi Olawale Oyelaran Afolabi Ogundipe Akinola Ajayi"),
    ),
    ("NG", "ha"): (
        _W("Aisha Fatima Zainab Hauwa Maryam Hadiza Amina Rukayya Halima Khadija Safiya"),
        _W("Bello Abubakar Musa Usman Sani Ibrahim Garba Lawal Danjuma Aliyu Shehu"),
    ),
    ("ZA", "en"): (
        _W(
            "Thandi Lerato Naledi Palesa Michelle Chantal Refilwe Tumi Keabetswe Kelly Bianca "
            "Mpho Karabo Ayanda Candice"
        ),
        _W(
            "Mokoena Nkosi Dlamini Naidoo Botha Molefe Mahlangu Sithole Pillay Petersen "
            "Mthembu Khoza Van Wyk Maseko"
        ),
    ),
    ("ZA", "zu"): (
        _W("Nomvula Zanele Thandeka Sibongile Nokuthula Lindiwe Ntombi Sindisiwe Nomsa Zodwa"),
        _W("Dlamini Zulu Khumalo Ngcobo Mthembu Ndlovu Mkhize Shabalala Cele Gumede Buthelezi"),
    ),
    ("KE", "en"): (
        _W("Wanjiru Achieng Akinyi Njeri Wairimu Mercy Faith Naomi Cynthia Sharon Gladys Joy"),
        _W("Otieno Kamau Mwangi Wanjiku Ochieng Kiprono Mutua Njoroge Odhiambo Kariuki Chebet"),
    ),
    ("KE", "sw"): (
        _W("Amina Zawadi Neema Rehema Halima Mwanaisha Imani Baraka Zuhura Saida Tatu Furaha"),
        _W("Mohamed Omar Ali Said Hassan Juma Mwinyi Salim Bakari Athumani Rashid Mwakilema"),
    ),
}

# Salons and wholesale buyers of the B2B line, by country.
SALONS: dict[str, list[str]] = {
    "US": ["Crown & Glory Hair Studio", "Silk Press Society", "Halo Beauty Bar Atlanta"],
    "CA": ["Maison Boucles Montréal", "Crown Room Toronto"],
    "GB": ["Peckham Crown Studio", "Velvet Edge Hair Lounge"],
    "FR": ["Maison Kinky Beauté", "Château Rouge Coiffure"],
    "DE": ["Haarstudio Aurora", "Afro Hair Lounge Köln"],
    "NG": ["Lekki Hair Lounge", "Ikeja Glam Studio", "Wuse Beauty Hub"],
    "ZA": ["Soweto Crown Beauty Bar", "Umhlanga Hair Atelier"],
    "KE": ["Nairobi Glam Studio", "Kilimani Crown Salon"],
}

_MAIL_DOMAINS = ("example.com", "example.net", "example.org")


def ascii_slug(text: str, sep: str = ".") -> str:
    """Lower-case ASCII letters and digits only, words joined by `sep` (for e-mail addresses)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in folded.lower()).split()
    return sep.join(words)


def person_name(rng: random.Random, country: str, language: str) -> tuple[str, str]:
    """A first and last name that fit the country and language."""
    found = NAMES.get((country, language))
    if found is None:  # a minority language of the market: the market's usual names
        found = next(names for (c, _), names in NAMES.items() if c == country)
    firsts, lasts = found
    return rng.choice(firsts), rng.choice(lasts)


def customer_email(rng: random.Random, first: str, last: str, taken: set[str]) -> str:
    """A private-looking address on a reserved example domain, unique among `taken`."""
    f, la = ascii_slug(first, ""), ascii_slug(last, "")
    shapes = (
        f"{f}.{la}",
        f"{f}{la}",
        f"{f[0]}.{la}",
        f"{f}_{la}",
        f"{f}.{la}{rng.randint(1, 99)}",
        f"{f}{rng.randint(70, 99)}",
    )
    local = shapes[rng.randrange(len(shapes))]
    domain = _MAIL_DOMAINS[rng.randrange(len(_MAIL_DOMAINS))]
    address = f"{local}@{domain}"
    n = 2
    while address in taken:
        address = f"{local}{n}@{domain}"
        n += 1
    taken.add(address)
    return address


_PHONE = {
    "US": "+1 {us} 555-01{n2}",
    "CA": "+1 {ca} 555-01{n2}",
    "GB": "+44 7700 900{n3}",
    "FR": "+33 6 {n2} {m2} {o2} {p2}",
    "DE": "+49 15{d1} {n8}",
    "NG": "+234 80{d1} {n3} {n4}",
    "ZA": "+27 8{d1} {n3} {n4}",
    "KE": "+254 7{n2} {n3} {m3}",
}


def phone(rng: random.Random, country: str) -> str:
    """A phone number in the country's shape (North American and British ones in the ranges
    reserved for fiction)."""

    def digits(n: int) -> str:
        return "".join(str(rng.randrange(10)) for _ in range(n))

    parts = {
        "us": ("404", "212", "713", "305", "312", "301")[rng.randrange(6)],
        "ca": ("416", "514", "604", "403", "613")[rng.randrange(5)],
        "d1": str(rng.randint(1, 9)),
        "n2": digits(2),
        "m2": digits(2),
        "o2": digits(2),
        "p2": digits(2),
        "n3": digits(3),
        "m3": digits(3),
        "n4": digits(4),
        "n8": digits(8),
    }
    return _PHONE[country].format(**parts)


@dataclass(frozen=True)
class StaffMember:
    name: str
    role: Role
    timezone: str
    languages: tuple[str, ...]  # what the person answers tickets in
    locale: str = "en"
    # The working profile of those who take tickets (agents, and supervisors who also do):
    country: str | None = None  # whose public holidays they observe
    team: str | None = None
    shift: str | None = None  # the shift template they work (demo/workforce.py)
    skills: tuple[str, ...] = ()  # none: every ticket
    capacity: int = 12
    # Whether the demo gives a password: hashing one costs ~0.15 s, and the demo runs in tests,
    # so the agents added to fill the roster have none (an admin can set one).
    signs_in: bool = True

    @property
    def takes_tickets(self) -> bool:
        return self.shift is not None


STAFF_DOMAIN = "lumahair.example"

EUROPE_AFRICA, AMERICAS, ASIA_PACIFIC = "Europe & Africa", "Americas", "Asia-Pacific"
# Team -> its lead (a supervisor or a senior agent of the region).
TEAM_LEADS = {EUROPE_AFRICA: "Amara Okoye", AMERICAS: "Isabelle Tremblay", ASIA_PACIFIC: "Li Wei"}


def _agent(
    name: str,
    where: tuple[str, str],  # time zone, country
    languages: str,
    team: str,
    shift: str,
    *,
    role: Role = Role.AGENT,
    skills: tuple[str, ...] = (),
    capacity: int = 12,
    locale: str = "en",
    signs_in: bool = True,
) -> StaffMember:
    timezone, country = where
    return StaffMember(
        name,
        role,
        timezone,
        tuple(languages.split()),
        locale,
        country,
        team,
        shift,
        skills,
        capacity,
        signs_in,
    )


def _filler(*args: Any, **kwargs: Any) -> StaffMember:
    """An agent added to fill the roster: no password (see StaffMember.signs_in)."""
    return _agent(*args, **kwargs, signs_in=False)


_EA, _AM, _AP = EUROPE_AFRICA, AMERICAS, ASIA_PACIFIC
_LAGOS, _PARIS, _BERLIN = ("Africa/Lagos", "NG"), ("Europe/Paris", "FR"), ("Europe/Berlin", "DE")
_TORONTO, _CHICAGO = ("America/Toronto", "CA"), ("America/Chicago", "US")
_MANILA, _SHANGHAI = ("Asia/Manila", "PH"), ("Asia/Shanghai", "CN")

# One person for each role, then the rest of the support team around the world. New people go
# at the end: passwords are drawn in this order. The two supervisors also take tickets.
STAFF = (
    StaffMember("Grace Mensah", Role.ADMIN, "Europe/London", ("en",)),
    _agent(
        "Li Wei",
        _SHANGHAI,
        "en zh",
        _AP,
        "Asia day",
        role=Role.SUPERVISOR,
        capacity=8,
        locale="zh_Hans",
    ),
    _agent("Amara Okoye", _LAGOS, "en yo", _EA, "Africa day"),
    StaffMember("Daniel Roth", Role.VIEWER, "Europe/Berlin", ("de", "en")),
    StaffMember("Kofi Asante", Role.INTEGRATOR, "Europe/London", ("en",)),
    _agent("Aisha Bello", _LAGOS, "en ha yo", _EA, "Africa day"),
    _agent("Wanjiru Kamau", ("Africa/Nairobi", "KE"), "en sw", _EA, "Africa east"),
    _agent(
        "Thandeka Dlamini", ("Africa/Johannesburg", "ZA"), "en zu", _EA, "Africa east", capacity=10
    ),
    _agent("Camille Laurent", _PARIS, "fr en", _EA, "EU early", capacity=14),
    _agent("Jonas Weber", _BERLIN, "de en", _EA, "EU early"),
    _agent("Isabelle Tremblay", _TORONTO, "en fr", _AM, "Americas day", capacity=10),
    _agent("Keisha Brown", _CHICAGO, "en es", _AM, "Americas late", capacity=15),
    _agent("Maria Reyes", _MANILA, "en es", _AP, "Asia early"),
    _agent(
        "Zhang Min",
        _SHANGHAI,
        "en zh",
        _AP,
        "Asia day",
        role=Role.SUPERVISOR,
        capacity=8,
        locale="zh_Hans",
    ),
    # The team grown to cover every hour of the week (demo/workforce.py plans their shifts).
    _filler("Lucía García", ("Europe/Madrid", "ES"), "es en de", _EA, "EU early"),
    _filler("Lena Fischer", _BERLIN, "de en", _EA, "EU late"),
    _filler("Léa Martin", _PARIS, "fr de en", _EA, "EU late", capacity=10),
    _filler(
        "Chloe Taylor",
        ("Europe/London", "GB"),
        "en",
        _EA,
        "EU late",
        skills=("category:quality",),
        capacity=8,
    ),  # the quality specialist
    _filler("Aminata Diallo", ("Africa/Dakar", "SN"), "fr en wo", _EA, "Africa day"),
    _filler(
        "Tiffany Johnson",
        ("America/New_York", "US"),
        "en",
        _AM,
        "Americas day",
        skills=("channel:chat",),
        capacity=15,
    ),  # chat only, many conversations at once
    _filler("Daniela Hernández", ("America/Mexico_City", "MX"), "es en", _AM, "Americas day"),
    _filler("Geneviève Gagnon", _TORONTO, "fr en", _AM, "Americas late", capacity=10),
    _filler("Jada Williams", _CHICAGO, "en", _AM, "Americas late", capacity=14),
    _filler("Angelica Santos", _MANILA, "en tl", _AP, "Asia early"),
    _filler("Joy Dela Cruz", _MANILA, "en tl", _AP, "Asia early", capacity=9),
    _filler("Priya Raman", ("Asia/Singapore", "SG"), "en ta", _AP, "Asia day"),
)


def staff_email(member: StaffMember) -> str:
    return f"{ascii_slug(member.name)}@{STAFF_DOMAIN}"


_WORDS = _W(
    "amber baobab cedar coral delta ember fjord harbor indigo jasmine kestrel lagoon mango "
    "nutmeg orchid pepper quartz river saffron tamarind umber velvet willow zephyr"
)


def staff_password(rng: random.Random) -> str:
    """A readable password drawn from the seed: same seed, same password (demo only)."""
    return f"{rng.choice(_WORDS)}-{rng.choice(_WORDS)}-{rng.randint(10, 99)}"
