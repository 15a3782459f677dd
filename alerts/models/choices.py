"""The fixed, documented lists of a fiche alerte (README, "Fiches alertes")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Transmise")
    ACKNOWLEDGED = "acknowledged", _("Prise en compte")
    IN_PROGRESS = "in_progress", _("Action engagée")
    CLOSED = "closed", _("Clôturée")
    RETURNED = "returned", _("À router par la préfecture")


OPEN_STATUSES = (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RETURNED)


class Urgency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immédiate")
    HIGH = "high", _("Haute")
    NORMAL = "normal", _("Normale")


URGENCY_RANK = {Urgency.IMMEDIATE: 0, Urgency.HIGH: 1, Urgency.NORMAL: 2}


class Category(models.TextChoices):
    PERSONS = "persons", _("Atteintes aux personnes")
    PROPERTY = "property", _("Atteintes aux biens")
    COMMON_PARTS = "common_parts", _("Occupation abusive des parties communes (CSI L272-4)")
    DRUGS = "drugs", _("Trafic de stupéfiants")
    SQUAT = "squat", _("Squat ou intrusion")
    RODEO = "rodeo", _("Rodéos et conduite dangereuse")
    WRECKS = "wrecks", _("Épaves et stationnement abusif")
    DUMPING = "dumping", _("Dépôts sauvages")
    NUISANCE = "nuisance", _("Nuisances et troubles de voisinage")
    WEAPONS = "weapons", _("Armes")
    OTHER = "other", _("Autre")


class SubCategory(models.TextChoices):
    AGGRESSION_STAFF_VERBAL = "aggr_staff_verbal", _("Agression verbale d'un personnel de proximité")
    AGGRESSION_STAFF_PHYSICAL = "aggr_staff_physical", _("Agression physique d'un personnel de proximité")
    AGGRESSION_TENANT = "aggr_tenant", _("Agression d'un locataire")
    AGGRESSION_CONTRACTOR = "aggr_contractor", _("Agression d'un prestataire")
    DAMAGE = "damage", _("Dégradation")
    THEFT = "theft", _("Vol")
    ARSON = "arson", _("Incendie volontaire")
    DEAL_POINT = "deal_point", _("Point de deal")
    DRUG_STORAGE = "drug_storage", _("Stockage (cave, garage, logement vacant)")


# Which sub-categories belong to which category; a category absent here has none.
SUBCATEGORIES = {
    Category.PERSONS: [
        SubCategory.AGGRESSION_STAFF_VERBAL,
        SubCategory.AGGRESSION_STAFF_PHYSICAL,
        SubCategory.AGGRESSION_TENANT,
        SubCategory.AGGRESSION_CONTRACTOR,
    ],
    Category.PROPERTY: [SubCategory.DAMAGE, SubCategory.THEFT, SubCategory.ARSON],
    Category.DRUGS: [SubCategory.DEAL_POINT, SubCategory.DRUG_STORAGE],
}


class PlaceType(models.TextChoices):
    HALL = "hall", _("Hall")
    STAIRS = "stairs", _("Escalier")
    CELLAR = "cellar", _("Cave")
    PARKING = "parking", _("Parking / garage")
    ROOF = "roof", _("Toit")
    VACANT = "vacant", _("Logement vacant")
    SURROUNDINGS = "surroundings", _("Abords")
    LODGE = "lodge", _("Loge")


class StaffFunction(models.TextChoices):
    CARETAKER = "caretaker", _("Gardien")
    PROXIMITY = "proximity", _("Agent de proximité")
    CUSTOMER = "customer", _("Chargé de clientèle")
    CONTRACTOR = "contractor", _("Prestataire")


class Complaint(models.TextChoices):
    FILED = "filed", _("Oui")
    PLANNED = "planned", _("Prévue")
    NO = "no", _("Non")


class ComplaintBy(models.TextChoices):
    LANDLORD = "landlord", _("Le bailleur")
    VICTIM = "victim", _("La victime")
    OTHER = "other", _("Autre")


class Outcome(models.TextChoices):
    PATROL = "patrol", _("Patrouille / présence renforcée")
    CONTROL = "control", _("Contrôle / interpellation")
    INVESTIGATION = "investigation", _("Enquête ouverte")
    GPO = "gpo", _("Traité en groupe de partenariat opérationnel")
    LEASE_TERMINATION = "lease_termination", _("Procédure de résiliation de bail (CCH L442-4-3) engagée")
    NO_FOLLOW_UP = "no_follow_up", _("Sans suite possible")
    MERGED = "merged", _("Doublon fusionné")
    OTHER = "other", _("Autre")


class ReturnReason(models.TextChoices):
    OUT_OF_AREA = "out_of_area", _("Hors zone")
    OUT_OF_REMIT = "out_of_remit", _("Hors compétence")
    DUPLICATE = "duplicate", _("Doublon")
    OTHER = "other", _("Autre")


class EventKind(models.TextChoices):
    TRANSITION = "transition", _("Changement de statut")
    COMMENT = "comment", _("Commentaire")
    FEEDBACK = "feedback", _("Retour d'information")
    ESCALATION = "escalation", _("Relance")
    ATTACHMENT = "attachment", _("Pièce jointe")
    REDIRECT = "redirect", _("Réorientation")
    MERGE = "merge", _("Fusion de doublons")
    LINK = "link", _("Lien vers une fiche existante")
    ROUTING = "routing", _("Routage")
