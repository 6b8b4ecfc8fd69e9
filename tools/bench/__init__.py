"""`make bench`: wrk against gunicorn on the large dataset, compared with a
constant-response view that exists only in this package's URLconf."""
