"""Development data, never in production: the demo content and accounts
(`manage.py load_demo`, `demo_totp`), the large generated dataset for load
tests (`manage.py generate_dataset`, with its bulk loader), and the named
personas the tests and `make faults` act as.

settings.py installs this app only when DEBUG is on, so none of its commands
exist on a production server; each command also refuses to run without DEBUG,
because the accounts it makes have published passwords.
"""
