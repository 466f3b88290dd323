"""Export writers: CSV, XLSX, PDF and ZIP files built from the results and entries."""
