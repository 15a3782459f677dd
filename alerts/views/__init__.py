"""Pages of the fiches alertes, split by who uses them: filing (landlords), the fiche itself (everyone
who sees it), the lists (force triage, landlords, prefecture), notifications."""
