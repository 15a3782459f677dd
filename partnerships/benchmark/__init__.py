"""National-scale data generator and benchmark harness (issue #7). Not imported by the application:
only the `bench_generate` and `bench_run` management commands use it, on PostgreSQL."""
