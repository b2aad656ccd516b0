"""Word lists for the sandbox data generator: Dutch names, supplier brands, package domains, cooperations.

Invented combinations only; no real person or company is meant. Kept apart so datagen.py stays readable.
"""

from __future__ import annotations

__all__ = [
    "FIRST_NAMES",
    "INFIXES",
    "LAST_NAMES",
    "JOB_TITLES",
    "BRAND_HEADS",
    "BRAND_TAILS",
    "LEGAL_FORMS",
    "DOMAINS",
    "COOP_KINDS",
    "COMMUNITIES",
    "EXTERNAL_PROVISIONS",
    "STANDARDS",
]

FIRST_NAMES = (
    "Anna Bram Carla Daan Eva Femke Gerrit Hanna Ilse Jan Joost Karin Lars Lotte Maarten Marieke Niels "
    "Noor Olaf Petra Quinten Roos Sander Sanne Thijs Tessa Ruben Vera Wouter Yvonne Zeynep Ahmed Fatima "
    "Mohamed Esra Kees Dirk Ingrid Marloes Bas Jeroen Linda Mark Sophie Tim Lisa Rik Annemiek Hester "
    "Job Floor Pieter Willemijn Koen Saskia Erik Mirjam Henk Jolanda Arjen Nadia Youssef Sven Iris"
).split()
INFIXES = ("", "", "", "", "", "de", "van", "van der", "van den", "ter", "te", "in 't", "van de")
LAST_NAMES = (
    "Jansen Bakker Visser Smit Meijer Mulder Bos Vos Peters Hendriks Dekker Brouwer Dijkstra Kok "
    "Jacobs Vermeulen Willems Hoekstra Koster Prins Huisman Postma Kuipers Veenstra Schouten Blom "
    "Molenaar Wolters Timmermans Groen Sanders Kramer Verhoeven Bosman Hofman Gerritsen Koning Maas "
    "Verbeek Scholten Kuiper Brink Vries Berg Boer Wit Graaf Leeuw Heuvel Laan Veen Haan Wal Velde "
    "Hoek Linden Yilmaz Kaya Demir Boukhari Elbaz Nguyen Tan Wijaya Çelik Öztürk Sluis Dam Rijn "
    "Ruiter Beek Zanten Leeuwen Eijk Stam Ploeg Hulst Roos Esch Kamp Mol Evers Lammers Driessen"
).split()
JOB_TITLES = (
    "Functioneel beheerder",
    "Applicatiebeheerder",
    "Informatieadviseur",
    "CIO-adviseur",
    "Informatiemanager",
    "Accountmanager",
    "Productmanager",
    "Privacy officer",
    "Enterprise architect",
    "Teamleider I&A",
    "Servicedesk medewerker",
    "Adviseur informatievoorziening",
    "Solution architect",
)
BRAND_HEADS = (
    "Data Info Civi Gemi Stad Raad Loket Zaak Regi Publi Dossi Akte Kader Basis Nexo Orbi Quadra "
    "Vecto Lumi Terra Portaal Archi Brug Haven Kompas Ijk Meld Spoor Sleutel Anker Baken Delta Rivier "
    "Polder Duin Kanaal Toren Vesting Molen Gracht Dijk Kade Sluis Veld Akker Heide Linde Eik Beuk Berk"
).split()
BRAND_TAILS = (
    "vorm werk net soft logic ware link flow point plan base lab tec sys data line wise gate hub core "
    "stroom punt baan lijn kracht veld zorg kennis"
).split()
LEGAL_FORMS = ("B.V.", "B.V.", "B.V.", "", "Software B.V.", "ICT", "Solutions", "Groep", "N.V.", "Nederland")
DOMAINS = (
    "Zaken",
    "Burgerzaken",
    "Vergunningen",
    "Belastingen",
    "WOZ",
    "Sociaal Domein",
    "Jeugd",
    "Wmo",
    "Participatie",
    "Documentbeheer",
    "Archief",
    "GIS",
    "Parkeren",
    "Financiën",
    "Personeel",
    "Inkoop",
    "Klantcontact",
    "Website",
    "Formulieren",
    "Omgevingswet",
    "Handhaving",
    "Subsidies",
    "Raadsinformatie",
    "Begraafplaatsen",
    "Leerlingenvervoer",
    "Schuldhulpverlening",
    "Basisregistratie Adressen",
    "Basisregistratie Personen",
    "Openbare Ruimte",
    "Afval",
    "Meldingen",
    "Vastgoed",
    "Contractbeheer",
    "Planning",
    "Zaakregistratie",
    "Identiteitsbeheer",
    "Telefonie",
    "E-mail",
    "Samenwerken",
    "Analyse",
)
COOP_KINDS = (
    ("Werkorganisatie", "Ambtelijke fusie"),
    ("Servicecentrum", "Shared Service Center"),
    ("ICT-samenwerking", "ICT (bijvoorbeeld Shared Service Center)"),
    ("Belastingsamenwerking", "Belastingsamenwerking"),
    ("Omgevingsdienst", "Omgevingsdienst"),
    ("Sociaal Domein", "Sociaal Domein samenwerking"),
    ("Regionaal Archief", "Archiefdienst (regionaal)"),
    ("Gemeenschappelijke Regeling", "Gemeenschappelijke Regeling"),
    ("Bedrijfsvoeringsorganisatie", "Bedrijfsvoeringsorganisatie"),
    ("Uitvoeringsorganisatie", "Uitvoeringsorganisatie"),
)
COMMUNITIES = (
    "Common Ground Community",
    "Open Zaak Community",
    "Signalen Community",
    "PodiumD Community",
    "Open Formulieren Community",
    "GZAC Community",
    "Open Webconcept Community",
    "Haal Centraal Community",
)
# vng-gemma `element` uuids (another register; a koppeling may point there): fixed, invented.
EXTERNAL_PROVISIONS = (
    "0b6b2a9e-5f1c-4c2e-9d3a-1f0e2c4b6a01",
    "1c7c3baf-6a2d-4d3f-8e4b-2a1f3d5c7b02",
    "2d8d4cb0-7b3e-4e40-9f5c-3b2a4e6d8c03",
    "3e9e5dc1-8c4f-4f51-8a6d-4c3b5f7e9d04",
    "4fa06ed2-9d50-4062-9b7e-5d4c6a8f0e05",
    "50b17fe3-ae61-4173-8c8f-6e5d7b9a1f06",
)
STANDARDS = (
    "6a1c9e2d-0b3f-4a5c-8d7e-9f0a1b2c3d01",
    "7b2d0f3e-1c4a-4b6d-9e8f-0a1b2c3d4e02",
    "8c3e1a4f-2d5b-4c7e-8f9a-1b2c3d4e5f03",
    "9d4f2b5a-3e6c-4d8f-9a0b-2c3d4e5f6a04",
)
