"""Invented institutions for the tests."""

import factory

from pauschale.registry.models import Institution


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    land_id = "DE-ST"
    name = factory.Sequence(lambda n: f"Beispiel-Fachschule {n}")
    kind = Institution.Kind.FACHSCHULE
    city = "Musterstadt"
    source = "test"
    external_id = factory.Sequence(lambda n: f"T-{n}")
