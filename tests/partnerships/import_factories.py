import datetime

import factory
from factory.django import DjangoModelFactory

from alerts.models import Alert
from alerts.models.choices import Category, Status
from tests.factories import UserFactory


class OpenAlertFactory(DjangoModelFactory):
    """A submitted fiche on a site, routed to a unit: just what territory re-routing looks at."""

    class Meta:
        model = Alert

    reference = factory.Sequence(lambda n: f"FA-60-2026-{n:06d}")
    site = None
    landlord = factory.LazyAttribute(lambda o: o.site.landlord)
    department = factory.LazyAttribute(lambda o: o.site.commune.department)
    reporter = factory.SubFactory(UserFactory, organisation=factory.SelfAttribute("..landlord"))
    category = Category.values[0]
    facts_at = factory.LazyFunction(lambda: datetime.datetime(2026, 11, 20, 22, 0, tzinfo=datetime.UTC))
    description = "Regroupement dans le hall, porte d'entrée forcée."
    status = Status.SUBMITTED
