from functools import cached_property

from django.db import models

from .spec import ProgramSpec


class Program(models.Model):
    """A lump-sum payment scheme (Leistung), as loaded from its TOML file."""

    slug = models.SlugField(unique=True)
    spec_json = models.JSONField()
    """The validated definition; read it through ``spec``."""
    source_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.slug

    @cached_property
    def spec(self) -> ProgramSpec:
        return ProgramSpec.model_validate(self.spec_json)
