"""The project package: wiring only. settings.py (one file, read from the
environment), urls.py (the one module here that imports the apps), wsgi.py
and asgi.py, and the admin site with its second factor (admin_site.py,
apps.py). lib/ holds pure helpers that import nothing of the project.
"""
