"""Authentication around Django's own: login throttling (django-axes), the TOTP second factor
(django-otp) and OpenID Connect login (mozilla-django-oidc). README, "Authentication"."""
