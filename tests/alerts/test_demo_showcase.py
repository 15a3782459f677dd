"""The demo shows every feature from `make run`: one of each thing a newcomer should find."""

import datetime

from django.core.management import call_command
from django.utils import timezone

from alerts.following import FOLLOW_KIND
from alerts.models import Alert, Attachment, FollowKind, Notification, Status
from conventions.models import (
    OPEN_ACTION_STATUSES,
    ActionItem,
    Convention,
    Meeting,
    PartnershipProblem,
    ProblemStatus,
)
from conventions.selectors import periodic_reviews
from partnerships import demo
from partnerships.models import User

# What a landlord's manager hears of a fiche their agent filed, step by step.
HEARD_BACK = {
    "alert_acknowledged",
    "alert_redirected",
    "alert_started",
    "alert_comment",
    "alert_attachment",
    "alert_feedback",
    "alert_closed",
    "alert_returned",
    "alert_routed",
}


def test_the_demo_holds_at_least_one_of_each_feature(db):
    # One test: the whole demo takes seconds to load.
    call_command("demo_data", "--if-empty", verbosity=0)
    call_command("send_reminders", verbosity=0)  # as `make run` does after loading the demo
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=7)
    open_items = ActionItem.objects.filter(status__in=OPEN_ACTION_STATUSES)
    reviews = [row for convention in Convention.objects.all() for row in periodic_reviews(convention)]
    found = {
        "draft": Alert.objects.filter(status=Status.DRAFT).exists(),
        "photo with thumbnail": Attachment.objects.filter(content_type="image/jpeg")
        .exclude(thumbnail="")
        .exists(),
        "action item due within 7 days": open_items.filter(due_date__gte=today, due_date__lte=soon).exists(),
        "late action item": open_items.filter(due_date__lt=today).exists(),
        "periodic point due within 30 days": any(
            r["due"] and today <= r["due"] <= today + datetime.timedelta(days=30) for r in reviews
        ),
        "late periodic point": any(r["late"] for r in reviews),
        "minutes file (a PDF)": any(is_pdf(m.minutes_file) for m in Meeting.objects.exclude(minutes_file="")),
        "parquet account": User.objects.filter(organisation__kind="parquet").exists(),
        **{
            f"problem {status.label}": PartnershipProblem.objects.filter(
                status=status, alerts__isnull=False
            ).exists()
            for status in ProblemStatus
        },
        **{
            f"notification « {kind.label} »": Notification.objects.filter(
                kind__in=[name for name, follow in FOLLOW_KIND.items() if follow == kind]
            ).exists()
            for kind in FollowKind
        },
        "overdue reminder": Notification.objects.filter(kind__startswith="escalation").exists(),
        "a landlord manager told of each step of their agent's fiche": HEARD_BACK
        <= set(
            User.objects.get(email=demo.demo_email("simar", "manager"))
            .notifications.filter(read_at__isnull=True)
            .values_list("kind", flat=True)
        ),
    }
    assert [feature for feature, present in found.items() if not present] == []


def is_pdf(field) -> bool:
    with field.open("rb") as file:
        content = file.read()
    return content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
