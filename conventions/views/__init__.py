"""The conventions' pages, one module per subject: conventions, meetings (and the other follow-up
items), indicators, partnership problems, response delays."""
