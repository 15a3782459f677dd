from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conventions.reminders import reminders_send


class Command(BaseCommand):
    help = gettext_lazy(
        "Envoie les rappels dus (actions à mener, points périodiques, fin des conventions), chacun une "
        "fois par personne : ce que fait la tâche horaire."
    )

    def handle(self, *args, **options):
        self.stdout.write(_("Rappels envoyés : %(count)s") % {"count": reminders_send()})
