"""Edition backup: export one edition's rows and files to a zip, and restore it."""
