"""Pure rules for the Golden Hammer and Sickle award: eligibility, scoring, assignment, results."""
