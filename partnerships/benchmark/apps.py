from django.apps import AppConfig


class BenchmarkConfig(AppConfig):
    name = "partnerships.benchmark"
    label = "benchmark"
    verbose_name = "Banc d'essai"
