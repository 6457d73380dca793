"""Board templates: the SMK 2030 domains and member gminas, or a blank board."""

from __future__ import annotations

# key, Polish name, colour (all pass WCAG AA as text on white and as fills behind white text)
SMK2030_DOMAINS = (
    ("zarzadzanie", "Inteligentne zarządzanie", "#5b3f9e"),
    ("mobilnosc", "Mobilność", "#1f5fa8"),
    ("srodowisko", "Środowisko i przestrzeń", "#2e7031"),
    ("gospodarka", "Gospodarka", "#9a4a00"),
    ("kultura", "Kultura czasu wolnego", "#a3245e"),
    ("edukacja", "Edukacja", "#00707a"),
    ("uslugi", "Usługi społeczne", "#b3261e"),
)

SMK2030_GMINAS = (
    "Kraków",
    "Biskupice",
    "Czernichów",
    "Igołomia-Wawrzeńczyce",
    "Kocmyrzów-Luborzyca",
    "Liszki",
    "Michałowice",
    "Mogilany",
    "Niepołomice",
    "Skawina",
    "Świątniki Górne",
    "Wieliczka",
    "Wielka Wieś",
    "Zabierzów",
    "Zielonki",
)

GROUP_COLORS = ("#1f5fa8", "#2e7031", "#9a4a00", "#a3245e", "#00707a", "#5b3f9e", "#b3261e")

# Code prefixes for pieces made on a domain without a code of their own.
CODE_PREFIXES = {
    "zarzadzanie": "ZAR",
    "mobilnosc": "MOB",
    "srodowisko": "SRO",
    "gospodarka": "GOS",
    "kultura": "KUL",
    "edukacja": "EDU",
    "uslugi": "USL",
}

TEMPLATES = {
    "smk2030": {"domains": SMK2030_DOMAINS, "partners": SMK2030_GMINAS},
    "blank": {"domains": (), "partners": ()},
}
