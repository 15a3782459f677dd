"""The benchmark app: national-scale data generator, server-side benchmark harness and load test, with
their management commands (bench_generate, bench_run, loadtest), on PostgreSQL. The application never
imports it; only the settings that run it install it (partnerships.settings.bench, the load test's
and the tests')."""
