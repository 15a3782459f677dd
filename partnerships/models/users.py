from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    MANAGER = "manager", _("Référent (manager)")
    ADMIN = "admin", _("Administrateur de l'organisation")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """E-mail login; every non-platform account belongs to exactly one organisation."""

    username = None
    email = models.EmailField(_("adresse e-mail"), unique=True)
    organisation = models.ForeignKey(
        "partnerships.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("rôle"), max_length=10, choices=Role.choices, default=Role.AGENT)
    function = models.CharField(_("fonction"), max_length=150, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    # An organisation's system (API token, webhook reader): no password, never logs in to the pages;
    # a User so that every policy applies to it unchanged.
    is_service_account = models.BooleanField(_("compte de service"), default=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def __str__(self):
        return self.get_full_name() or self.email

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN)


class Substitution(models.Model):
    """A manager on leave names who receives their escalations for a period."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="substitutions", verbose_name=_("absent")
    )
    substitute = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="substituting", verbose_name=_("suppléant")
    )
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("suppléance")
        verbose_name_plural = _("suppléances")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="substitution_period_coherent"
            ),
            models.CheckConstraint(
                condition=~models.Q(substitute=models.F("user")), name="substitution_not_self"
            ),
        ]
        indexes = [models.Index(fields=["user", "starts_on", "ends_on"])]

    def __str__(self):
        return f"{self.substitute} remplace {self.user} ({self.starts_on:%d/%m/%Y} – {self.ends_on:%d/%m/%Y})"
