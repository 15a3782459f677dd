"""The load test: gunicorn on loopback, locust at a fixed rate, PostgreSQL connections
killed once, then nothing lost and nothing doubled. Entry point: `manage.py loadtest`."""
